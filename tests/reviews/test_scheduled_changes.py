"""A change decided now to take effect later reads as scheduled everywhere (the conflict's page, the
review, the board summary), never as done or as "decided, but still detected"; on its date the
daily job applies it once, however many schedulers tick, and the scan after it confirms it."""
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import current_scan_state, refresh_items
from okrapp.core.background import jobs
from okrapp.core import words
from okrapp.core.extensions import db
from okrapp.core.formatting import stored_text
from okrapp.core.models import JobRun
from okrapp.incentives.models import Incentive, IncentiveVersion
from okrapp.incentives.operations import save_incentive, save_link
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewDecision, ReviewMeeting

from tests.conftest import make_app
from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

DECIDED = datetime(2026, 12, 5, 8, 0)  # 5 Dec 2026, 10:00 in Helsinki
BEFORE_MIDNIGHT = datetime(2026, 12, 31, 21, 59)  # 31 Dec 2026, 23:59 in Helsinki
AFTER_MIDNIGHT = datetime(2026, 12, 31, 22, 1)  # 1 Jan 2027, 00:01 in Helsinki
NOT_YET_SCANNED = "the next scan, within a minute or two, checks that it is no longer detected"


@pytest.fixture
def retired(clock, login):
    """One unit's volume bonus harms the CSAT key result; on 5 Dec the review retires it from 1 Jan 2027."""
    clock.now = DECIDED
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    sales, care = make_unit("Equipment Sales"), make_unit("Customer Care")
    cycle = make_cycle("Winter 2026–27", starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31))
    make_key_result(make_objective(cycle, title="Customers get what they ordered", by=ceo), unit=care,
                    metric_key="csat", baseline=70, target=85, by=ceo)
    bonus = save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("revenue"),
                           direction="increase", weight=0.5, target=14, period="", note="", by=ceo)
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo], anchor_on=DECIDED.date())
    reviews.plan_meetings()
    db.session.commit()
    refresh_items()
    db.session.commit()
    [item] = db.session.scalars(select(ConflictItem)).all()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    client = login(ceo)
    response = client.post(f"/reviews/{meeting.id}/decisions", data={
        "kind": "incentive", "incentive": bonus.id, "change": "retire", "effective_on": "2027-01-01",
        "items": item.id, "text": "Volume bonuses hurt delivery; retired with the new bonus year."})
    assert response.status_code == 302, response.data.decode()
    return dict(client=client, item_id=item.id, bonus_id=bonus.id, meeting_id=meeting.id)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_a_retirement_from_next_year_reads_as_scheduled_on_the_item_the_review_and_the_board(retired):
    client, item = retired["client"], fresh(ConflictItem, retired["item_id"])
    assert (item.status, item.present, item.settlement) == ("resolved", True, "scheduled")
    decision = db.session.scalar(select(ReviewDecision))
    assert decision.change_list == ["Orders per sales rep (Equipment Sales): retired from 1 Jan 2027"]
    jobs.tick()  # a scan on the day of the decision still finds it, as it should
    for page in (client.get(f"/conflicts/{item.id}").data.decode(), client.get("/conflicts").data.decode()):
        assert "<strong>Scheduled:</strong> settled from 1 Jan 2027 by the decision of the review" in page
        assert "“Leadership review” of 10 Dec 2026" in page
        assert "within a minute" not in page
        assert "Decided, but still detected" not in page
    meeting = client.get(f"/reviews/{retired['meeting_id']}").data.decode()
    assert "scheduled for 1 Jan 2027" in meeting and "Decided, but still detected" not in meeting
    agenda = reviews.generate_agenda(fresh(ReviewMeeting, retired["meeting_id"]), persist=False)
    assert agenda["conflicts"] == []  # decided: nothing for the next review until the date has come
    preview = client.get("/board/preview?period=2026-12").data.decode()
    assert "Scheduled changes" in preview and "SCHEDULED CHANGES" in preview
    assert "Orders per sales rep (Equipment Sales): retired — takes effect 1 Jan 2027" in preview
    assert "(1 scheduled, from 1 Jan 2027)" in preview
    assert "scheduled: settled from 1 Jan 2027" in preview
    assert "still detected" not in preview
    assert "Resolved in the period: 0 · Scheduled: 1" in preview  # the plain-text part's count of settled conflicts
    assert "Scheduled: Orders per sales rep ↑, settled from 1 Jan 2027" in preview
    assert "Resolved: Orders per sales rep" not in preview
    html = client.get("/board/preview/email.html?period=2026-12").data.decode()
    assert "Scheduled changes" in html and "takes effect 1 Jan 2027" in html and "still detected" not in html


def test_nothing_is_applied_before_midnight(retired, clock):
    clock.now = BEFORE_MIDNIGHT
    jobs.tick(claimed_by="one")
    jobs.tick(claimed_by="two")
    assert fresh(Incentive, retired["bonus_id"]).active is True
    assert db.session.scalar(select(IncentiveVersion.applied_at)) is None
    [run] = db.session.scalars(select(JobRun).where(JobRun.job == "incentives.apply")).all()
    assert (run.period, run.status, stored_text(run.detail)) == ("2026-12-31", "done",
                                                                 "0 incentive changes and 0 plans took effect")
    item = fresh(ConflictItem, retired["item_id"])
    assert (item.present, item.settlement) == (True, "scheduled")
    assert "settled from 1 Jan 2027" in retired["client"].get(f"/conflicts/{item.id}").data.decode()


def test_at_midnight_two_schedulers_apply_the_change_once_and_the_scan_confirms_it(
        retired, app, database_url, tmp_path, clock):
    clock.now = BEFORE_MIDNIGHT
    jobs.tick(claimed_by="one")  # the last tick of 2026: still scheduled
    assert fresh(ConflictItem, retired["item_id"]).settlement == "scheduled"
    clock.now = AFTER_MIDNIGHT
    other = make_app(database_url, tmp_path, OKRAPP_CLOCK=clock)
    barrier, errors = threading.Barrier(2), []

    def scheduler(application, name):
        try:
            with application.app_context():
                barrier.wait()
                jobs.tick(claimed_by=name)
                db.session.remove()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(a, n)) for a, n in ((app, "one"), (other, "two"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with other.app_context():
        db.engine.dispose()
    assert errors == []
    db.session.expire_all()
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "incentives.apply",
                                                   JobRun.period == "2027-01-01")).all()
    assert [(r.status, stored_text(r.detail)) for r in runs] == [("done", "1 incentive change and 0 plans took effect")]
    with words.using("fi"):
        assert stored_text(runs[0].detail) == "voimaan tuli 1 kannustinmuutos ja 0 suunnitelmaa"
    [version] = db.session.scalars(select(IncentiveVersion)).all()
    assert version.applied_at == AFTER_MIDNIGHT
    bonus = fresh(Incentive, retired["bonus_id"])
    assert (bonus.active, bonus.retired_at) == (False, AFTER_MIDNIGHT)
    state = current_scan_state()
    assert not state.pending and state.scanned_at == AFTER_MIDNIGHT  # re-scanned after the change
    item = fresh(ConflictItem, retired["item_id"])
    assert (item.status, item.present, item.settlement) == ("resolved", False, "confirmed")
    page = retired["client"].get(f"/conflicts/{item.id}").data.decode()
    assert "no longer detected since the decision" in page and "Scheduled:" not in page
    assert "scheduled for" not in retired["client"].get(f"/reviews/{retired['meeting_id']}").data.decode()


def test_between_the_change_and_the_scan_the_item_waits_for_the_scan(retired, clock):
    """Applied at midnight, not yet scanned: neither scheduled nor called "still detected" by a scan of 2026."""
    clock.now = BEFORE_MIDNIGHT
    jobs.tick()
    clock.now = AFTER_MIDNIGHT
    assert jobs.run_job("incentives.apply", "2027-01-01", "one").status == "done"  # the scan has not run yet
    assert current_scan_state().pending
    item = fresh(ConflictItem, retired["item_id"])
    assert (item.present, item.settlement) == (True, "still_detected")
    page = retired["client"].get(f"/conflicts/{item.id}").data.decode()
    assert NOT_YET_SCANNED in page and "Decided, but still detected" not in page and "Scheduled:" not in page
    jobs.tick()
    assert fresh(ConflictItem, retired["item_id"]).settlement == "confirmed"
