"""Objectives, key results and check-ins through the real pages and database."""
from datetime import date

import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, Objective, RankChange

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def kr_form(kr=None, **overrides):
    data = {"title": "Delivery CSAT", "metric": metric("csat").id, "baseline": 70, "target": 85,
            "accountable_unit": kr.accountable_unit_id if kr else None, "weight": 1, "commitment": "committed"}
    if kr:
        data["version"] = kr.version
    data.update(overrides)
    return data


@pytest.fixture
def executive():
    return make_user("executive", name="Aino Virtanen")


def test_executive_creates_objective_and_key_result(login, executive):
    cycle, unit, partner = make_cycle(), make_unit("Delivery"), make_unit("Last Mile Oy", kind="partner")
    client = login(executive)
    response = client.post("/objectives/new", data={"cycle": cycle.id, "title": "One smooth delivery"})
    objective = db.session.scalar(select(Objective))
    assert response.location == f"/objectives/{objective.id}/key-results/new"
    assert objective.rank == 1
    response = client.post(f"/objectives/{objective.id}/key-results/new",
                           data=kr_form(accountable_unit=unit.id, contributors=[partner.id]))
    assert response.status_code == 302
    kr = db.session.scalar(select(KeyResult))
    assert (kr.baseline, kr.target, kr.current_value) == (70, 85, 70)
    assert [u.name for u in kr.units] == ["Delivery", "Last Mile Oy"]
    page = client.get(f"/objectives/{objective.id}").data.decode()
    assert "Delivery CSAT" in page and "Last Mile Oy" in page


@pytest.mark.parametrize("overrides, message", [
    ({"baseline": 70, "target": 70}, "The target must differ from the baseline."),
    ({"baseline": 70, "target": 120}, "Target 120 is above the metric&#39;s maximum 100"),
    ({"baseline": -5, "target": 50}, "Baseline -5 is below the metric&#39;s minimum 0"),
    ({"baseline": "", "target": 50}, "Enter a number."),
    ({"weight": 0}, "Use a weight between 0.01 and 100."),
    ({"title": ""}, "This field is required."),
])
def test_key_result_form_rejects_bad_input_and_saves_nothing(login, executive, overrides, message):
    objective, unit = make_objective(by=executive), make_unit()
    response = login(executive).post(f"/objectives/{objective.id}/key-results/new",
                                     data=kr_form(accountable_unit=unit.id, **overrides))
    assert response.status_code == 422
    assert message in response.data.decode()
    assert count(KeyResult) == 0


def test_milestone_runs_from_not_done_to_done(login, executive):
    objective, unit = make_objective(by=executive), make_unit()
    login(executive).post(f"/objectives/{objective.id}/key-results/new",
                          data=kr_form(metric=metric("milestone").id, baseline="", target="", accountable_unit=unit.id))
    kr = db.session.scalar(select(KeyResult))
    assert (kr.baseline, kr.target) == (0, 1)


def test_decreasing_metric_follows_from_baseline_and_target(login, executive):
    unit = make_unit(leaders=[leader := make_user("unit_leader")])
    kr = make_key_result(unit=unit, metric_key="churn_rate", baseline=9, target=6, by=executive)
    login(leader).post(f"/key-results/{kr.id}/check-in", data={"value": 7.5, "confidence": 7, "version": kr.version})
    page = login(executive).get(f"/objectives/{kr.objective_id}").data.decode()
    assert "50 %" in page  # half way from 9 % down to 6 %


def test_check_in_appends_history_and_sets_current_value(login, clock):
    leader = make_user("unit_leader", name="Mikko Korhonen")
    kr = make_key_result(unit=make_unit(leaders=[leader]))
    client = login(leader)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": 74, "confidence": 8, "comment": "First",
                                                        "version": kr.version})
    clock.advance(days=7)
    db.session.refresh(kr)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": 72, "confidence": 5, "comment": "Dip",
                                                        "version": kr.version})
    db.session.expire_all()
    kr = db.session.get(KeyResult, kr.id)
    assert kr.current_value == 72 and kr.current_confidence == 5
    assert [(c.value, c.comment, c.author.name) for c in kr.check_ins] == [(72, "Dip", "Mikko Korhonen"),
                                                                           (74, "First", "Mikko Korhonen")]
    assert kr.last_check_in_at == clock.now


@pytest.mark.parametrize("data, message", [
    ({"value": 101, "confidence": 5}, "Value 101 is above the metric&#39;s maximum 100"),
    ({"value": 50, "confidence": 11}, "Confidence must be between 0 and 10."),
    ({"value": 50, "confidence": -1}, "Confidence must be between 0 and 10."),
    ({"value": "", "confidence": 5}, "Enter the measured value."),
    ({"value": "lots", "confidence": 5}, "is not a number"),
])
def test_check_in_rejects_bad_input_and_keeps_what_was_saved(login, data, message):
    leader = make_user("unit_leader")
    kr = make_key_result(unit=make_unit(leaders=[leader]))
    response = login(leader).post(f"/key-results/{kr.id}/check-in", data={**data, "version": kr.version})
    assert response.status_code == 422
    assert message in response.data.decode()
    assert count(CheckIn) == 0
    db.session.refresh(kr)
    assert kr.current_value == 70


def test_milestone_check_in_is_done_or_not_done(login):
    leader = make_user("unit_leader")
    kr = make_key_result(unit=make_unit(leaders=[leader]), metric_key="milestone", baseline=0, target=1)
    response = login(leader).post(f"/key-results/{kr.id}/check-in", data={"value": 0.5, "confidence": 5})
    assert "a milestone is either done (1) or not done (0)" in response.data.decode()


def test_leader_of_another_unit_cannot_check_in(login):
    mine, theirs = make_user("unit_leader"), make_user("unit_leader")
    make_unit(leaders=[mine])
    kr = make_key_result(unit=make_unit(leaders=[theirs]))
    response = login(mine).post(f"/key-results/{kr.id}/check-in", data={"value": 75, "confidence": 5})
    assert response.status_code == 403
    assert count(CheckIn) == 0


def test_contributing_unit_leader_may_check_in(login):
    leader = make_user("unit_leader")
    kr = make_key_result(contributors=[make_unit(leaders=[leader])])
    response = login(leader).post(f"/key-results/{kr.id}/check-in", data={"value": 75, "confidence": 5})
    assert response.status_code == 302 and count(CheckIn) == 1


def test_second_editor_of_a_key_result_is_told_who_changed_it(login, executive):
    other = make_user("executive", name="Juha Heikkinen")
    kr = make_key_result(by=executive)
    stale_version = kr.version
    first = login(other).post(f"/key-results/{kr.id}/edit", data=kr_form(kr, target=90))
    assert first.status_code == 302
    second = login(executive).post(f"/key-results/{kr.id}/edit", data=kr_form(kr, target=95, version=stale_version))
    assert second.status_code == 409
    assert "was changed by Juha Heikkinen meanwhile" in second.data.decode()
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).target == 90


def test_check_in_on_a_key_result_changed_meanwhile_is_refused(login):
    first, second = make_user("unit_leader", name="Laura Mäkinen"), make_user("unit_leader")
    kr = make_key_result(unit=make_unit(leaders=[first, second]))
    version = kr.version
    login(first).post(f"/key-results/{kr.id}/check-in", data={"value": 75, "confidence": 5, "version": version})
    response = login(second).post(f"/key-results/{kr.id}/check-in", data={"value": 71, "confidence": 5,
                                                                          "version": version})
    assert response.status_code == 409
    assert "changed by Laura Mäkinen meanwhile" in response.data.decode()
    assert count(CheckIn) == 1


def test_version_column_catches_a_save_that_raced_past_the_form_check(executive):
    """Two sessions load the same row; the second flush fails on the version column."""
    from okrapp.core.errors import StaleEdit
    from okrapp.okrs.operations import record_check_in
    kr = make_key_result(by=executive)
    other_session = db.session.session_factory()
    try:
        other_kr = other_session.get(KeyResult, kr.id)
        other_kr.target = 99
        other_session.commit()
    finally:
        other_session.close()
    with pytest.raises(StaleEdit, match="meanwhile"):
        record_check_in(kr, 75, 5, "", executive, expected_version=None)


def test_ranks_change_and_history_keeps_who_and_when(login, executive, clock):
    cycle = make_cycle()
    first, second, third = (make_objective(cycle, title=t, by=executive) for t in ("A", "B", "C"))
    response = login(executive).post(f"/objectives/{third.id}/rank", data={"rank": 1, "reason": "Churn spike"})
    assert response.status_code == 302
    db.session.expire_all()
    ranks = {o.title: o.rank for o in db.session.scalars(select(Objective))}
    assert ranks == {"C": 1, "A": 2, "B": 3}
    moved = db.session.scalars(select(RankChange).where(RankChange.reason == "Churn spike")).all()
    assert sorted((c.objective.title, c.old_rank, c.new_rank) for c in moved) == [("A", 1, 2), ("B", 2, 3), ("C", 3, 1)]
    assert all(c.changed_by_id == executive.id and c.changed_at == clock.now for c in moved)
    page = login(executive).get(f"/objectives/{third.id}").data.decode()
    assert "3 → 1" in page and "Churn spike" in page


def test_objectives_page_lists_in_priority_order_with_scores(login, executive):
    cycle = make_cycle()
    make_objective(cycle, title="Second priority", by=executive)
    high = make_objective(cycle, title="First priority", by=executive)
    make_key_result(high, baseline=0, target=100, by=executive)
    login(executive).post(f"/objectives/{high.id}/rank", data={"rank": 1})
    page = login(make_user("board")).get("/objectives").data.decode()
    assert page.index("First priority") < page.index("Second priority")
    assert "Off track" in page  # 0 % at half time


def test_carry_forward_uses_last_values_as_baselines_and_leaves_reached_results(login, executive):
    leader = make_user("unit_leader")
    unit = make_unit(leaders=[leader])
    q4 = make_cycle("2026 Q4")
    q1 = make_cycle("2027 Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    objective = make_objective(q4, by=executive)
    moving = make_key_result(objective, unit=unit, baseline=70, target=85, by=executive)
    reached = make_key_result(objective, unit=unit, metric_key="churn_rate", baseline=9, target=6, by=executive)
    client = login(leader)
    client.post(f"/key-results/{moving.id}/check-in", data={"value": 78, "confidence": 6})
    client.post(f"/key-results/{reached.id}/check-in", data={"value": 5.5, "confidence": 9})
    response = login(executive).post(f"/objectives/{objective.id}/carry", data={"cycle": q1.id})
    copy = db.session.scalar(select(Objective).where(Objective.cycle_id == q1.id))
    assert response.location == f"/objectives/{copy.id}"
    assert copy.carried_from_id == objective.id
    assert [(k.title, k.baseline, k.target, k.current_value) for k in copy.key_results] == [(moving.title, 78, 85, 78)]
    again = login(executive).post(f"/objectives/{objective.id}/carry", data={"cycle": q1.id}, follow_redirects=True)
    assert "already carried into 2027 Q1" in again.data.decode()
    assert count(Objective) == 2


def test_unit_leader_sees_own_key_results_stale_first(login, clock):
    leader = make_user("unit_leader")
    unit = make_unit(leaders=[leader])
    cycle = make_cycle()
    fresh = make_key_result(make_objective(cycle), unit=unit)
    stale = make_key_result(make_objective(cycle), contributors=[unit])
    make_key_result(make_objective(cycle))  # not ours
    login(leader).post(f"/key-results/{fresh.id}/check-in", data={"value": 75, "confidence": 5})
    page = login(leader).get("/my/key-results").data.decode()
    assert page.count('class="card kr"') == 2
    assert page.index(f'id="kr-{stale.id}"') < page.index(f'id="kr-{fresh.id}"')
    assert f'href="/key-results/{fresh.id}#history">History and corrections' in page  # where a check-in is corrected
    history = login(leader).get(f"/key-results/{fresh.id}").data.decode()
    assert 'id="history"' in history and "/correct" in history


def test_custom_metric_with_range_is_enforced(login, executive):
    client = login(executive)
    response = client.post("/metrics/new", data={"name": "On-time delivery", "unit": "%", "min_value": 0,
                                                 "max_value": 100})
    assert response.status_code == 302
    duplicate = client.post("/metrics/new", data={"name": "on-time delivery"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.data.decode()
    reversed_ = client.post("/metrics/new", data={"name": "Backwards", "min_value": 5, "max_value": 1})
    assert "The minimum must be below the maximum." in reversed_.data.decode()
