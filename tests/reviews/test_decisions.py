"""Decisions that change things: each kind applied when recorded, through the review page, with
what it changed written down and the conflicts it settled confirmed or flagged by the next scan."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem
from okrapp.incentives.models import Incentive, IncentiveProposal, IncentiveVersion
from okrapp.okrs.models import KeyResult, RankChange, TargetChange
from okrapp.reviews.models import Pilot, ReviewDecision, ReviewMeeting
from okrapp.reviews import operations as reviews
from okrapp.conflicts.operations import refresh_items
from okrapp.incentives.operations import save_incentive, save_link

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def org(clock):
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    leader = make_user("unit_leader", name="Mikko Sales", email="mikko@example.com")
    owner = make_user("unit_leader", name="Laura Care", email="laura@example.com")
    sales, north = make_unit("Equipment Sales", leaders=[leader]), make_unit("Sales North")
    care = make_unit("Customer Care", leaders=[owner])
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, title="Customers get what they ordered", by=ceo)
    second = make_objective(cycle, title="Customers stay", by=ceo)
    kr = make_key_result(objective, unit=care, metric_key="csat", baseline=70, target=85, by=ceo)
    bonuses = [save_incentive(None, unit=unit, name="Orders per sales rep", metric=metric("revenue"),
                              direction="increase", weight=weight, target=14, period="2026", note="", by=ceo)
               for unit, weight in ((sales, 0.5), (north, 0.3))]
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo, leader], anchor_on=clock.now.date())
    reviews.plan_meetings()
    db.session.commit()
    refresh_items()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    return dict(ceo=ceo, leader=leader, owner=owner, sales=sales, north=north, care=care, cycle=cycle, kr=kr,
                objective=objective, second=second, bonuses=bonuses, meeting=meeting)


def decide(client, meeting, **data):
    return client.post(f"/reviews/{meeting.id}/decisions", data=data)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_retiring_a_criterion_in_every_unit_settles_its_conflict_after_the_next_refresh(org, login, clock):
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    response = decide(client, org["meeting"], kind="incentive", criterion="revenue:+", change="retire",
                      text="Volume bonuses hurt delivery; Sales shares the CSAT result instead.")
    assert response.status_code == 302
    assert [fresh(Incentive, b.id).active for b in org["bonuses"]] == [False, False]  # applied when recorded
    decision = db.session.scalar(select(ReviewDecision))
    assert decision.change_list[:2] == ["Orders per sales rep (Equipment Sales): retired",
                                        "Orders per sales rep (Sales North): retired"]
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.settled_by_id, item.settlement) == ("resolved", decision.id, "still_detected")
    jobs.tick()  # the scheduler's refresh: the bonus is gone, so is the conflict
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.present, item.settlement) == ("resolved", False, "confirmed")
    page = client.get("/conflicts?status=all").data.decode()
    assert "no longer detected since the decision" in page
    versions = db.session.scalars(select(IncentiveVersion).where(IncentiveVersion.decision_id == decision.id)).all()
    assert len(versions) == 2 and all(v.applied_at is not None and v.changed_by_id == org["ceo"].id for v in versions)


def test_retiring_one_unit_of_a_criterion_is_flagged_as_still_detected(org, login):
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="retire",
           items=item.id, text="Equipment Sales first")
    jobs.tick()
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.present, item.settlement) == ("resolved", True, "still_detected")
    assert "Decided, but still detected" in client.get("/conflicts").data.decode()  # still shown as open
    agenda = reviews.generate_agenda(fresh(ReviewMeeting, org["meeting"].id), persist=False)
    assert [(c["title"], c["flag"]) for c in agenda["conflicts"]] == [("Orders per sales rep ↑", "still_detected")]


def test_a_decision_is_not_called_still_detected_before_a_scan_has_looked(org, login, clock):
    """Right after the decision the last scan predates it: the page must not say that scan still finds it."""
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    clock.now += timedelta(minutes=5)
    decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="retire",
           items=item.id, text="Equipment Sales first")
    for page in (client.get("/conflicts").data.decode(), client.get(f"/conflicts/{item.id}").data.decode()):
        assert "Decided, but still detected" not in page
        assert "the next scan, within a minute or two, checks that it is no longer detected" in page
    clock.now += timedelta(minutes=1)
    jobs.tick()
    assert "Decided, but still detected" in client.get(f"/conflicts/{item.id}").data.decode()


def test_a_change_from_a_later_date_waits_for_it(org, login, clock):
    client = login(org["ceo"])
    response = decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="weight",
                      new_weight="0.2", effective_on="2027-01-01", text="Smaller volume share from next year")
    assert response.status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).weight == 0.5
    assert "bonus share 50 % → 20 % from 1 Jan 2027" in " ".join(db.session.scalar(select(ReviewDecision)).change_list)
    clock.now = clock.now.replace(year=2027, month=1, day=1, hour=7)
    jobs.sweep()
    assert fresh(Incentive, org["bonuses"][0].id).weight == 0.2


@pytest.mark.parametrize("data, field, message", [
    ({"change": "weight", "new_weight": "0"}, "new_weight", "above 0"),
    ({"change": "retire", "effective_on": "2020-01-01"}, "effective_on", "today or later"),
    ({"change": "guardrail", "guard_comparator": ">=", "guard_threshold": "80"}, "guard_metric", "counter-metric"),
    ({"change": "sideways"}, "change", "Not a valid choice"),
])
def test_bad_incentive_decisions_are_refused_and_change_nothing(org, login, data, field, message):
    response = decide(login(org["ceo"]), org["meeting"], kind="incentive", incentive=org["bonuses"][0].id,
                      text="Why", **data)
    assert response.status_code == 422 and message in response.data.decode()
    bonus = fresh(Incentive, org["bonuses"][0].id)
    assert (bonus.active, bonus.weight, bonus.guard_metric_id) == (True, 0.5, None)
    assert db.session.scalars(select(ReviewDecision)).all() == []


def test_a_decision_reads_a_finnish_decimal_comma(org, login):
    """The review's share and threshold fields are text read by the one number parser: a Finnish
    browser's number field would have sent 0,3 as 03, refused, and 82,5 as 825, saved."""
    client = login(org["ceo"])
    page = client.get(f"/reviews/{org['meeting'].id}").data.decode()
    [field] = re.findall(r'<input[^>]*name="new_weight"[^>]*>', page)
    assert 'inputmode="decimal"' in field and 'type="number"' not in field
    assert decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="weight",
                  new_weight="0,3", text="Smaller volume share").status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).weight == 0.3
    assert decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="guardrail",
                  guard_metric=metric("csat").id, guard_comparator=">=", guard_threshold="82,5",
                  text="Only while customers are satisfied").status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).guard_threshold == 82.5


def test_a_guardrail_on_the_harmed_metric_settles_the_conflict(org, login):
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="incentive", criterion="revenue:+", change="guardrail",
           guard_metric=metric("csat").id, guard_comparator=">=", guard_threshold="80",
           text="Volume counts only while customers stay satisfied")
    bonus = fresh(Incentive, org["bonuses"][0].id)
    assert (bonus.active, bonus.guard_metric_id, bonus.guard_comparator, bonus.guard_threshold) == (
        True, metric("csat").id, ">=", 80)
    refresh_items()
    [item] = db.session.scalars(select(ConflictItem)).all()
    assert item.settlement == "confirmed"
    assert "paid only while Customer satisfaction (CSAT) ≥ 80" in " ".join(db.session.scalar(select(ReviewDecision)).change_list)


def test_changing_a_target_keeps_its_history_on_the_key_result(org, login):
    client = login(org["ceo"])
    response = decide(client, org["meeting"], kind="change_target", key_result=org["kr"].id, new_target="90",
                      text="The partner delivers more reliably than planned")
    assert response.status_code == 302
    kr = fresh(KeyResult, org["kr"].id)
    assert kr.target == 90
    [change] = db.session.scalars(select(TargetChange)).all()
    assert (change.old_target, change.new_target, change.reason) == (85, 90, "The partner delivers more reliably than planned")
    page = client.get(f"/key-results/{kr.id}").data.decode()
    assert "85 → 90" in page and "Target 85 until" in page  # the list and the chart both show it
    assert decide(client, org["meeting"], kind="change_target", key_result=kr.id, new_target="70",
                  text="x").status_code == 422  # the baseline


def test_a_key_result_beyond_the_review_list_is_decided_on_from_its_own_page(org, login, monkeypatch):
    from okrapp.reviews import views as routes
    monkeypatch.setattr(routes, "KR_CHOICES", 1)  # a large company: the review lists only the first results
    late = make_key_result(org["second"], unit=org["care"], metric_key="nps", baseline=10, target=30, by=org["ceo"])
    client = login(org["ceo"])
    link = re.search(r'href="(/reviews/\d+\?key_result=\d+)#decide-change_target"',
                     client.get(f"/key-results/{late.id}").data.decode()).group(1)
    page = client.get(link).data.decode()
    assert re.search(r'<details class="decision-kind card" id="decide-change_target" open>', page)
    assert re.search(rf'<option selected value="{late.id}">|<option value="{late.id}" selected>', page)
    assert decide(client, org["meeting"], kind="change_target", key_result=late.id, new_target="35",
                  text="Promoters grow faster than planned").status_code == 302
    assert fresh(KeyResult, late.id).target == 35
    assert 'decide-change_target" open' not in client.get(f"/reviews/{org['meeting'].id}").data.decode()
    leader_page = login(org["owner"]).get(f"/key-results/{late.id}").data.decode()
    assert "Change this target in the next review" not in leader_page  # reviews decide; leaders propose
    ended = make_cycle("2026 Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30))
    old = make_key_result(make_objective(ended, by=org["ceo"]), unit=org["care"], by=org["ceo"])
    assert "Change this target in the next review" not in client.get(f"/key-results/{old.id}").data.decode()


def test_reprioritise_links_the_rank_changes_made_in_the_meeting(org, login):
    client = login(org["ceo"])
    assert decide(client, org["meeting"], kind="reprioritise", text="Retention first").status_code == 422
    client.post(f"/reviews/{org['meeting'].id}/rank", data={"objective": org["second"].id, "rank": 1})
    assert decide(client, org["meeting"], kind="reprioritise", text="Retention first").status_code == 302
    decision = db.session.scalar(select(ReviewDecision))
    moved = db.session.scalars(select(RankChange).where(RankChange.decision_id == decision.id)).all()
    assert len(moved) == 2
    assert "“Customers stay”: priority 2 → 1" in decision.change_list


def test_accepted_trade_off_returns_to_the_agenda_after_its_date(org, login, clock):
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="accept_tradeoff", items=item.id, re_review_on="2026-12-01",
           text="Growth first this quarter")
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.re_review_on) == ("accepted", date(2026, 12, 1))
    later = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()
    before = reviews.generate_agenda(later[1], persist=False)
    assert before["conflicts"] == []
    clock.now = clock.now.replace(month=12, day=2)
    after = reviews.generate_agenda(later[-1], persist=False)
    assert [(c["title"], c["flag"]) for c in after["conflicts"]] == [("Orders per sales rep ↑", "trade_off_due")]


def test_pilot_appears_on_agenda_and_dashboard_and_its_end_asks_for_an_outcome(org, login, clock):
    client = login(org["ceo"])
    response = decide(client, org["meeting"], kind="pilot", title="One contact person", units=org["care"].id,
                      key_results=org["kr"].id, hypothesis="One named contact lowers effort",
                      success_criterion="CSAT 80 for pilot customers", starts_on="2026-11-16", ends_on="2026-12-10",
                      text="Small step first")
    assert response.status_code == 302
    pilot = db.session.scalar(select(Pilot))
    assert [u.name for u in pilot.units] == ["Customer Care"] and pilot.status == "running"
    assert "One contact person" in client.get("/dashboard").data.decode()
    meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()
    agenda = reviews.generate_agenda(meetings[0], persist=False)
    assert [(p["title"], p["outcome_due"]) for p in agenda["pilots"]] == [("One contact person", False)]
    clock.now = clock.now.replace(month=12, day=12)
    last = reviews.generate_agenda(meetings[-1], persist=False)
    assert last["pilots"][0]["outcome_due"] is True
    assert decide(client, org["meeting"], kind="pilot_outcome", pilot=pilot.id, outcome="adopted",
                  text="It worked").status_code == 302
    assert fresh(Pilot, pilot.id).status == "adopted"


def test_a_proposal_accepted_in_review_changes_the_incentive_and_tells_the_proposer(org, login, smtp):
    leader = login(org["leader"])
    response = leader.post(f"/units/{org['sales'].id}/proposals", data={
        "incentive": org["bonuses"][0].id, "change": "weight", "new_weight": "0.25",
        "text": "Half the volume share; we share the CSAT result"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(IncentiveProposal))
    assert (proposal.change, proposal.new_weight) == ("weight", 0.25)
    jobs.tick()  # the scheduler delivers the queued mail
    [told_ceo] = [m for m in smtp.to("ceo@example.com") if m["Subject"] == "Proposal from Equipment Sales"]
    assert ("proposes: change the bonus share of “Orders per sales rep” to 25 % from 16 Nov 2026"
            in told_ceo.get_body(("plain",)).get_content())
    agenda = reviews.generate_agenda(org["meeting"], persist=False)
    assert [p["unit"] for p in agenda["proposals"]] == ["Equipment Sales"]
    ceo = login(org["ceo"])
    assert decide(ceo, org["meeting"], kind="proposal", proposal=proposal.id, accept="accept",
                  text="Agreed from today").status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).weight == 0.25
    assert fresh(IncentiveProposal, proposal.id).status == "accepted"
    jobs.tick()
    [told] = [m for m in smtp.to("mikko@example.com") if m["Subject"].startswith("Your proposal")]
    assert told["Subject"].startswith("Your proposal was accepted")
    assert "bonus share 50 % → 25 %" in told.get_body(("plain",)).get_content()


def test_an_action_mails_its_owner_and_overdue_actions_lead_the_agenda(org, login, smtp, clock):
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="action", owner=org["owner"].id, due_on="2026-11-20",
           text="Call the ten largest customers who left")
    jobs.tick()
    [mail] = smtp.to("laura@example.com")
    assert "Call the ten largest customers who left" in mail.get_body(("plain",)).get_content()
    clock.now = clock.now + timedelta(days=7)
    later = db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.starts_at > clock.now)
                               .order_by(ReviewMeeting.starts_at)).first()
    page = client.get(f"/reviews/{later.id}").data.decode()
    assert page.index("Overdue actions") < page.index("Priorities")


def test_only_executives_record_decisions(org, login):
    for user in (org["leader"], make_user("board"), make_user("admin")):
        response = decide(login(user), org["meeting"], kind="note", text="Hello")
        assert response.status_code == 403
    assert db.session.scalars(select(ReviewDecision)).all() == []


def test_a_guardrail_that_does_not_stop_the_harm_settles_nothing(org, login):
    """"Paid only while CSAT ≤ 10" does not stop a push that lowers CSAT."""
    decide(login(org["ceo"]), org["meeting"], kind="incentive", criterion="revenue:+", change="guardrail",
           guard_metric=metric("csat").id, guard_comparator="<=", guard_threshold="10", text="A wrong guard")
    refresh_items()
    [item] = db.session.scalars(select(ConflictItem)).all()
    assert item.present and item.settlement == "still_detected"


def test_a_criterion_change_leaves_retired_incentives_alone(org, login, clock):
    client = login(org["ceo"])
    client.post(f"/incentives/{org['bonuses'][1].id}/retire")
    retired_at = fresh(Incentive, org["bonuses"][1].id).retired_at
    clock.advance(days=2)
    decide(client, org["meeting"], kind="incentive", criterion="revenue:+", change="retire", text="All of them")
    assert fresh(Incentive, org["bonuses"][1].id).retired_at == retired_at
    assert db.session.scalar(select(ReviewDecision)).change_list == ["Orders per sales rep (Equipment Sales): retired"]
    assert decide(client, org["meeting"], kind="incentive", criterion="revenue:+", change="reinstate",
                  text="Back").status_code == 422  # reinstate one incentive at a time


def test_a_conflict_sent_to_a_review_that_closes_undecided_goes_to_the_next_one_only(org, login, clock):
    from okrapp.conflicts.operations import act_on_item
    [item] = db.session.scalars(select(ConflictItem)).all()
    meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()
    act_on_item(item, "review", org["ceo"], meeting=meetings[0])
    db.session.commit()
    clock.now = meetings[0].starts_at + timedelta(hours=1)
    login(org["ceo"]).post(f"/reviews/{meetings[0].id}/close")
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.review_meeting_id) == ("in_review", meetings[1].id)
    sent = [reviews.generate_agenda(fresh(ReviewMeeting, m.id), persist=False)["sent_to_review"] for m in meetings[1:4]]
    assert [len(s) for s in sent] == [1, 0, 0]


def test_unit_leaders_see_only_the_settled_conflicts_they_may_open(org, login):
    [item] = db.session.scalars(select(ConflictItem)).all()
    decide(login(org["ceo"]), org["meeting"], kind="resolve_conflict", items=item.id, text="Settled")
    outsider = make_user("unit_leader")
    make_unit("Elsewhere", leaders=[outsider])
    assert "Orders per sales rep ↑" not in login(outsider).get(f"/reviews/{org['meeting'].id}").data.decode()
    assert "Orders per sales rep ↑" in login(org["leader"]).get(f"/reviews/{org['meeting'].id}").data.decode()


def queries_for(client, url):
    from tests.dashboard.test_dashboard import counting_queries
    with counting_queries() as count:
        assert client.get(url).status_code == 200
    return count[0]


def test_review_and_conflict_pages_need_the_same_queries_with_more_decisions(org, login):
    client = login(org["ceo"])
    [item] = db.session.scalars(select(ConflictItem)).all()
    decide(client, org["meeting"], kind="action", owner=org["owner"].id, text="One")
    pages = [f"/reviews/{org['meeting'].id}", "/conflicts", f"/conflicts/{item.id}"]
    few = [queries_for(client, url) for url in pages]
    for i in range(6):
        decide(client, org["meeting"], kind="action", owner=org["leader"].id, text=f"More {i}")
    decide(client, org["meeting"], kind="resolve_conflict", items=item.id, text="Settled")
    assert [queries_for(client, url) for url in pages] == few


def test_an_edit_form_opened_before_a_decision_changed_the_incentive_is_refused(org, login):
    bonus = org["bonuses"][0]
    version_seen = fresh(Incentive, bonus.id).version
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="incentive", incentive=bonus.id, change="weight", new_weight="0.2",
           text="Smaller share")
    response = client.post(f"/incentives/{bonus.id}/edit", data={
        "unit": org["sales"].id, "name": "Orders per sales rep", "metric": metric("revenue").id,
        "direction": "increase", "weight": "0.5", "version": version_seen})
    assert response.status_code == 409
    assert fresh(Incentive, bonus.id).weight == 0.2
