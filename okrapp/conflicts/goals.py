"""The organisation as the conflict rules read it: the incentives in force (today, or on a coming
period's first day), the key results of cycles not yet over, and the weekly means of check-ins."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from okrapp.conflicts.rules import detection as rules
from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today, utcnow
from okrapp.admin.models import Unit
from okrapp.incentives import periods
from okrapp.incentives.models import Incentive, MetricLink, PlanPeriod
from okrapp.okrs import metric_weeks
from okrapp.okrs.metric_models import Metric
from okrapp.okrs.models import Cycle, KeyResult, Objective

OBSERVATION_WEEKS = 26


@dataclass(frozen=True)
class GoalInfo:
    label: str
    unit_id: int
    unit_name: str
    objective_id: int | None = None


def database_scenario(today: date | None = None, guards: dict | None = None, horizon: PlanPeriod | None = None,
                      extra: tuple = ()) -> tuple[rules.Scenario, dict[str, GoalInfo]]:
    """The incentives in force today and the key results of cycles not yet over, as a scenario;
    observations are weekly means of the check-ins on the goals' metrics. Plain column selects: this
    runs over thousands of goals.
    horizon: a coming period instead — the incentives in force on its first day if every plan still to
    be decided for it were signed, and the key results that will count then (scanned_cycles).
    extra: (goal, GoalInfo, guard or None) rows to add, e.g. a sheet not yet imported."""
    today = today or local_today()
    on = horizon.starts_on if horizon is not None else today
    metrics = dict(db.session.execute(select(Metric.id, Metric.key)).all())
    domain_metrics = {key: rules.Metric(key, name, unit)
                      for key, name, unit in db.session.execute(select(Metric.key, Metric.name, Metric.unit))}
    links = tuple(rules.Link(metrics[s], metrics[t], sign, strength) for s, t, sign, strength in db.session.execute(
        select(MetricLink.source_id, MetricLink.target_id, MetricLink.sign, MetricLink.strength)))
    goals, info = [], {}
    for inc_id, name, metric_id, direction, weight, unit_id, unit_name, guard_id, comparator in db.session.execute(
            select(Incentive.id, Incentive.name, Incentive.metric_id, Incentive.direction, Incentive.weight,
                   Unit.id, Unit.name, Incentive.guard_metric_id, Incentive.guard_comparator)
            .join(Unit, Incentive.unit_id == Unit.id).where(periods.in_force(on, coming=horizon is not None))):
        goal = rules.Goal(f"INC-{inc_id}", metrics[metric_id], 1 if direction == "increase" else -1, weight,
                          unit_name, name=name)
        goals.append(goal)
        if guard_id is not None and guards is not None:
            guards[goal.id] = (metrics[guard_id], comparator or ">=")
        info[goal.id] = GoalInfo(f"{unit_name}: {name}", unit_id, unit_name)
    for goal, goal_info, guard in extra:
        goals.append(goal)
        info[goal.id] = goal_info
        if guard is not None and guards is not None:
            guards[goal.id] = guard
    for row in current_key_results(on):
        goal = rules.Goal(f"KR-{row.id}", metrics[row.metric_id], 1 if row.target > row.baseline else -1, row.share,
                          objective=row.objective, name=row.title)
        goals.append(goal)
        info[goal.id] = GoalInfo(f"{row.title} ({row.objective})", row.unit_id, row.unit_name, row.objective_id)
    observations = _observations({metric_id for metric_id, key in metrics.items()
                                  if key in {g.metric for g in goals}}, metrics)
    scenario = rules.Scenario(domain_metrics, links, tuple(goals), tuple(observations), period_word="week")
    return scenario, info


@dataclass(frozen=True)
class _KeyResultRow:
    id: int
    title: str
    metric_id: int
    baseline: float
    target: float
    share: float
    objective_id: int
    objective: str
    unit_id: int
    unit_name: str


def scanned_cycles(on: date):
    """A where-clause on Objective: the cycles whose key results count on `on` — those not yet over.
    When none of them has key results yet (a new quarter whose OKRs are still being written, or a
    coming period), the latest cycle that has them stands in: the shared results carry on until
    their successors are set, so conflicts do not vanish at midnight between two cycles."""
    ahead = select(Cycle.id).where(Cycle.ends_on >= on)
    if db.session.scalar(select(KeyResult.id).join(Objective).where(Objective.cycle_id.in_(ahead)).limit(1)):
        return Objective.cycle_id.in_(ahead)
    latest = db.session.scalar(select(Cycle.id).join(Objective, Objective.cycle_id == Cycle.id)
                               .join(KeyResult, KeyResult.objective_id == Objective.id)
                               .order_by(Cycle.ends_on.desc(), Cycle.id.desc()).limit(1))
    return Objective.cycle_id == latest


def current_key_results(today: date, metric_ids=None) -> list[_KeyResultRow]:
    """Each weighted by its share of its objective; the cycles scanned are scanned_cycles(today).
    metric_ids: only the key results on these metrics (their shares still count every sibling)."""
    cycles = and_(scanned_cycles(today), Objective.retired_at.is_(None), KeyResult.retired_at.is_(None))
    query = (select(KeyResult.id, KeyResult.title, KeyResult.metric_id, KeyResult.baseline, KeyResult.target,
                    KeyResult.weight, Objective.id, Objective.title, Unit.id, Unit.name)
             .join(Objective, KeyResult.objective_id == Objective.id)
             .join(Unit, KeyResult.accountable_unit_id == Unit.id).where(cycles))
    totals_query = (select(KeyResult.objective_id, func.sum(KeyResult.weight)).join(Objective)
                    .where(cycles).group_by(KeyResult.objective_id))
    if metric_ids is not None:
        query = query.where(KeyResult.metric_id.in_(metric_ids))
        totals_query = totals_query.where(KeyResult.objective_id.in_(
            select(KeyResult.objective_id).where(KeyResult.metric_id.in_(metric_ids))))
    rows = db.session.execute(query).all()
    totals = dict(db.session.execute(totals_query).all())
    return [_KeyResultRow(r[0], r[1], r[2], r[3], r[4], r[5] / totals[r[6]], r[6], r[7], r[8], r[9]) for r in rows]


def _observations(metric_ids: set[int], metrics: dict[int, str]) -> list[rules.Observation]:
    since = metric_weeks.week_start(utcnow() - timedelta(weeks=OBSERVATION_WEEKS))
    return [rules.Observation(metrics[metric_id], _iso_week(start), mean)
            for metric_id, start, mean in metric_weeks.weekly_means(metric_ids, since)]


def _iso_week(start) -> str:
    day = start if isinstance(start, date) else date.fromisoformat(str(start)[:10])
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def scan_database(max_depth: int = rules.DEFAULT_MAX_DEPTH):
    """The pair-level scan of the organisation (the CLI's view)."""
    scenario, info = database_scenario()
    return rules.scan(scenario, max_depth), scenario, info
