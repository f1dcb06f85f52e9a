"""Pre-aggregated figures the dashboard reads instead of the check-in history: each key result's
progress and forecast, each objective's score, goal and confidence, and its weekly score."""
from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from okrapp.domain.forecast import forecast_value
from okrapp.domain.scoring import objective_figures, progress, weighted_mean
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective, ObjectiveWeek
from okrapp.core.timeutil import local_today
from okrapp.okrs import metric_weeks, scoreboard


def key_result_changed(kr: KeyResult) -> None:
    """After a check-in or an edit: this result's figures, then its objective's."""
    cycle = kr.objective.cycle
    history = db.session.execute(select(CheckIn.created_at, CheckIn.value).where(
        CheckIn.key_result_id == kr.id, CheckIn.superseded_at.is_(None),
        CheckIn.created_at >= datetime.combine(cycle.starts_on, time()))).all()
    _update_key_result(kr, history, cycle)
    objective_changed(kr.objective)


def _update_key_result(kr: KeyResult, history_in_cycle, cycle: Cycle) -> None:
    kr.progress = progress(kr.baseline, kr.target, kr.current_value)
    kr.forecast = forecast_value(history_in_cycle, cycle.starts_on, cycle.ends_on, kr.metric.min_value,
                                 kr.metric.max_value)


def _update_objective(objective: Objective) -> None:
    figures = objective_figures([scoreboard.figures(k) for k in scoreboard.counted(objective)])
    objective.score, objective.goal, objective.confidence = (
        (figures.progress, figures.goal, figures.confidence) if figures else (None, None, None))


def objective_changed(objective: Objective) -> None:
    _update_objective(objective)
    if objective.score is not None:
        _store_week(objective.id, week_of(local_today()), objective.score)
    db.session.flush()


def week_of(day):
    return day - timedelta(days=day.weekday())


def _store_week(objective_id: int, week_start, score: float) -> None:
    row = db.session.scalar(select(ObjectiveWeek).where(ObjectiveWeek.objective_id == objective_id,
                                                        ObjectiveWeek.week_start == week_start))
    if row is None:
        db.session.add(ObjectiveWeek(objective_id=objective_id, week_start=week_start, score=score))
    else:
        row.score = score


def rebuild(cycle: Cycle) -> int:
    """Recompute every figure of a cycle from its history (after a bulk load or an upgrade;
    `okrapp rebuild-dashboard`).
    Returns the number of weekly scores written."""
    objectives = db.session.scalars(select(Objective).where(Objective.cycle_id == cycle.id).options(
        selectinload(Objective.key_results).selectinload(KeyResult.metric))).all()
    return rebuild_objectives(objectives, cycle)


def rebuild_objectives(objectives: list[Objective], cycle: Cycle) -> int:
    """The figures and weekly scores of some objectives of one cycle, from their effective history:
    after a correction changed a past point, the past weeks change too."""
    krs = [kr for o in objectives for kr in o.key_results]
    history = defaultdict(list)
    for kr_id, at, value in db.session.execute(
            select(CheckIn.key_result_id, CheckIn.created_at, CheckIn.value)
            .where(CheckIn.key_result_id.in_([k.id for k in krs]), CheckIn.superseded_at.is_(None))
            .order_by(CheckIn.key_result_id, CheckIn.created_at, CheckIn.id)):
        history[kr_id].append((at, value))
    last_week = week_of(min(local_today(), cycle.ends_on))
    weeks = []
    week = week_of(cycle.starts_on)
    while week <= last_week:
        weeks.append(week)
        week += timedelta(days=7)
    db.session.execute(ObjectiveWeek.__table__.delete().where(
        ObjectiveWeek.objective_id.in_([o.id for o in objectives])))
    rows = []
    for objective in objectives:
        for kr in objective.key_results:
            _update_key_result(kr, [(at, v) for at, v in history[kr.id] if at.date() >= cycle.starts_on], cycle)
        _update_objective(objective)
        for week in weeks:
            end = datetime.combine(week + timedelta(days=7), time())
            score = weighted_mean((progress(k.baseline, k.target, _value_at(history[k.id], end, k.baseline)), k.weight)
                                  for k in objective.key_results)
            if score is not None:
                rows.append({"objective_id": objective.id, "week_start": week, "score": score})
    if rows:
        db.session.execute(ObjectiveWeek.__table__.insert(), rows)
    db.session.flush()
    metric_weeks.rebuild()
    return len(rows)


def _value_at(history, before: datetime, default: float) -> float:
    value = default
    for at, v in history:
        if at >= before:
            break
        value = v
    return value
