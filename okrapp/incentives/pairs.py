"""The metric catalogue's counterweights: which quality or customer metric should weigh a row that
rewards speed, volume or cost (domain.pairing flags the rows without one). Executives edit them on the
Influence links page."""
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.transaction import operation
from okrapp.core.words import _
from okrapp.incentives.models import MetricPair
from okrapp.okrs.metric_models import Metric


def pairs_by_metric() -> dict[str, set[str]]:
    """Metric key → the keys of its counterweights, in one query."""
    metric, counter = aliased(Metric), aliased(Metric)
    rows = db.session.execute(select(metric.key, counter.key).select_from(MetricPair)
                              .join(metric, MetricPair.metric_id == metric.id)
                              .join(counter, MetricPair.counter_id == counter.id))
    found: dict[str, set[str]] = {}
    for key, counter_key in rows:
        found.setdefault(key, set()).add(counter_key)
    return found


def pair_list() -> list[MetricPair]:
    """Every pair with its metric and counterweight loaded, by the metric's name, then the counterweight's."""
    metric, counter = aliased(Metric), aliased(Metric)
    return db.session.scalars(
        select(MetricPair).join(metric, MetricPair.metric_id == metric.id)
        .join(counter, MetricPair.counter_id == counter.id)
        .options(joinedload(MetricPair.metric), joinedload(MetricPair.counter))
        .order_by(metric.name, counter.name)).all()


@operation
def add_pair(metric_id: int, counter_id: int, by) -> MetricPair:
    """Say that a row rewarding the metric should be weighed by the counter in the same unit."""
    metric = db.session.get(Metric, metric_id) if metric_id else None
    if metric is None:
        raise ServiceError(_("Choose a metric from the catalogue."), field="metric")
    counter = db.session.get(Metric, counter_id) if counter_id else None
    if counter is None:
        raise ServiceError(_("Choose a counterweight from the catalogue."), field="counter")
    if metric.id == counter.id:
        raise ServiceError(_("A metric cannot be its own counterweight; choose a quality or customer metric."),
                           field="counter")
    if db.session.scalar(select(MetricPair.id).where(MetricPair.metric_id == metric.id,
                                                     MetricPair.counter_id == counter.id)) is not None:
        raise ServiceError(_("%(metric)s is already weighed by %(counter)s.", metric=metric.name, counter=counter.name),
                           field="counter")
    pair = MetricPair(metric=metric, counter=counter, created_by_id=getattr(by, "id", None))
    db.session.add(pair)
    db.session.flush()
    return pair


@operation
def remove_pair(pair_id: int, by) -> None:
    """Remove a counterweight; one that is already gone is refused with a message, not a 404."""
    pair = db.session.get(MetricPair, pair_id)
    if pair is None:
        raise ServiceError(_("That counterweight was already removed."))
    db.session.delete(pair)
    db.session.flush()
