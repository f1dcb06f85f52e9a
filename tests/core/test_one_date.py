"""One date for one moment (issue 20): 23:30 UTC on 2 December 2026 is 01:30 on 3 December in
Helsinki, and every page, mail, calendar text and export that shows it says 3 December. Each check
also looks for the UTC date (2 Dec, 2026-12-02), which a page formatting the stored value would print."""
import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from okrapp.core import formatting as fmt
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.board import operations as board
from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import refresh_items
from okrapp.incentives.models import Incentive, IncentiveVersion
from okrapp.incentives.operations import save_incentive, save_link
from okrapp.okrs.operations import record_check_in
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

MOMENT = datetime(2026, 12, 2, 23, 30)  # Thursday 3 December 2026, 01:30 in Helsinki (EET, UTC+2)
EARLIER = datetime(2026, 11, 10, 23, 30)  # 11 November, 01:30 in Helsinki: the stale check-in
PREVIOUS = datetime(2026, 11, 18, 23, 30)  # 19 November, 01:30 in Helsinki: the last review
UTC_DAY = re.compile(r"(?<!\d)2 Dec(ember)? 2026|2026-12-02")  # "12 Dec" is another day


def no_utc_day(text: str) -> None:
    found = UTC_DAY.search(text)
    assert found is None, f"the UTC date {found[0]!r} is shown: …{text[max(0, found.start() - 80):found.end() + 40]}…"


def meeting_at(schedule, starts_at, status="scheduled"):
    meeting = ReviewMeeting(schedule=schedule, slot=f"{schedule.id}@{starts_at:%Y%m%dT%H%M}", starts_at=starts_at,
                            ends_at=starts_at + timedelta(hours=1), uid=f"review-{starts_at:%Y%m%dT%H%M}@okrapp",
                            status=status)
    db.session.add(meeting)
    db.session.flush()
    return meeting


@pytest.fixture
def world(clock):
    """A bonus on revenue that works against a care unit's CSAT key result (one conflict item), the
    care leader's check-in of 11 November (local), the review of 19 November and the one of 3 December."""
    clock.now = EARLIER
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    leader = make_user("unit_leader", name="Laura Care", email="laura@example.com")
    sales, care = make_unit("Equipment Sales"), make_unit("Customer Care", leaders=[leader])
    cycle = make_cycle("2026 Q4")
    first = make_objective(cycle, title="Customers get what they ordered", by=ceo)
    second = make_objective(cycle, title="Customers stay", by=ceo)
    stale = make_key_result(first, unit=care, metric_key="csat", baseline=70, target=85, by=ceo)
    fresh = make_key_result(second, unit=sales, metric_key="churn_rate", baseline=9, target=6, by=ceo)
    bonus = save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("revenue"),
                           direction="increase", weight=0.5, target=14, period="2026", note="", by=ceo)
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=ceo)
    record_check_in(stale, 75, 6, "", leader)
    schedule = ReviewSchedule(name="Leadership review", participants=[ceo, leader], chair=ceo,
                              anchor_on=date(2026, 11, 16))
    db.session.add(schedule)
    db.session.flush()
    meeting_at(schedule, PREVIOUS, status="closed")
    meeting = meeting_at(schedule, MOMENT)
    db.session.commit()
    refresh_items()
    db.session.commit()
    [item] = db.session.scalars(select(ConflictItem)).all()
    clock.now = MOMENT
    record_check_in(fresh, 8.5, 7, "", ceo)
    db.session.commit()
    return dict(ceo=ceo, leader=leader, cycle=cycle, second=second, bonus=bonus, item=item, schedule=schedule,
                meeting=meeting)


def decide(client, world, **data):
    fields = dict(kind="incentive", incentive=world["bonus"].id, change="weight", new_weight="0,2",
                  text="A smaller volume share, so installs are not rushed.")
    return client.post(f"/reviews/{world['meeting'].id}/decisions", data={**fields, **data})


def test_the_organisations_day_of_a_stored_moment_is_written_in_one_place():
    helsinki = ZoneInfo("Europe/Helsinki")
    assert fmt.local_day(MOMENT, helsinki) == "3 Dec 2026" and fmt.day(MOMENT) == "2 Dec 2026"
    assert fmt.local_day("2026-12-02T23:30", helsinki) == "3 Dec 2026"
    assert fmt.local_day("2026-12-02", helsinki) == "2 Dec 2026"  # a day is a day in every zone
    assert fmt.local_day(date(2026, 12, 2), helsinki) == "2 Dec 2026" and fmt.local_day(None, helsinki) == ""
    month_end = datetime(2026, 11, 30, 22, 0)  # 1 December 00:00 in Helsinki: November's summary ends there
    assert fmt.local_day(month_end, helsinki, until=True) == "30 Nov 2026"
    assert fmt.local_day(MOMENT, helsinki, until=True) == "3 Dec 2026"
    assert fmt.zoned("When", helsinki) == "When (Europe/Helsinki)"


def test_a_moment_at_2330_utc_on_2_december_reads_3_december_on_every_page(world, login):
    client = login(world["ceo"])
    assert decide(client, world, items=world["item"].id).status_code == 302
    assert client.post(f"/reviews/{world['meeting'].id}/rank",
                       data={"objective": world["second"].id, "rank": 1}).status_code == 302
    decision = db.session.scalar(select(ReviewDecision))
    assert decision.created_at == MOMENT and decision.effective_on == date(2026, 12, 3)

    meeting_page = client.get(f"/reviews/{world['meeting'].id}").data.decode()
    assert "Thu 3 Dec 2026, 01:30" in meeting_page
    assert "since the last review on 19 Nov 2026" in meeting_page  # held at 23:30 UTC on 18 November
    assert "last 11 Nov 2026" in meeting_page  # the stale key result's check-in, 23:30 UTC on 10 November
    no_utc_day(meeting_page)
    assert "18 Nov 2026" not in meeting_page and "2026-11-10" not in meeting_page

    listed = client.get("/reviews").data.decode()
    assert "Thu 3 Dec 2026, 01:30" in listed and 'value="2026-12-03"' in listed
    assert "Thu 19 Nov 2026, 01:30" in listed
    no_utc_day(listed)

    conflict = client.get(f"/conflicts/{world['item'].id}").data.decode()
    assert "3 Dec 2026" in conflict  # the decision that settled it
    no_utc_day(conflict)

    incentives = client.get("/incentives").data.decode()
    assert "3 Dec 2026: bonus share 50 % → 20 %" in incentives and "3 Dec 2026, 01:30" in incentives
    no_utc_day(incentives)

    preview = client.get("/board/preview?period=2026-12").data.decode()
    assert re.search(r'<small class="muted">3 Dec 2026', preview)  # the decision's line
    assert "- 3 Dec 2026 · Incentive changed" in preview  # the plain-text part shown below it
    no_utc_day(preview)
    frame = client.get("/board/preview/email.html?period=2026-12").data.decode()
    assert "3 Dec 2026" in frame
    no_utc_day(frame)


def test_a_moment_at_2330_utc_on_2_december_reads_3_december_in_every_mail_and_in_the_ics(world, login):
    client = login(world["ceo"])
    assert decide(client, world, items=world["item"].id).status_code == 302
    assert client.post(f"/reviews/{world['meeting'].id}/rank",
                       data={"objective": world["second"].id, "rank": 1}).status_code == 302
    meeting = db.session.get(ReviewMeeting, world["meeting"].id)

    _figures, text, html = board.compose("2026-12")
    for body in (text, html):
        assert "First summary to 3 Dec 2026." in body and "Figures as of 3 Dec 2026." in body
        no_utc_day(body)
    assert "- 3 Dec 2026 · Incentive changed" in text
    assert '- 3 Dec 2026: "Customers stay" 2 -> 1' in text  # the priority change made in the review
    assert "3 Dec 2026: “Customers stay” 2 → 1" in html

    reviews.queue_invitations(meeting, [world["leader"]])
    reviews.send_reminders(meeting)
    db.session.commit()
    invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "invitation"))
    assert invitation.subject == "Invitation: Leadership review, Thu 3 Dec 2026, 01:30"
    [event] = Calendar.from_ical(invitation.ics).walk("VEVENT")
    assert event.decoded("dtstart").astimezone(ZoneInfo("UTC")).replace(tzinfo=None) == MOMENT  # the instant
    for words in (str(event["summary"]), str(event["description"]), invitation.text_body, invitation.html_body):
        no_utc_day(words)
    assert "Thursday 3 December 2026 at 01:30" in invitation.text_body

    reminder = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "reminder"))
    assert reminder.subject == "Check in before the review on 3 Dec"
    for body in (reminder.text_body, reminder.html_body):
        assert "Thursday 3 December at 01:30" in body
        assert "no check-in since 19 November" in body  # the last review, at 23:30 UTC on 18 November
        assert "18 November" not in body

    client.post(f"/reviews/{meeting.id}/decisions", data=dict(
        kind="action", text="Plan the installs", owner=world["leader"].id, due_on="2026-12-03"))
    assert reviews.close_meeting(db.session.get(ReviewMeeting, meeting.id), world["ceo"]) == 2
    db.session.commit()
    for minutes in db.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "minutes")):
        assert minutes.subject == "Minutes: Leadership review, 3 Dec 2026"
        for body in (minutes.text_body, minutes.html_body):
            assert "Minutes of the priority review, 3 December 2026" in body and "due 3 Dec 2026" in body
            no_utc_day(body)


def test_exports_write_local_times_under_a_heading_naming_the_zone(world, login):
    client = login(world["ceo"])
    assert decide(client, world).status_code == 302
    decisions = list(csv.DictReader(io.StringIO(client.get("/exports/decisions.csv").data.decode("utf-8-sig"))))
    assert [d["Meeting starts (Europe/Helsinki)"] for d in decisions] == ["2026-12-03 01:30"]
    download = client.get(f"/exports/check-ins.csv?cycle={world['cycle'].id}")
    assert "-2026-12-03.csv" in download.headers["Content-Disposition"]  # the file is named on the local day
    check_ins = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert sorted(c["When (Europe/Helsinki)"] for c in check_ins) == ["2026-11-11 01:30", "2026-12-03 01:30"]
    key_results = client.get(f"/exports/key-results.csv?cycle={world['cycle'].id}").data.decode("utf-8-sig")
    assert "Last check-in (Europe/Helsinki)" in key_results and "2026-12-03 01:30" in key_results
    for body in (key_results, download.data.decode("utf-8-sig")):
        no_utc_day(body)
        assert "2026-11-10" not in body


def test_a_decision_dated_today_in_helsinki_is_accepted_at_0030_while_utc_is_still_on_the_day_before(
        world, login, clock):
    """00:30 on 3 December in Helsinki is 22:30 UTC on 2 December: today is the 3rd, the 2nd is past."""
    clock.now = datetime(2026, 12, 2, 22, 30)
    client = login(world["ceo"])
    refused = decide(client, world, effective_on="2026-12-02")
    assert refused.status_code == 422 and "a decision does not rewrite the past" in refused.data.decode()
    assert db.session.get(Incentive, world["bonus"].id).weight == 0.5
    assert decide(client, world, effective_on="2026-12-03").status_code == 302
    db.session.expire_all()
    assert db.session.get(Incentive, world["bonus"].id).weight == 0.2  # in force today, applied at once
    version = db.session.scalars(select(IncentiveVersion).where(IncentiveVersion.decision_id.is_not(None))).one()
    assert (version.effective_on, version.applied_at) == (date(2026, 12, 3), clock.now)
    assert decide(client, world, new_weight="0,3").status_code == 302  # no date: today, Helsinki's
    assert db.session.scalars(select(ReviewDecision.effective_on)).all() == [date(2026, 12, 3)] * 2
