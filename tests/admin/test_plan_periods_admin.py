"""Admins name and date plan periods on /admin/periods: periods migrated without dates wait there for
theirs, and new dates are refused when they would break a unit's bonus plan."""
from datetime import date

import pytest
from sqlalchemy import func, select

from okrapp.conflicts.models import ConflictScanState
from okrapp.core.extensions import db
from okrapp.incentives import operations as incentives
from okrapp.incentives.models import Incentive, PlanPeriod

from tests.factories import make_unit, make_user, metric

BANNER = "incentives count as running always until dated"


@pytest.fixture
def admin(login):
    return login(make_user("admin"))


@pytest.fixture
def executive():
    return make_user("executive")


def period(name, starts_on=None, ends_on=None):
    made = PlanPeriod(name=name, starts_on=starts_on, ends_on=ends_on)
    db.session.add(made)
    db.session.commit()
    return made


def incentive(unit, by, weight, period_name, key="csat", name=None):
    saved = incentives.save_incentive(None, unit=unit, name=name or f"{key} {period_name}", metric=metric(key),
                                      direction="increase", weight=weight, target=None, period=period_name, note="",
                                      by=by)
    db.session.commit()
    return saved


def edit(client, record, **values):
    data = {"name": record.name, "starts_on": str(record.starts_on or ""), "ends_on": str(record.ends_on or ""),
            "version": record.version, **values}
    return client.post(f"/admin/periods/{record.id}/edit", data=data)


def reloaded(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def test_an_undated_period_is_listed_first_with_the_banner(admin, executive):
    period("2026", date(2026, 1, 1), date(2026, 12, 31))
    october = period("October")
    incentive(make_unit("Sales"), executive, 0.3, "October")
    page = admin.get("/admin/periods")
    assert page.status_code == 200
    text = page.data.decode()
    assert BANNER in text and "needs dates" in text
    assert text.index("October") < text.index("1 Jan 2026")
    assert f"/admin/periods/{october.id}/edit" in text
    assert "Plan periods</a>" in text  # in the navigation


def test_the_admin_dates_it_and_the_banner_goes(admin, executive):
    october = period("October")
    incentive(make_unit("Sales"), executive, 0.3, "October")
    requests = db.session.scalar(select(ConflictScanState.requests)) or 0
    response = edit(admin, october, starts_on="2026-10-01", ends_on="2026-10-31")
    assert response.status_code == 302, response.data.decode()
    kept = reloaded(october)
    assert (kept.starts_on, kept.ends_on, kept.version) == (date(2026, 10, 1), date(2026, 10, 31), 2)
    assert db.session.scalar(select(ConflictScanState.requests)) == requests + 1  # in force changed
    text = admin.get("/admin/periods").data.decode()
    assert BANNER not in text and "1 Oct 2026" in text and "31 Oct 2026" in text


def test_an_end_before_the_start_is_refused(admin):
    october = period("October")
    response = edit(admin, october, starts_on="2026-10-31", ends_on="2026-10-01")
    assert response.status_code == 422
    assert "The period must end on or after its start." in response.data.decode()
    assert not reloaded(october).dated


def test_both_dates_are_required_and_within_the_years_we_plan(admin):
    october = period("October")
    assert edit(admin, october, starts_on="2026-10-01", ends_on="").status_code == 422
    far = edit(admin, october, starts_on="1999-10-01", ends_on="2026-10-31")
    assert far.status_code == 422 and "2000" in far.data.decode()
    assert not reloaded(october).dated


def test_a_duplicate_name_in_another_case_is_refused(admin):
    period("FY26 sales push", date(2026, 3, 1), date(2026, 5, 31))
    response = admin.post("/admin/periods/new", data={"name": "fy26 SALES push", "starts_on": "2026-06-01",
                                                      "ends_on": "2026-08-31"})
    assert response.status_code == 422
    assert "A period named fy26 SALES push already exists." in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(PlanPeriod)) == 1


def test_a_new_period_is_created(admin):
    response = admin.post("/admin/periods/new", data={"name": "Winter campaign", "starts_on": "2026-12-01",
                                                      "ends_on": "2027-02-28"})
    assert response.status_code == 302
    made = db.session.scalar(select(PlanPeriod))
    assert (made.name, made.starts_on, made.ends_on) == ("Winter campaign", date(2026, 12, 1), date(2027, 2, 28))


def test_a_year_name_must_keep_the_years_dates(admin):
    response = admin.post("/admin/periods/new", data={"name": "2028", "starts_on": "2028-03-01",
                                                      "ends_on": "2028-12-31"})
    assert response.status_code == 422 and "stands for 1 Jan 2028 – 31 Dec 2028" in response.data.decode()


def test_dates_that_overlap_another_period_past_100_percent_are_refused_naming_the_unit(admin, executive):
    delivery = make_unit("Installation & Delivery")
    push = period("Spring push", date(2026, 3, 1), date(2026, 5, 31))
    incentive(delivery, executive, 0.5, "Spring push", key="nps")
    incentive(delivery, executive, 0.6, "2027", key="csat")
    before = reloaded(push)
    response = edit(admin, before, starts_on="2027-03-01", ends_on="2027-05-31")
    assert response.status_code == 422
    text = response.data.decode()
    assert "Installation &amp; Delivery: bonus shares add up to 110 % from 1 Mar 2027 to 31 May 2027" in text
    kept = reloaded(push)
    assert (kept.starts_on, kept.ends_on, kept.version) == (date(2026, 3, 1), date(2026, 5, 31), before.version)


def test_dates_that_reward_a_metric_twice_are_refused(admin, executive):
    delivery = make_unit("Delivery")
    push = period("Spring push", date(2026, 3, 1), date(2026, 5, 31))
    incentive(delivery, executive, 0.2, "Spring push", key="csat", name="CSAT push")
    incentive(delivery, executive, 0.3, "2027", key="csat", name="CSAT 2027")
    response = edit(admin, reloaded(push), starts_on="2027-03-01", ends_on="2027-05-31")
    assert response.status_code == 422 and "rewarded twice" in response.data.decode()
    assert reloaded(push).starts_on == date(2026, 3, 1)


def test_a_stale_version_is_refused(admin):
    october = period("October")
    response = edit(admin, october, version=0, starts_on="2026-10-01", ends_on="2026-10-31")
    assert response.status_code == 409
    assert "meanwhile" in response.data.decode()
    assert not reloaded(october).dated


def test_a_unit_leader_may_not_edit_or_list_periods(login):
    october = period("October")
    leader = login(make_user("unit_leader", units=[make_unit("Sales")]))
    assert leader.get(f"/admin/periods/{october.id}/edit").status_code == 403
    assert edit(leader, october, starts_on="2026-10-01", ends_on="2026-10-31").status_code == 403
    assert leader.get("/admin/periods").status_code == 403
    assert not reloaded(october).dated


def test_an_executive_sees_the_periods_but_edits_none(login):
    october = period("October")
    client = login(make_user("executive"))
    page = client.get("/admin/periods").data.decode()
    assert "October" in page and f"/admin/periods/{october.id}/edit" not in page
    assert client.get(f"/admin/periods/{october.id}/edit").status_code == 403


def test_renaming_renames_the_period_on_its_incentives(admin, executive):
    october = period("October")
    sales = make_unit("Sales")
    first = incentive(sales, executive, 0.3, "October", key="csat")
    second = incentive(sales, executive, 0.2, "October", key="nps")
    response = edit(admin, october, name="October 2026", starts_on="2026-10-01", ends_on="2026-10-31")
    assert response.status_code == 302, response.data.decode()
    db.session.expire_all()
    assert {db.session.get(Incentive, i.id).period for i in (first, second)} == {"October 2026"}


def test_the_cli_lists_the_periods(runner, executive):
    period("October")
    period("2027", date(2027, 1, 1), date(2027, 12, 31))
    incentive(make_unit("Sales"), executive, 0.3, "October")
    result = runner.invoke(args=["periods"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("October") and "undated" in lines[0] and "1 incentive" in lines[0]
    assert lines[1].startswith("2027") and "1 Jan 2027 – 31 Dec 2027" in lines[1] and "0 incentives" in lines[1]
    assert "1 period needs dates" in result.output


def test_dating_a_period_ahead_makes_its_incentives_a_plan_to_decide():
    from okrapp.admin.periods import save_period
    from okrapp.incentives import operations as incentives
    from okrapp.incentives.models import PlanPeriod
    from tests.factories import make_unit, make_user, metric
    executive = make_user("executive")
    db.session.add(PlanPeriod(name="Spring push"))
    db.session.flush()
    row = incentives.save_incentive(None, unit=make_unit("Sales"), name="Spring volume", metric=metric("revenue"),
                                    direction="increase", weight=0.3, target=None, period="Spring push", note="",
                                    by=executive)
    assert row.plan is None  # undated: in force as before
    save_period(row.plan_period, "Spring push", date(2027, 3, 1), date(2027, 5, 31), executive)
    assert row.plan is not None and row.plan.status == "draft"
