"""Metric values pushed by other systems: stored once per (metric, time, source); key results
bound to that (metric, source) take them as check-ins; the observed-conflict rule reads them."""
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, tuple_

from okrapp.domain.metrics import milestone_problem, range_problem
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective
from okrapp.okrs.metric_models import Metric, MetricValue
from okrapp.accounts.models import User
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError
from okrapp.okrs import metric_weeks
from okrapp.okrs.operations import correct_check_in, record_check_in
from okrapp.core.words import _

MAX_POINTS = 1000
DEFAULT_CONFIDENCE = 5


@dataclass(frozen=True)
class Point:
    at: datetime  # aware or naive UTC
    value: float
    source: str


@dataclass
class PushResult:
    stored: int = 0
    unchanged: int = 0
    changed: int = 0
    check_ins: int = 0


def naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def push(metric: Metric, points: list[Point], by: User) -> PushResult:
    """Store the points; the same (time, source) again with the same value is a no-op, with a
    new value it replaces the old one (and corrects the check-in it became). All or nothing."""
    if not points:
        raise ServiceError(_("Send at least one point."), field="points")
    if len(points) > MAX_POINTS:
        raise ServiceError(_("At most %(most)s points per call.", most=MAX_POINTS), field="points")
    problems = []
    for index, point in enumerate(points):
        problem = (milestone_problem(point.value) if metric.is_milestone else
                   range_problem(point.value, metric.min_value, metric.max_value, label=_("value")))
        if problem:
            problems.append(_("points[%(index)s]: %(problem)s (%(metric)s)", index=index, problem=problem,
                               metric=metric.label))
        if naive_utc(point.at) > utcnow():
            problems.append(_("points[%(index)s]: %(time)s is in the future", index=index, time=point.at.isoformat()))
        if naive_utc(point.at).year < 2000:
            problems.append(_("points[%(index)s]: %(time)s is before the year 2000", index=index,
                               time=point.at.isoformat()))
    if problems:
        raise ServiceError("; ".join(problems[:20]), field="points")
    latest = {}
    for point in points:  # within one call the last point for a key wins
        latest[(naive_utc(point.at), point.source)] = point.value
    existing = {(v.observed_at, v.source): v for v in db.session.scalars(select(MetricValue).where(
        MetricValue.metric_id == metric.id,
        tuple_(MetricValue.observed_at, MetricValue.source).in_(list(latest))))} if latest else {}
    result, fresh = PushResult(), []
    now = utcnow()
    for (at, source), value in latest.items():
        row = existing.get((at, source))
        if row is None:
            db.session.add(MetricValue(metric=metric, observed_at=at, source=source, value=value, received_at=now,
                                       pushed_by_id=by.id if by else None))
            result.stored += 1
            fresh.append((at, source, value, None))
            metric_weeks.note_value(metric.id, at, value)
        elif row.value == value:
            result.unchanged += 1
        else:
            old, row.value, row.received_at = row.value, value, now
            result.changed += 1
            fresh.append((at, source, value, old))
            metric_weeks.replace_value(metric.id, at, old, value)
    db.session.flush()
    result.check_ins = _feed_key_results(metric, fresh, by)
    return result


def _feed_key_results(metric: Metric, fresh, by) -> int:
    """Bound key results of cycles that include the point take it as a check-in (marked with its source)."""
    sources = {source for _, source, _, _ in fresh}
    if not sources:
        return 0
    krs = db.session.scalars(select(KeyResult).join(Objective).join(Cycle).where(
        KeyResult.metric_id == metric.id, KeyResult.value_source.in_(sources))).all()
    count = 0
    for kr in krs:
        cycle = kr.objective.cycle
        for at, source, value, _old in sorted(fresh):
            if source != kr.value_source or not cycle.starts_on <= at.date() <= cycle.ends_on:
                continue
            previous = db.session.scalar(select(CheckIn).where(
                CheckIn.key_result_id == kr.id, CheckIn.source == source, CheckIn.created_at == at,
                CheckIn.superseded_at.is_(None)))
            if previous is None:
                confidence = kr.current_confidence if kr.current_confidence is not None else DEFAULT_CONFIDENCE
                record_check_in(kr, value, confidence, _("Pushed by %(source)s.", source=source), by, confirmed=True, at=at,
                                source=source)
            elif previous.value != value:
                correct_check_in(previous, value, _("%(source)s sent a new value for this time.", source=source), by,
                                 confirmed=True)
            else:
                continue
            count += 1
    return count


def series(metric: Metric, since: datetime | None = None, source: str | None = None, limit: int = 1000):
    query = select(MetricValue).where(MetricValue.metric_id == metric.id)
    if since is not None:
        query = query.where(MetricValue.observed_at >= naive_utc(since))
    if source:
        query = query.where(MetricValue.source == source)
    return list(db.session.scalars(query.order_by(MetricValue.observed_at, MetricValue.source).limit(limit)))
