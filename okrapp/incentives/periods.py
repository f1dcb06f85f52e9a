"""Plan periods in the database, and the plan rules (domain.plan_periods) applied to what is stored:
the form, the sheet import and the API check a unit's bonus plan the same way."""
from datetime import date

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from okrapp.admin.models import Unit
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.domain.plan_periods import Planned, overruns, rewarded_twice, span_of
from okrapp.core.timeutil import local_today
from okrapp.core.words import _
from okrapp.incentives.models import BonusPlan, Incentive, PlanPeriod
from okrapp.okrs.metric_models import Metric

COMING = ("draft", "in_review", "approved")  # the plans a coming period's would-be set counts


def resolve(name: str) -> PlanPeriod | None:
    """The period a typed name means: one defined already (in any letter case), or a year, half or
    quarter created with its dates on first use. None for no name; a ServiceError for an unknown one."""
    period = known(name)
    if period is None or period.id is not None:
        return period
    try:
        with db.session.begin_nested():  # another save may create the same period at the same moment
            db.session.add(period)
    except IntegrityError:
        period = db.session.scalar(select(PlanPeriod).where(func.lower(PlanPeriod.name) == period.name.lower()))
    return period


def known(name: str) -> PlanPeriod | None:
    """The period a name means, without creating it: a preview reads and writes nothing."""
    name = " ".join((name or "").split())
    if not name:
        return None
    found = db.session.scalar(select(PlanPeriod).where(func.lower(PlanPeriod.name) == name.lower()))
    if found is not None:
        return found
    dates = span_of(name)
    if dates is None:
        raise ServiceError(_("“%(name)s” is not a plan period. Name a year (2027), a half (2027 H1), a quarter "
                             "(2027 Q3) or a period an admin has dated.", name=name), field="period")
    return PlanPeriod(name=name, starts_on=dates[0], ends_on=dates[1])


def span(period: PlanPeriod | None) -> tuple[date, date]:
    """An undated or missing period runs always, as every incentive did before periods had dates."""
    if period is None or not period.dated:
        return date.min, date.max
    return period.starts_on, period.ends_on


def hold_units(unit_names: set[str]) -> None:
    """Checks of one unit's plan happen one after another: its row is locked (PostgreSQL; SQLite takes
    its one write lock) before the stored plan is read, so two saves at once cannot each find room for
    themselves. Held until the commit."""
    db.session.execute(update(Unit).where(func.lower(Unit.name).in_({u.lower() for u in unit_names}))
                       .values(name=Unit.name).execution_options(synchronize_session=False))


def stored_plan(unit_names: set[str] | None = None, leave_out: int | None = None,
                leave_out_period: int | None = None) -> list[Planned]:
    """The active incentives (of these units, when named) as the plan rules read them, in one query;
    leave_out_period: without the incentives of that period (an admin re-dating it checks them apart)."""
    query = (select(Unit.name, Incentive.id, Incentive.name, Metric.key, Incentive.weight, PlanPeriod.starts_on,
                    PlanPeriod.ends_on)
             .join(Incentive.unit).join(Incentive.metric).outerjoin(Incentive.plan_period)
             .where(Incentive.active.is_(True)))
    if unit_names is not None:
        query = query.where(func.lower(Unit.name).in_({u.lower() for u in unit_names}))
    if leave_out_period is not None:
        query = query.where(or_(Incentive.period_id.is_(None), Incentive.period_id != leave_out_period))
    return [Planned(unit, name, metric, weight, starts or date.min, ends or date.max,
                    ref=_("the active incentive “%(name)s”", name=name))
            for unit, incentive_id, name, metric, weight, starts, ends in db.session.execute(query)
            if incentive_id != leave_out]


def check_incentive(incentive: Incentive) -> None:
    """Refuse a saved incentive that would break its unit's plan (the form's and the API's rule): the
    share on the weight field, a metric rewarded twice on the metric field."""
    if not incentive.active:
        return
    row = Planned(incentive.unit.name, incentive.name, incentive.metric.key, incentive.weight,
                  *span(incentive.plan_period))
    hold_units({row.unit})
    existing = stored_plan({row.unit}, leave_out=incentive.id)
    if over := overruns(existing, [row]):
        raise ServiceError(over[0].message(_("for this incentive")), field="weight")
    if twice := rewarded_twice(existing, [row]):
        raise ServiceError(_("metric “%(metric)s” is rewarded twice in %(unit)s in overlapping periods (also by "
                             "%(ref)s)", metric=row.metric, unit=row.unit, ref=twice[0][1].ref), field="metric")


def in_force(on: date, coming: bool = False):
    """A where-clause on Incentive: the incentives that pay on `on` — active, in a period covering that
    day (or in none, or an undated one), and in no plan unless it is in effect. coming: also the plans
    still to be decided or scheduled, i.e. the set the organisation would have if they were all signed."""
    covering = select(PlanPeriod.id).where(or_(PlanPeriod.starts_on.is_(None), PlanPeriod.starts_on <= on),
                                           or_(PlanPeriod.ends_on.is_(None), PlanPeriod.ends_on >= on))
    statuses = ("in_effect", *COMING) if coming else ("in_effect",)
    planned = select(BonusPlan.id).where(BonusPlan.status.in_(statuses))
    return and_(Incentive.active.is_(True),
                or_(Incentive.period_id.is_(None), Incentive.period_id.in_(covering)),
                or_(Incentive.plan_id.is_(None), Incentive.plan_id.in_(planned)))


def is_coming(period: PlanPeriod | None, today: date | None = None) -> bool:
    return period is not None and period.starts_on is not None and period.starts_on > (today or local_today())
