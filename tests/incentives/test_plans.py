"""Plans for a coming period: rows for a period not yet started form a draft that pays nothing and
counts in no conflict of today; its conflicts are listed as coming with that period; a review
approves (whole or without rows) or rejects it; the daily job puts an approved plan in effect once."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import act_on_item, base_key, refresh_items
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.incentives import operations as incentives
from okrapp.incentives import plans
from okrapp.incentives.models import BonusPlan, Incentive
from okrapp.reviews import operations as reviews

from tests.factories import make_key_result, make_unit, make_user, metric


@pytest.fixture
def world():
    executive = make_user("executive")
    delivery = make_unit("Installation & Delivery")
    make_key_result(unit=make_unit("Nordic Last Mile Oy"), metric_key="csat", baseline=70, target=85, by=executive)
    reviews.save_schedule(None, name="Review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                          chair=executive, participants=[executive], anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    db.session.commit()
    return {"executive": executive, "delivery": delivery}


def save(world, name, key, direction, weight, period, incentive=None):
    saved = incentives.save_incentive(incentive, unit=world["delivery"], name=name, metric=metric(key),
                                      direction=direction, weight=weight, target=None, period=period, note="",
                                      by=world["executive"])
    db.session.commit()
    return saved


def scan():
    refresh_items()
    db.session.commit()
    return {(base_key(i.key), i.horizon.name if i.horizon else None) for i in db.session.scalars(
        select(ConflictItem).where(ConflictItem.present.is_(True)))}


def decide(world, plan, verdict, remove=()):
    """Sent to the next review (a draft is not decided) and decided there."""
    if plan.status == "draft":
        plans.send_to_review(plan, world["executive"])
    meeting = reviews.upcoming(1)[0]
    decision = reviews.add_decision(meeting, kind="plan", text="Decided.", by=world["executive"], plan=plan,
                                    verdict=verdict, remove_rows=[r.id for r in remove])
    db.session.commit()
    return decision


def test_a_row_for_a_coming_period_is_a_draft_that_pays_nothing_today(world):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    assert row.plan.status == "draft" and row.plan.period.name == "2027"
    assert save(world, "Today's volume", "revenue", "increase", 0.5, "2026").plan is None
    assert scan() == {("criterion:csat:-", "2027")}  # coming with 2027, not one of today's


def test_the_conflicts_page_lists_what_a_plan_would_bring_apart(world, login):
    save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    scan()
    page = login(world["executive"]).get("/conflicts").get_data(as_text=True)
    assert "Coming with 2027" in page
    assert page.index("Coming with 2027") > page.index("No conflict items match")  # today's list is empty


def test_changing_a_row_of_a_plan_that_was_sent_or_approved_makes_it_a_draft_again(world):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    plans.send_to_review(row.plan, world["executive"])
    assert row.plan.status == "in_review"
    save(world, "Cheaper satisfaction", "csat", "decrease", 0.5, "2027", incentive=row)
    assert row.plan.status == "draft" and row.plan.review_meeting is None
    other = save(world, "Volume", "revenue", "increase", 0.3, "2027")
    decide(world, other.plan, "approve")
    assert other.plan.status == "approved"
    incentives.retire_incentive(other, world["executive"])
    assert other.plan.status == "draft"


def test_a_plan_goes_to_the_next_review_only_while_it_is_to_come(world, clock):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    decide(world, row.plan, "approve")
    with pytest.raises(ServiceError, match="only a draft goes to a review"):
        plans.send_to_review(row.plan, world["executive"])
    late = save(world, "Late", "revenue", "increase", 0.3, "2027 H2")
    clock.now = datetime(2027, 7, 2, 9, 0)
    with pytest.raises(ServiceError, match="2027 H2 has started"):
        plans.send_to_review(late.plan, world["executive"])


@pytest.mark.parametrize("verdict, remove, message", [
    ("approve_changed", "none", "Tick the rows taken out"),
    ("approve_changed", "all", "reject the plan instead"),
    ("approve", "foreign", "Tick rows of the plan being decided only"),
    ("maybe", "none", "Approve the plan, approve it with rows taken out, or reject it"),
])
def test_a_plan_decision_says_what_is_wrong_and_changes_nothing(world, verdict, remove, message):
    first = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    second = save(world, "Volume", "revenue", "increase", 0.4, "2027")
    foreign = incentives.save_incentive(None, unit=make_unit("Sales"), name="Sales volume", metric=metric("nps"),
                                        direction="increase", weight=0.4, target=None, period="2027", note="",
                                        by=world["executive"])
    db.session.commit()
    rows = {"none": [], "all": [first, second], "foreign": [foreign]}[remove]
    with pytest.raises(ServiceError, match=message):
        decide(world, first.plan, verdict, rows)
    db.session.rollback()
    assert first.plan.status == "in_review" and first.active and second.active  # sent, not decided


def test_approved_without_a_row_the_plan_is_scheduled_and_the_row_pays_nothing(world):
    first = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    second = save(world, "Volume", "revenue", "increase", 0.4, "2027")
    decision = decide(world, first.plan, "approve_changed", [first])
    assert first.plan.status == "approved" and first.plan.decision == decision
    assert decision.effective_on == date(2027, 1, 1)
    assert not first.active and second.active
    assert decision.change_list[0] == ("Plan of Installation & Delivery for 2027 approved with 1 row: "
                                       "takes effect 1 Jan 2027")
    assert scan() == set()  # the row that brought the conflict is out
    with pytest.raises(ServiceError, match="not open for a decision"):
        decide(world, first.plan, "reject")


def test_a_rejected_plan_pays_nothing_and_new_rows_make_it_a_draft(world):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    decide(world, row.plan, "reject")
    assert row.plan.status == "rejected" and not row.active
    assert scan() == set()
    again = save(world, "Volume", "revenue", "increase", 0.4, "2027")
    assert again.plan is row.plan and row.plan.status == "draft"


def test_the_daily_job_puts_an_approved_plan_in_effect_once_on_its_first_day(world, clock):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    scan()
    coming = db.session.scalar(select(ConflictItem).where(ConflictItem.horizon_id.is_not(None)))
    act_on_item(coming, "review", world["executive"])
    db.session.commit()
    decide(world, row.plan, "approve")
    clock.now = datetime(2026, 12, 31, 21, 59)  # 23:59 in Helsinki
    assert plans.apply_due_plans() == 0
    clock.now = datetime(2026, 12, 31, 22, 0)  # midnight in Helsinki
    assert plans.apply_due_plans() == 1
    assert plans.apply_due_plans() == 0
    db.session.commit()
    assert db.session.get(BonusPlan, row.plan_id).status == "in_effect"
    assert scan() == {("criterion:csat:-", None)}
    today = db.session.scalar(select(ConflictItem).where(ConflictItem.key == "criterion:csat:-"))
    assert today.id == coming.id and today.status == "in_review"  # the same item, with its history
    assert db.session.get(Incentive, row.id).active


def test_a_plan_changed_after_it_was_sent_is_not_decided_as_it_now_stands(world):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    plans.send_to_review(row.plan, world["executive"])
    db.session.commit()
    save(world, "Added later", "revenue", "increase", 0.4, "2027")
    with pytest.raises(ServiceError, match="its rows changed since it was sent"):
        reviews.add_decision(reviews.upcoming(1)[0], kind="plan", text="Go.", by=world["executive"], plan=row.plan,
                             verdict="approve", remove_rows=[])


def test_the_cli_lists_plans_with_their_state(world, runner):
    row = save(world, "Cheaper satisfaction", "csat", "decrease", 0.6, "2027")
    decide(world, row.plan, "approve")
    out = runner.invoke(args=["plans"]).output
    assert "Installation & Delivery" in out and "Approved, scheduled" in out and "takes effect 1 Jan 2027" in out


def test_the_cli_import_checks_the_sheets_period_and_prints_its_what_if(world, runner, tmp_path):
    incentives.save_incentive(None, unit=world["delivery"], name="This year", metric=metric("revenue"),
                              direction="increase", weight=1.0, target=None, period="2026", note="",
                              by=world["executive"])
    db.session.commit()
    sheet = tmp_path / "kpi-2027.csv"
    sheet.write_text("unit;KPI name;metric key;direction;weight\n"
                     "Installation & Delivery;Cheaper satisfaction;csat;decrease;60 %\n")
    result = runner.invoke(args=["incentives", "import", str(sheet), "--period", "2027", "--dry-run"])
    assert result.exit_code == 0, result.output  # 2026's 100 % does not count against 2027
    assert "What this sheet would do to conflicts in 2027: 1 opened" in result.output
    assert "opens [" in result.output and "Cheaper satisfaction" in result.output
    refused = runner.invoke(args=["incentives", "import", str(sheet), "--period", "2026", "--dry-run"])
    assert refused.exit_code == 2 and "160 %" in refused.output
