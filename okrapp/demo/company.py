"""The demo organisation: Kaleva Systems Oy, a Finnish B2B supplier of industrial equipment,
installation and maintenance, with a logistics partner delivering the last mile."""
import json
import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from okrapp.domain.calendar import quarter_of
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, Objective, ObjectiveWeek, RankChange
from okrapp.okrs.metric_models import Metric
from okrapp.accounts.models import User
from okrapp.core.timeutil import local_today
from okrapp.accounts.people import create_user
from okrapp.admin.operations import save_cycle, save_unit
from okrapp.okrs.operations import create_metric
from okrapp.okrs.aggregates import rebuild, week_of
from okrapp.conflicts.operations import refresh_items
from okrapp.demo.incentives import load_incentives

DEMO_PASSWORD = "okrapp-demo"
DEMO_LOGINS = [
    ("ceo@demo.okrapp", "executive"),
    ("sales.lead@demo.okrapp", "unit_leader"),
    ("delivery.lead@demo.okrapp", "unit_leader"),
    ("board@demo.okrapp", "board"),
    ("admin@demo.okrapp", "admin"),
]

USERS = [  # email, name, role
    ("ceo@demo.okrapp", "Aino Virtanen", "executive"),
    ("cfo@demo.okrapp", "Juha Heikkinen", "executive"),
    ("sales.lead@demo.okrapp", "Mikko Korhonen", "unit_leader"),
    ("delivery.lead@demo.okrapp", "Laura Mäkinen", "unit_leader"),
    ("service.lead@demo.okrapp", "Eeva Järvinen", "unit_leader"),
    ("care.lead@demo.okrapp", "Olli Lehtonen", "unit_leader"),
    ("board@demo.okrapp", "Pekka Nieminen", "board"),
    ("admin@demo.okrapp", "Sanna Laine", "admin"),
]
# The language each demo person reads okrapp in: the delivery lead and the board member read Finnish,
# the others English (what the demo says stays as written).
FINNISH_READERS = {"delivery.lead@demo.okrapp", "board@demo.okrapp"}

UNITS = [  # name, kind, leaders, description
    ("Equipment Sales", "business_unit", ["sales.lead"], "Sells machines and spare parts to industrial customers."),
    ("Installation & Delivery", "business_unit", ["delivery.lead"], "Delivers and installs equipment on site."),
    ("Maintenance Services", "business_unit", ["service.lead"], "Service contracts and field maintenance."),
    ("Customer Care", "function", ["care.lead"], "One contact point for orders, claims and support."),
    ("Finance", "function", ["cfo"], "Invoicing, credit and pricing."),
    ("Nordic Last Mile Oy", "partner", ["delivery.lead"], "Logistics partner delivering the last mile."),
]

# Objectives in rank order; each key result:
# title, metric key, baseline, target, accountable, contributors, weight, commitment, previous-quarter trend, now
OBJECTIVES = [
    ("Customers who buy from several units get one smooth delivery",
     "A customer buying a machine, its installation and a service contract sees one company.",
     [("Delivery CSAT", "csat", 72, 85, "Installation & Delivery", ["Equipment Sales", "Nordic Last Mile Oy"], 2, "committed", 0.55),
      ("On-time delivery rate", "on_time_delivery", 81, 95, "Nordic Last Mile Oy", ["Installation & Delivery"], 1.5, "committed", 0.35),
      ("Customer Effort Score for orders", "ces", 4.8, 3.5, "Customer Care", ["Equipment Sales"], 1, "aspirational", 0.6)]),
    ("Customers recommend us",
     "Promoters bring the next customer; detractors tell ten others.",
     [("Net Promoter Score", "nps", 18, 35, "Equipment Sales", ["Maintenance Services", "Customer Care", "Installation & Delivery"], 2, "aspirational", 0.5),
      ("Support CSAT", "csat", 78, 88, "Customer Care", ["Maintenance Services"], 1, "committed", 0.7)]),
    ("Customers stay with us and grow",
     "Keeping a customer costs a fraction of winning one.",
     [("Annual churn rate", "churn_rate", 9, 6, "Maintenance Services", ["Customer Care", "Equipment Sales"], 2, "committed", 0.2),
      ("Service contract retention", "retention_rate", 88, 93, "Maintenance Services", [], 1, "committed", 0.65),
      ("Customer lifetime value", "clv", 42000, 50000, "Equipment Sales", ["Maintenance Services"], 1, "aspirational", 0.45)]),
    ("Revenue grows from customers who are happy",
     "Growth that costs satisfaction is borrowed from next year.",
     [("Quarterly revenue", "revenue", 3100000, 3500000, "Finance", ["Equipment Sales", "Maintenance Services"], 2, "committed", 0.75),
      ("Single contact point live for multi-unit customers", "milestone", 0, 1, "Customer Care", ["Finance"], 1, "committed", None),
      ("Invoice disputes per month", "invoice_disputes", 40, 15, "Finance", ["Customer Care"], 1, "aspirational", 0.3)]),
]


def is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == "ceo@demo.okrapp")) is not None


def load_demo() -> bool:
    """Create the organisation with two quarters of weekly check-ins; False if it is already there."""
    if is_loaded():
        return False
    rng = random.Random(2026)
    users = {email.split("@")[0]: create_user(email, name, role, DEMO_PASSWORD,
                                              locale="fi" if email in FINNISH_READERS else "en")
             for email, name, role in USERS}
    units = {name: save_unit(None, name, kind, text, [users[x] for x in leaders])
             for name, kind, leaders, text in UNITS}
    metrics = _metrics()
    today = local_today()
    name, start, end = quarter_of(today)
    prev_name, prev_start, prev_end = quarter_of(start - timedelta(days=1))
    previous = save_cycle(None, prev_name, prev_start, prev_end)
    current = save_cycle(None, name, start, end)
    _next_name, next_start, next_end = quarter_of(end + timedelta(days=1))
    save_cycle(None, _next_name, next_start, next_end)
    ceo = users["ceo"]
    for rank, (title, text, krs) in enumerate(OBJECTIVES, start=1):
        old = _objective(previous, title, text, rank, ceo, prev_start)
        new = _objective(current, title, text, rank, ceo, start)
        new.carried_from_id = old.id
        for row in krs:
            _key_results(rng, old, new, row, metrics, units, users, (prev_start, prev_end), (start, today))
    db.session.flush()
    for cycle in (previous, current):
        rebuild(cycle)  # check-ins were written in bulk: compute the dashboard's figures once
    load_incentives(units, ceo)
    refresh_items()  # found by the scan, not by a person
    _reviews(users, current, start)
    return True


LEADERSHIP = ["ceo", "cfo", "sales.lead", "delivery.lead", "service.lead", "care.lead"]


def _reviews(users, cycle, start) -> None:
    """Every two weeks on Thursday 09:00, chaired by the CEO; the last review is closed, with
    the re-ranking and decisions it made; the next ones are planned."""
    from okrapp.domain.recurrence import occurrences
    from okrapp.reviews.models import ReviewMeeting
    from okrapp.core.timeutil import utcnow
    from okrapp.reviews.operations import add_decision, plan_meetings, save_schedule
    from okrapp.reviews.planning import rule_of
    schedule = save_schedule(None, name="Leadership priority review", cadence="biweekly", weekday=3,
                             time_of_day="09:00", timezone="Europe/Helsinki", cron="", duration_minutes=90,
                             reminder_days=2, chair=users["ceo"], participants=[users[u] for u in LEADERSHIP],
                             anchor_on=start)
    past = occurrences(rule_of(schedule), utcnow() - timedelta(days=28), utcnow() - timedelta(hours=2))
    if past:
        held = past[-1]
        meeting = ReviewMeeting(schedule=schedule, slot=f"{schedule.id}@{held.isoformat(timespec='minutes')}",
                                starts_at=held, ends_at=held + timedelta(minutes=90), timezone=schedule.timezone,
                                uid=f"review-{schedule.id}-{held:%Y%m%dT%H%M}@okrapp")
        db.session.add(meeting)
        db.session.flush()
        _rerank(cycle, users["ceo"], held, meeting)
        decisions = [
            add_decision(meeting, kind="reprioritise", by=users["ceo"],
                         text="Retention above recommendation until the churn spike in service contracts is understood."),
            add_decision(meeting, kind="action", by=users["ceo"], owner=users["service.lead"],
                         due_on=max(start + timedelta(days=70), local_today() + timedelta(days=14)),
                         text="Call the ten largest customers who did not renew and report why."),
            add_decision(meeting, kind="pilot", by=users["ceo"], **_pilot(cycle, held),
                         text="Customers who buy from three units should not have to explain themselves three times.")]
        for decision in decisions:
            decision.created_at = held + timedelta(minutes=80)
        meeting.status, meeting.closed_at, meeting.closed_by = "closed", held + timedelta(minutes=90), users["ceo"]
        meeting.scores = json.dumps(_scores_in_week_of(cycle, held))
    else:
        _rerank(cycle, users["ceo"], utcnow() - timedelta(days=1), None)
    plan_meetings()
    _board(users)


def _scores_in_week_of(cycle, moment) -> dict[int, float]:
    """The scores a review held then saw: each objective's weekly score of that week, so the next
    agenda shows real trends."""
    week = week_of(moment.date())
    return dict(db.session.execute(select(ObjectiveWeek.objective_id, ObjectiveWeek.score).join(Objective).where(
        Objective.cycle_id == cycle.id, ObjectiveWeek.week_start == week)).all())


def _pilot(cycle, held) -> dict:
    """The small step the last review started: one contact person for multi-unit customers."""
    from okrapp.okrs.models import KeyResult
    from okrapp.admin.models import Unit
    care = db.session.scalar(select(Unit).where(Unit.name == "Customer Care"))
    krs = db.session.scalars(select(KeyResult).join(Objective).where(
        Objective.cycle_id == cycle.id, KeyResult.title.in_(["Customer Effort Score for orders", "Support CSAT"]))).all()
    return dict(title="One contact person for customers of three units", units=[care], key_results=krs,
                hypothesis="A named contact person in Customer Care for customers who buy from three units cuts "
                           "their effort and raises satisfaction.",
                success_criterion="Customer Effort Score of the pilot customers at 3.5 or better by the end.",
                starts_on=held.date(), ends_on=held.date() + timedelta(days=60))


def _board(users) -> None:
    """Monthly summaries on the first Monday at 08:00 and at each cycle's end; last month's was sent."""
    from okrapp.core.timeutil import utcnow
    from okrapp.board import operations as board
    board.save_schedule(weekday=0, time_of_day="08:00", timezone="Europe/Helsinki", cycle_end=True, active=True)
    board.add_recipient("owners@demo.okrapp", "Kaleva Holding (owners)")
    board.send(board.default_period(utcnow()))


def _metrics() -> dict[str, Metric]:
    create_metric("On-time delivery", "%", 0, 100)
    create_metric("Invoice disputes", "per month", 0, None)
    return {m.key: m for m in db.session.scalars(select(Metric))}


def _objective(cycle, title, text, rank, by, day) -> Objective:
    objective = Objective(cycle=cycle, title=title, description=text, rank=rank, created_by=by,
                          created_at=_at(day))
    objective.rank_changes.append(RankChange(old_rank=None, new_rank=rank, changed_by=by, changed_at=_at(day),
                                             reason="created"))
    db.session.add(objective)
    db.session.flush()
    return objective


def _key_results(rng, old, new, row, metrics, units, users, previous, current):
    title, key, baseline, target, accountable, contributors, weight, commitment, trend = row
    metric = metrics[key]
    author = (units[accountable].leaders or [users["ceo"]])[0]
    common = dict(title=title, metric=metric, accountable_unit=units[accountable], weight=weight,
                  commitment=commitment, contributors=[units[c] for c in contributors])
    first = KeyResult(objective=old, baseline=baseline, target=target, current_value=baseline, **common)
    reached = _weekly(rng, first, metric, previous, trend, author, final_share=trend)
    second = KeyResult(objective=new, baseline=reached, target=target, current_value=reached, **common)
    if metric.is_milestone:
        second.baseline, second.current_value = 0, 0
    # This quarter the shared objectives start to bite: most results move faster than last quarter.
    _weekly(rng, second, metric, current, trend and min(1.2, trend * 1.8), author, final_share=None)
    db.session.add_all([first, second])


def _weekly(rng, kr, metric, span, trend, author, final_share):
    """Weekly check-ins along the trend with noise; returns the last value."""
    start, stop = span
    weeks = max(1, (stop - start).days // 7)
    full_weeks = 13
    value = kr.baseline
    for week in range(1, weeks + 1):
        day = start + timedelta(days=7 * week - 3)
        if day > stop:
            break
        if metric.is_milestone:
            value = 1.0 if final_share is None and week >= 6 else 0.0  # went live mid-quarter
        else:
            share = (trend or 0) * week / full_weeks
            noise = rng.uniform(-0.04, 0.04)
            value = kr.baseline + (kr.target - kr.baseline) * (share + noise)
            value = _clamp(round(value, 1 if abs(kr.target) < 1000 else -2), metric)
        confidence = max(0, min(10, round(4 + 6 * (trend or 0.5) + rng.uniform(-1.5, 1.5))))
        kr.check_ins.append(CheckIn(value=value, confidence=confidence, author=author, created_at=_at(day),
                                    comment=rng.choice(_COMMENTS) if week % 3 == 0 else ""))
        kr.current_value, kr.current_confidence, kr.last_check_in_at = value, confidence, _at(day)
    return value


def _clamp(value, metric):
    if metric.min_value is not None:
        value = max(metric.min_value, value)
    if metric.max_value is not None:
        value = min(metric.max_value, value)
    return value


def _rerank(cycle, by, at, meeting) -> None:
    """Leadership moved retention above recommendation in the last review: history to show."""
    from okrapp.okrs.operations import move_objective
    objective = db.session.scalar(select(Objective).where(Objective.cycle_id == cycle.id, Objective.rank == 3))
    for change in move_objective(objective, 2, by, "Churn spike in Maintenance contracts"):
        change.changed_at, change.meeting = at, meeting


def _at(day) -> datetime:
    return datetime.combine(day, time(7, 30))


_COMMENTS = [
    "Partner capacity was short two trucks this week.",
    "Joint kick-off with Sales and Delivery helped.",
    "Survey response rate is low; figure is noisy.",
    "Two large customers escalated installation delays.",
    "New onboarding call for multi-unit customers started.",
    "Seasonal dip expected before year end.",
]
