"""Weekly sums of each metric's measured values, kept as check-ins arrive.

The observed-conflict rule compares how metrics move week to week. Averaging 500,000 check-ins
on every scan took seconds; a row per (metric, week) updated with each value keeps a scan's read
at a few hundred rows. Bulk loads call rebuild() once."""
from datetime import date, datetime, timedelta

from sqlalchemy import Date, delete, func, insert, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.okrs.metric_models import MetricValue, MetricWeek


def week_start(at: datetime | date) -> date:
    day = at.date() if isinstance(at, datetime) else at
    return day - timedelta(days=day.weekday())


def note_value(metric_id: int, at: datetime, value: float) -> None:
    """One more value of a metric: an atomic upsert, so concurrent check-ins add up."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(MetricWeek).values(metric_id=metric_id, week_start=week_start(at), total=value, count=1)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[MetricWeek.metric_id, MetricWeek.week_start],
        set_={"total": MetricWeek.total + stmt.excluded.total, "count": MetricWeek.count + 1}))


def replace_value(metric_id: int, at: datetime, old: float, new: float) -> None:
    """A corrected value: the week keeps its count, its sum moves by the difference."""
    db.session.execute(update(MetricWeek).where(MetricWeek.metric_id == metric_id,
                                                MetricWeek.week_start == week_start(at))
                       .values(total=MetricWeek.total + (new - old)))


def weekly_means(metric_ids, since: date) -> list[tuple[int, date, float]]:
    return [(m, w, total / count) for m, w, total, count in db.session.execute(
        select(MetricWeek.metric_id, MetricWeek.week_start, MetricWeek.total, MetricWeek.count)
        .where(MetricWeek.metric_id.in_(list(metric_ids)), MetricWeek.week_start >= since, MetricWeek.count > 0))]


def rebuild() -> int:
    """All weeks of all metrics from the effective check-ins people made and the values other
    systems pushed (after a bulk load; `okrapp rebuild-dashboard`)."""
    typed = select(KeyResult.metric_id.label("metric_id"), CheckIn.created_at.label("at"),
                   CheckIn.value.label("value")).join(CheckIn.key_result).where(
        CheckIn.superseded_at.is_(None), CheckIn.source == "")
    pushed = select(MetricValue.metric_id, MetricValue.observed_at, MetricValue.value)
    values = union_all(typed, pushed).subquery()
    if db.engine.dialect.name == "postgresql":
        week = func.cast(func.date_trunc("week", values.c.at), Date)
    else:
        week = func.date(values.c.at, "-6 days", "weekday 1")
    rows = db.session.execute(
        select(values.c.metric_id, week.label("week"), func.sum(values.c.value), func.count())
        .group_by(values.c.metric_id, week)).all()
    db.session.execute(delete(MetricWeek))
    values = [{"metric_id": m, "week_start": w if isinstance(w, date) else date.fromisoformat(str(w)[:10]),
               "total": total, "count": count} for m, w, total, count in rows]
    if values:
        db.session.execute(insert(MetricWeek), values)
    db.session.flush()
    return len(values)
