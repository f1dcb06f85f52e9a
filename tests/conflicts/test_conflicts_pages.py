"""Conflict items: refreshed in the background after changes, lifecycle, decisions and history,
levels and filters, evidence, and who sees what."""
import json
import re

import pytest
from sqlalchemy import select

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem, ConflictScanState
from okrapp.incentives.models import MetricLink
from okrapp.conflicts.operations import refresh_items
from okrapp.incentives.operations import save_incentive, save_link

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def org():
    executive = make_user("executive", name="Aino Virtanen")
    sales_lead, care_lead = make_user("unit_leader"), make_user("unit_leader")
    sales, care = make_unit("Sales", leaders=[sales_lead]), make_unit("Customer Care", leaders=[care_lead])
    kr = make_key_result(make_objective(make_cycle(), by=executive), unit=care, metric_key="csat", baseline=70,
                         target=85, by=executive)
    return dict(executive=executive, sales=sales, care=care, sales_lead=sales_lead, care_lead=care_lead, kr=kr)


def items():
    db.session.expire_all()
    return db.session.scalars(select(ConflictItem).order_by(ConflictItem.id)).all()


def tick():
    """What the scheduler process does every minute."""
    jobs.tick()
    db.session.expire_all()


def add_volume_bonus(org, refresh=True):
    incentive = save_incentive(None, unit=org["sales"], name="Orders per rep", metric=metric("revenue"),
                               direction="increase", weight=0.6, target=None, period="2026", note="",
                               by=org["executive"])
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.5, rationale="",
              by=org["executive"])
    db.session.commit()
    if refresh:
        tick()
    return incentive


def test_a_save_only_marks_the_items_stale_and_the_scheduler_catches_up(org, clock, login):
    add_volume_bonus(org, refresh=False)
    assert items() == []
    state = db.session.get(ConflictScanState, 1)
    assert state.pending
    page = login(org["executive"]).get("/conflicts").data.decode()
    assert "A refresh is pending" in page
    clock.advance(seconds=30)
    tick()
    [item] = items()
    assert (item.kind, item.status, item.level, item.first_seen_at) == ("criterion", "open", "high", clock.now)
    assert item.severity == pytest.approx(0.6 * 1.0 * 0.5)
    assert item.title == "Orders per rep ↑"
    assert item.summary == item.summary_text == "Rewarded in Sales; works against 1 key result of 1 objective."
    assert json.loads(item.facts) == {"kind": "criterion", "units": ["Sales"], "tension": False, "key_results": 1,
                                      "incentives": 0, "objectives": 1}
    assert not db.session.get(ConflictScanState, 1).pending
    page = login(org["executive"]).get("/conflicts").data.decode()
    assert "A refresh is pending" not in page and "Conflicts brought up to date" in page


def test_a_tick_without_changes_does_not_rescan(org, clock):
    add_volume_bonus(org)
    scanned = db.session.get(ConflictScanState, 1).scanned_at
    clock.advance(minutes=5)
    tick()
    assert db.session.get(ConflictScanState, 1).scanned_at == scanned
    clock.advance(hours=1)  # observed conflicts move with check-ins: an hourly scan even without saves
    tick()
    assert db.session.get(ConflictScanState, 1).scanned_at == clock.now


def test_vanished_item_is_resolved_by_change_and_reopens_when_it_returns(org, clock, login):
    add_volume_bonus(org)
    first_seen = clock.now
    link = db.session.scalar(select(MetricLink))
    clock.advance(days=3)
    client = login(org["executive"])
    client.post(f"/influence-links/{link.id}/delete")
    tick()
    [item] = items()
    assert (item.status, item.resolved_at, item.present) == ("resolved_by_change", clock.now, False)
    clock.advance(days=3)
    client.post("/influence-links/new", data={"source": metric("revenue").id, "target": metric("csat").id,
                                              "sign": "-1", "strength": 0.4})
    tick()
    [item] = items()
    assert (item.status, item.present, item.first_seen_at) == ("open", True, first_seen)
    assert [e.action for e in reversed(item.events)] == ["detected", "resolved_by_change", "reopened"]


def test_retiring_the_incentive_resolves_its_item(org, login):
    incentive = add_volume_bonus(org)
    login(org["executive"]).post(f"/incentives/{incentive.id}/retire")
    tick()
    [item] = items()
    assert item.status == "resolved_by_change"
    db.session.refresh(incentive)
    assert not incentive.active and incentive.retired_at is not None


def test_key_result_change_refreshes_items(org, login):
    add_volume_bonus(org)
    kr = org["kr"]
    login(org["executive"]).post(f"/key-results/{kr.id}/edit", data={
        "title": kr.title, "metric": metric("csat").id, "baseline": 85, "target": 70,
        "accountable_unit": org["care"].id, "weight": 1, "commitment": "committed", "version": kr.version})
    tick()
    [item] = items()
    assert item.status == "resolved_by_change"  # CSAT going down no longer opposes the volume bonus


def test_the_same_bonus_in_many_units_is_one_item(org):
    add_volume_bonus(org)
    for i in range(4):
        save_incentive(None, unit=make_unit(f"Sales {i}"), name="Orders per rep", metric=metric("revenue"),
                       direction="increase", weight=0.3, target=None, period="2026", note="", by=org["executive"])
    db.session.commit()
    refresh_items()
    [item] = items()
    assert item.pairs == 5
    assert item.summary == "Rewarded in 5 units; works against 1 key result of 1 objective."
    assert item.severity == pytest.approx(0.6 * 0.5)  # the worst pair: the 60 % bonus


@pytest.mark.parametrize("action, note, status", [
    ("acknowledge", "", "acknowledged"),
    ("accept", "Growth first in 2026; revisit in Q2", "accepted"),
    ("resolve", "Volume bonus retired; Sales now shares KR Delivery CSAT", "resolved")])
def test_executive_decides_and_history_is_kept(org, login, action, note, status):
    add_volume_bonus(org)
    [item] = items()
    response = login(org["executive"]).post(f"/conflicts/{item.id}", data={"action": action, "note": note})
    assert response.status_code == 302
    [item] = items()
    assert item.status == status and item.note == note
    assert (item.events[0].action, item.events[0].actor.name) == (action, "Aino Virtanen")
    history = login(org["executive"]).get(f"/conflicts/{item.id}").data.decode().split("<h2>History</h2>")[1]
    assert f"{item.events[0].label} · Aino Virtanen" in history and f"{action} by" not in history


def test_sent_to_review_goes_to_the_next_review_only(org, login, clock):
    from okrapp.reviews import operations as reviews
    add_volume_bonus(org)
    [item] = items()
    client = login(org["executive"])
    assert client.post(f"/conflicts/{item.id}", data={"action": "review"}).status_code == 422  # no review planned
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=0, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                          chair=org["executive"], participants=[org["executive"]], anchor_on=clock.now.date())
    reviews.plan_meetings()
    db.session.commit()
    response = client.post(f"/conflicts/{item.id}", data={"action": "review"})
    assert response.status_code == 302
    [item] = items()
    assert item.status == "in_review" and item.review_meeting.starts_at > clock.now
    from okrapp.reviews.models import ReviewMeeting
    meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()
    assert item.review_meeting_id == meetings[0].id
    first = client.get(f"/reviews/{meetings[0].id}").data.decode()
    later = client.get(f"/reviews/{meetings[1].id}").data.decode()
    assert "Orders per rep ↑" in section(first, "sent-to-review")
    assert "Orders per rep ↑" not in section(later, "sent-to-review")
    assert "Orders per rep ↑" in section(later, "conflicts")  # still open: on every agenda until decided


def section(page, anchor):
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("</ul>", start)]


@pytest.mark.parametrize("action", ["accept", "resolve"])
def test_trade_off_and_resolution_need_a_reason(org, login, action):
    add_volume_bonus(org)
    [item] = items()
    response = login(org["executive"]).post(f"/conflicts/{item.id}", data={"action": action, "note": "  "})
    assert response.status_code == 422
    assert items()[0].status == "open"


def test_only_executives_decide(org, login):
    add_volume_bonus(org)
    [item] = items()
    for role in ("admin", "board", "unit_leader"):
        user = org["care_lead"] if role == "unit_leader" else make_user(role)
        response = login(user).post(f"/conflicts/{item.id}", data={"action": "acknowledge"})
        assert response.status_code == 403
    assert items()[0].status == "open"


def test_list_sorts_by_severity_folds_minor_levels_and_filters(org, login):
    add_volume_bonus(org)
    finance = make_unit("Finance")
    save_incentive(None, unit=finance, name="Push prices", metric=metric("csat"), direction="decrease", weight=0.02,
                   target=None, period="", note="", by=org["executive"])
    save_incentive(None, unit=finance, name="Cash first", metric=metric("nps"), direction="decrease", weight=0.5,
                   target=None, period="", note="", by=org["executive"])
    make_key_result(make_objective(org["kr"].objective.cycle, by=org["executive"]), unit=org["sales"],
                    metric_key="nps", baseline=10, target=30, by=org["executive"])
    db.session.commit()
    refresh_items()
    db.session.commit()
    levels = {i.title: i.level for i in items()}
    assert levels == {"Orders per rep ↑": "high", "Push prices ↓": "low", "Cash first ↓": "high"}
    client = login(org["executive"])
    page = client.get("/conflicts").data.decode()
    assert page.index("Cash first ↓") < page.index("Orders per rep ↑")  # 0.5 × 1 before 0.6 × 0.5
    assert "Push prices" not in page and "Folded away: 1 low" in page
    everything = client.get("/conflicts?level=all").data.decode()
    assert "Push prices ↓" in everything
    only_finance = client.get(f"/conflicts?unit={finance.id}&level=all").data.decode()
    assert "Push prices" in only_finance and "Orders per rep" not in only_finance
    assert "Severity 0.10 or more" in page  # the levels are explained where they are shown


def test_status_filter_shows_the_choice_it_applies(org, login):
    """"Still open" and "Open" shared the value open: the default list (open, acknowledged, sent to
    review) showed "Open" as chosen, and the items not yet acted on could not be asked for."""
    add_volume_bonus(org)
    finance = make_unit("Finance")
    save_incentive(None, unit=finance, name="Cash first", metric=metric("nps"), direction="decrease", weight=0.5,
                   target=None, period="", note="", by=org["executive"])
    make_key_result(make_objective(org["kr"].objective.cycle, by=org["executive"]), unit=org["sales"],
                    metric_key="nps", baseline=10, target=30, by=org["executive"])
    db.session.commit()
    refresh_items()
    db.session.commit()
    client = login(org["executive"])
    acknowledged = next(i for i in items() if i.title == "Cash first ↓")
    assert client.post(f"/conflicts/{acknowledged.id}", data={"action": "acknowledge"}).status_code == 302
    page = client.get("/conflicts").data.decode()
    assert page.count('value="open"') == 1 and '<option value="open" selected>Still open</option>' in page
    assert "Cash first ↓" in page and "Orders per rep ↑" in page
    fresh = client.get("/conflicts?status=new").data.decode()
    assert '<option value="new" selected>' in fresh
    assert "Orders per rep ↑" in fresh and "Cash first ↓" not in fresh


def test_item_page_lists_its_pairs_worst_first(org, login):
    add_volume_bonus(org)
    save_incentive(None, unit=make_unit("Sales North"), name="Orders per rep", metric=metric("revenue"),
                   direction="increase", weight=0.2, target=None, period="2026", note="", by=org["executive"])
    db.session.commit()
    refresh_items()
    db.session.commit()
    [item] = items()
    page = login(org["executive"]).get(f"/conflicts/{item.id}").data.decode()
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", page)
    assert [r[0] for r in rows] == ["Sales: Orders per rep", "Sales North: Orders per rep"]
    assert "Revenue" in page and "lowers" in page  # the path of the evidence


def test_unit_leaders_see_only_items_of_their_units(org, login):
    add_volume_bonus(org)
    outsider = make_user("unit_leader")
    make_unit("Elsewhere", leaders=[outsider])
    [item] = items()
    assert login(org["sales_lead"]).get(f"/conflicts/{item.id}").status_code == 200  # its incentive
    assert login(org["care_lead"]).get(f"/conflicts/{item.id}").status_code == 200  # its key result
    assert login(outsider).get(f"/conflicts/{item.id}").status_code == 403
    assert "Orders per rep" not in login(outsider).get("/conflicts").data.decode()


def test_key_results_of_ended_cycles_are_not_scanned(org, clock):
    from datetime import date
    ended = make_cycle("2026 Q2", starts_on=date(2026, 4, 1), ends_on=date(2026, 6, 30))
    old = make_key_result(make_objective(ended, by=org["executive"]), unit=org["care"], metric_key="nps",
                          baseline=10, target=30, by=org["executive"])
    save_incentive(None, unit=org["sales"], name="Cheap service", metric=metric("nps"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=org["executive"])
    db.session.commit()
    refresh_items()
    assert items() == []  # the only NPS key result is in a cycle that has ended
    make_key_result(org["kr"].objective, unit=org["care"], metric_key="nps", baseline=10, target=30,
                    by=org["executive"])
    refresh_items()
    [item] = items()
    assert item.title == "Cheap service ↓" and item.pairs == 1 and old.id


def test_observed_conflict_from_weekly_check_ins(org, clock):
    """Two key results whose weekly gains move against each other, both rising every week."""
    from okrapp.okrs.metric_models import MetricWeek
    from okrapp.okrs import metric_weeks
    from okrapp.okrs.operations import record_check_in
    objective = org["kr"].objective
    nps = make_key_result(objective, unit=org["care"], metric_key="nps", baseline=0, target=60, by=org["executive"])
    clv = make_key_result(objective, unit=org["sales"], metric_key="clv", baseline=100, target=900,
                          by=org["executive"])
    clock.now = clock.now.replace(month=9, day=7)  # a Monday, seven weeks of history
    for nps_value, clv_value in zip([10, 20, 22, 32, 34, 44, 46], [110, 120, 220, 240, 340, 360, 460]):
        record_check_in(nps, nps_value, 7, "", org["executive"])
        record_check_in(clv, clv_value, 7, "", org["executive"])
        db.session.commit()
        clock.advance(days=7)
    incremental = {(w.metric_id, w.week_start): (w.total, w.count) for w in db.session.scalars(select(MetricWeek))}
    assert metric_weeks.rebuild() == len(incremental)  # a bulk rebuild gives the same sums
    assert {(w.metric_id, w.week_start): (w.total, w.count)
            for w in db.session.scalars(select(MetricWeek))} == incremental
    refresh_items()
    [item] = [i for i in items() if i.kind == "key_results"]
    assert item.kinds == "observed" and item.key == "metrics:clv|nps"
    assert "Measured over 7 weeks (2026-W37 to 2026-W43)" in item.explanation
    assert "week-to-week changes" in item.explanation


def test_a_save_committed_while_a_scan_runs_is_not_missed(org, app, monkeypatch):
    """The scan reads, then another request saves, then the scan writes: a refresh stays pending."""
    from okrapp.conflicts import operations as service
    add_volume_bonus(org)
    original = service.database_scenario

    def scan_with_a_save_in_between(*args, **kwargs):
        result = original(*args, **kwargs)
        with app.app_context():  # another request, on its own connection
            service.request_refresh()
            db.session.commit()
        return result
    monkeypatch.setattr(service, "database_scenario", scan_with_a_save_in_between)
    refresh_items()
    db.session.commit()
    assert service.current_scan_state().pending


def test_evidence_pages_are_the_pairs_worst_first(org):
    from okrapp.conflicts.operations import item_evidence
    add_volume_bonus(org)
    for i, weight in enumerate((0.45, 0.2, 0.35, 0.1)):
        save_incentive(None, unit=make_unit(f"Sales {i}"), name=f"Orders {i}", metric=metric("revenue"),
                       direction="increase", weight=weight, target=None, period="", note="", by=org["executive"])
    for baseline in (60, 50):
        make_key_result(org["kr"].objective, unit=org["care"], metric_key="csat", baseline=baseline, target=90,
                        by=org["executive"])
    refresh_items()
    [item] = items()
    everything, total = item_evidence(item, limit=100)
    assert total == len(everything) == 5 * 3
    severities = [p.severity for p in everything]
    assert severities == sorted(severities, reverse=True)
    first, _ = item_evidence(item, limit=4)
    second, _ = item_evidence(item, limit=4, offset=4)
    assert first + second == everything[:8]
