"""The dashboard pages: what they show, and a fixed number of queries whatever the size."""
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from okrapp.domain.forecast import forecast_value, linear_forecast
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult, Objective, ObjectiveWeek
from okrapp.admin.models import Unit
from okrapp.reviews import operations as reviews
from okrapp.incentives.operations import save_incentive
from okrapp.conflicts.operations import refresh_items
from okrapp.demo.synthetic import build_company

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@contextmanager
def counting_queries():
    count = [0]

    def before(*args, **kwargs):
        count[0] += 1
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def page_urls():
    unit = db.session.scalar(select(Unit).order_by(Unit.id))
    objective = db.session.scalar(select(Objective).order_by(Objective.rank))
    kr = db.session.scalar(select(KeyResult).order_by(KeyResult.id))
    return {"executive_home": "/dashboard", "objective": f"/objectives/{objective.id}", "key_result": f"/key-results/{kr.id}",
            "unit": f"/units/{unit.id}", "objectives": "/objectives", "conflicts": "/conflicts", "board_home": "/board"}


def query_counts(client):
    counts = {}
    for name, url in page_urls().items():
        with counting_queries() as count:
            response = client.get(url)
        assert response.status_code == 200, (name, url)
        counts[name] = count[0]
    return counts


def test_dashboard_pages_need_the_same_queries_at_ten_times_the_size(login):
    executive = make_user("executive")
    leader = make_user("unit_leader")
    cycle = make_cycle("2026 Q4")
    build_company(cycle, units=4, objectives=3, krs_per_objective=2, check_ins_per_kr=3, conflict_items=3, seed=1)
    first = db.session.scalar(select(Unit).order_by(Unit.id))
    first.leaders.append(leader)
    db.session.commit()
    client, leader_client = login(executive), login(leader)
    small = query_counts(client)
    with counting_queries() as count:
        leader_client.get("/my/key-results")
    small["unit_leader_home"] = count[0]
    build_company(cycle, units=40, objectives=30, krs_per_objective=4, check_ins_per_kr=30, conflict_items=30, seed=2,
                  unit_prefix="Big unit")
    big_unit = db.session.scalar(select(Unit).where(Unit.name == "Big unit 0000"))
    big_unit.leaders.append(leader)
    db.session.commit()
    large = query_counts(client)
    with counting_queries() as count:
        leader_client.get("/my/key-results")
    large["unit_leader_home"] = count[0]
    assert large == small


@pytest.fixture
def org():
    ceo = make_user("executive", name="Aino Virtanen")
    leader = make_user("unit_leader", name="Laura Mäkinen")
    delivery = make_unit("Delivery", leaders=[leader])
    partner = make_unit("Last Mile Oy", kind="partner")
    sales = make_unit("Sales")
    cycle = make_cycle("2026 Q4")
    smooth = make_objective(cycle, title="One smooth delivery", by=ceo)
    stay = make_objective(cycle, title="Customers stay", by=ceo)
    on_time = make_key_result(smooth, unit=partner, contributors=[delivery], metric_key="csat", baseline=80,
                              target=95, by=ceo)
    churn = make_key_result(stay, unit=sales, metric_key="churn_rate", baseline=9, target=6, by=ceo)
    return dict(ceo=ceo, leader=leader, delivery=delivery, partner=partner, sales=sales, cycle=cycle, smooth=smooth,
                stay=stay, on_time=on_time, churn=churn)


def check_in(client, kr, value, confidence=7, comment=""):
    response = client.post(f"/key-results/{kr.id}/check-in", data={"value": value, "confidence": confidence,
                                                                   "comment": comment})
    assert response.status_code == 302


def test_each_role_lands_on_its_home(org, login):
    assert login(org["ceo"]).get("/").location == "/dashboard"
    assert login(org["leader"]).get("/").location == "/my/key-results"
    assert login(make_user("board")).get("/").location == "/board"
    assert login(make_user("admin")).get("/").location == "/dashboard"
    assert login(org["leader"]).get("/dashboard").status_code == 403


def test_check_in_moves_the_executive_dashboard(org, login, clock):
    ceo, leader = login(org["ceo"]), login(org["leader"])
    before = ceo.get("/dashboard").data.decode()
    assert "Off track" in before
    check_in(leader, org["on_time"], 84)
    clock.advance(days=7)
    check_in(leader, org["on_time"], 93, comment="Two extra trucks")
    page = ceo.get("/dashboard").data.decode()
    assert "87 %" in page  # (93 - 80) / (95 - 80)
    objective = db.session.get(Objective, org["smooth"].id)
    db.session.refresh(objective)
    assert objective.score == pytest.approx(13 / 15)
    weeks = db.session.scalars(select(ObjectiveWeek).where(ObjectiveWeek.objective_id == objective.id)
                               .order_by(ObjectiveWeek.week_start)).all()
    assert [w.week_start for w in weeks] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert weeks[-1].score == pytest.approx(13 / 15)


def test_cross_section_shows_each_units_share(org, login):
    page = login(org["ceo"]).get("/dashboard").data.decode()
    matrix = page[page.index('class="matrix"'):page.index("</table>", page.index('class="matrix"'))]
    assert "Last Mile Oy" in matrix and "partner" in matrix
    assert matrix.count("<span class=\"sr\">Last Mile Oy, accountable to One smooth delivery") == 1
    assert matrix.count("<span class=\"sr\">Delivery, contributes to One smooth delivery") == 1
    assert matrix.count("<span class=\"sr\">Sales, accountable to Customers stay: off track") == 1


def test_at_risk_lists_forecast_from_the_check_in_trend(org, login, clock):
    leader = login(org["leader"])
    clock.now = datetime(2026, 10, 5, 8)
    check_in(leader, org["on_time"], 80.5)
    clock.now = datetime(2026, 11, 16, 8)
    check_in(leader, org["on_time"], 83)
    db.session.expire_all()
    kr = db.session.get(KeyResult, org["on_time"].id)
    assert 84 < kr.forecast < 87  # 2.5 points in six weeks: about 5.4 more by the end of December
    page = login(org["ceo"]).get("/dashboard").data.decode()
    at_risk = page[page.index("Key results at risk"):page.index("Open conflicts</h2>")]
    assert kr.title in at_risk and "vs target 95" in at_risk


def test_unit_page_shows_shared_results_incentives_and_conflicts(org, login):
    save_incentive(None, unit=org["delivery"], name="Cheap installs", metric=metric("csat"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=org["ceo"])
    db.session.commit()
    refresh_items()
    db.session.commit()
    page = login(org["ceo"]).get(f"/units/{org['delivery'].id}").data.decode()
    assert org["on_time"].title in page.split("Contributes to")[1]
    assert "Cheap installs ↓" in page.split("Open conflicts involving")[1]
    other_leader = make_user("unit_leader")
    make_unit("Elsewhere", leaders=[other_leader])
    hidden = login(other_leader).get(f"/units/{org['delivery'].id}").data.decode()
    assert "Cheap installs" not in hidden and "↔" not in hidden


def test_key_result_page_draws_history_with_target_and_forecast(org, login, clock):
    leader = login(org["leader"])
    check_in(leader, org["on_time"], 82, comment="First week")
    clock.advance(days=7)
    check_in(leader, org["on_time"], 85, confidence=4, comment="Partner short of trucks")
    page = login(make_user("board")).get(f"/key-results/{org['on_time'].id}").data.decode()
    assert "<svg" in page and "target 95" in page and "Forecast" in page
    assert "confidence 4/10" in page and "Partner short of trucks" in page
    assert "Check in</button>" not in page


def test_linear_forecast():
    assert linear_forecast([(0, 10), (10, 20)], 20) == pytest.approx(30)
    assert linear_forecast([(5, 10)], 20) is None
    assert linear_forecast([(5, 10), (5, 12)], 20) is None
    history = [(datetime(2026, 10, 1), 50.0), (datetime(2026, 11, 15), 95.0)]
    assert forecast_value(history, date(2026, 10, 1), date(2026, 12, 31), 0, 100) == 100


def test_next_review_and_agenda_draft_on_the_dashboard(org, login, clock):
    reviews.save_schedule(None, name="Review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=org["ceo"],
                          participants=[org["ceo"]], anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    meeting = reviews.upcoming()[0]
    reviews.generate_agenda(meeting)
    db.session.commit()
    page = login(org["ceo"]).get("/dashboard").data.decode()
    assert "Thu 19 Nov, 09:00" in page and "Agenda draft of 16 Nov 2026" in page


def test_long_lists_come_a_page_at_a_time(login):
    executive = make_user("executive")
    cycle = make_cycle("2026 Q4")
    build_company(cycle, units=5, objectives=30, krs_per_objective=1, check_ins_per_kr=2, conflict_items=35, seed=3)
    db.session.commit()
    client = login(executive)
    first = client.get("/objectives").data.decode()
    assert "Customer objective 0000" in first and "Customer objective 0025" not in first
    assert "Page 1 of 2 (30)" in first
    second = client.get("/objectives?page=2").data.decode()
    assert "Customer objective 0025" in second and "Customer objective 0000" not in second
    assert client.get("/objectives?page=99").status_code == 200  # clamped to the last page
    conflicts = client.get("/conflicts?level=all").data.decode()
    assert conflicts.count('class="card conflict-item') == 30 and "Page 1 of 2 (35)" in conflicts


def test_the_history_chart_writes_values_as_the_page_does():
    from okrapp.dashboard.svg import history_chart
    from okrapp.core.formatting import number
    at = datetime(2026, 10, 12, 8, 0)
    chart = str(history_chart([(at, 3.14159, 7)], starts_on=at.date(), ends_on=at.date() + timedelta(days=80),
                              baseline=1234.5, target=2.5, forecast=None))
    assert f"{number(3.14159)}, confidence 7/10" in chart  # 3.14, as in the check-in table
    assert f"from {number(1234.5)} towards 2.5" in chart


def test_the_history_chart_dates_a_moment_on_the_organisations_day():
    """A check-in at 23:30 UTC on 2 December is one of 3 December in Helsinki: the chart's point and
    its tooltip say so, like the check-in table beside it ("3 Dec 2026, 01:30")."""
    from okrapp.dashboard.svg import history_chart
    at = datetime(2026, 12, 2, 23, 30)
    chart = str(history_chart([(at, 5, 7)], starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
                              baseline=1, target=9, forecast=None, target_changes=[(at, 8, 9)]))
    assert "<title>3 Dec 2026: 5, confidence 7/10</title>" in chart
    assert "Target 8 until 3 Dec 2026, then 9" in chart
    assert ">1 Oct</text>" in chart and ">31 Dec</text>" in chart
