"""Metric values pushed by other systems feed the observed-conflict rule, with no check-in at all."""
from datetime import timedelta

from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn
from okrapp.conflicts.models import ConflictItem
from okrapp.okrs.metric_models import MetricWeek
from okrapp.okrs import metric_weeks
from okrapp.conflicts.operations import refresh_items
from okrapp.okrs.metric_values import Point, push

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


def test_observed_conflict_from_pushed_metric_values(clock):
    executive = make_user("executive")
    objective = make_objective(make_cycle(), by=executive)
    make_key_result(objective, unit=make_unit(), metric_key="nps", baseline=0, target=60, by=executive)
    make_key_result(objective, unit=make_unit(), metric_key="clv", baseline=100, target=900, by=executive)
    start = clock.now.replace(month=9, day=7)
    weeks = [start + timedelta(days=7 * n) for n in range(7)]
    push(metric("nps"), [Point(at, v, "surveytool") for at, v in zip(weeks, [10, 20, 22, 32, 34, 44, 46])],
         executive)
    push(metric("clv"), [Point(at, v, "crm") for at, v in zip(weeks, [110, 120, 220, 240, 340, 360, 460])],
         executive)
    db.session.commit()
    assert db.session.scalar(select(CheckIn.id)) is None  # no key result is bound: values only
    incremental = {(w.metric_id, w.week_start): (w.total, w.count) for w in db.session.scalars(select(MetricWeek))}
    assert len(incremental) == 14
    assert metric_weeks.rebuild() == 14  # the bulk rebuild reads metric values too
    assert {(w.metric_id, w.week_start): (w.total, w.count)
            for w in db.session.scalars(select(MetricWeek))} == incremental
    refresh_items()
    db.session.expire_all()
    [item] = [i for i in db.session.scalars(select(ConflictItem)) if i.kind == "key_results"]
    assert item.kinds == "observed" and item.key == "metrics:clv|nps"
