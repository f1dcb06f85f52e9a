"""Plan periods as admins keep them: the list with each period's incentives counted, and the save that
names and dates a period. New dates are checked against every affected unit's bonus plan first
(domain.plan_periods, as the incentive form checks one incentive): the period's incentives with the
new dates against all other active incentives of their units."""
from datetime import date

from sqlalchemy import func, select, update

from okrapp.admin.models import Unit
from okrapp.conflicts.operations import request_refresh
from okrapp.core import versioning
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.formatting import day
from okrapp.core.transaction import operation
from okrapp.core.words import _
from okrapp.domain.plan_periods import Planned, overruns, rewarded_twice, span_of
from okrapp.incentives import plans
from okrapp.incentives.models import Incentive, PlanPeriod
from okrapp.incentives.periods import hold_units, stored_plan
from okrapp.okrs.metric_models import Metric

NAME_LIMIT = 40  # PlanPeriod.name, and Incentive.period which repeats it
YEARS = (2000, 2100)


def periods_with_counts() -> list[tuple[PlanPeriod, int]]:
    """Every period with its active incentives counted (one grouped query): the undated first, as
    they wait for an admin, then by start date."""
    counts = (select(Incentive.period_id, func.count().label("n")).where(Incentive.active.is_(True))
              .group_by(Incentive.period_id).subquery())
    rows = db.session.execute(select(PlanPeriod, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.period_id == PlanPeriod.id)).all()
    return sorted(((period, n) for period, n in rows),
                  key=lambda row: (row[0].dated, row[0].starts_on or date.min, row[0].name.lower()))


def period_or_404(period_id: int) -> PlanPeriod:
    return db.get_or_404(PlanPeriod, period_id)


@operation
def save_period(period: PlanPeriod | None, name: str, starts_on: date | None, ends_on: date | None, by=None,
                expected_version: int | None = None) -> PlanPeriod:
    """Create or change a period: a unique name and both dates. Renaming carries the new name to its
    incentives; new dates must keep every unit's plan within 100 % and reward no metric twice, and
    make the conflict scan refresh (which incentives are in force changes)."""
    if period is not None:
        versioning.claim(period, expected_version, by)
    name = " ".join((name or "").split())
    _check_fields(period, name, starts_on, ends_on)
    moved = period is None or (period.starts_on, period.ends_on) != (starts_on, ends_on)
    renamed = period is not None and period.name != name
    if period is not None and moved:
        _check_plans(period, name, starts_on, ends_on)
    period = period or PlanPeriod()
    period.name, period.starts_on, period.ends_on = name, starts_on, ends_on
    db.session.add(period)
    db.session.flush()
    if renamed:
        db.session.execute(update(Incentive).where(Incentive.period_id == period.id).values(period=name)
                           .execution_options(synchronize_session="fetch"))
    if moved:
        for incentive in db.session.scalars(select(Incentive).where(Incentive.period_id == period.id,
                                                                    Incentive.active.is_(True))):
            plans.attach(incentive, by)  # a period moved ahead makes its rows a plan to decide; one begun, not
        request_refresh()
    return period


def _check_fields(period: PlanPeriod | None, name: str, starts_on, ends_on) -> None:
    if not name:
        raise ServiceError(_("Give the period a name."), field="name")
    if len(name) > NAME_LIMIT:
        raise ServiceError(_("Keep the name to %(limit)s characters.", limit=NAME_LIMIT), field="name")
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if value is None:
            raise ServiceError(_("Enter a date (YYYY-MM-DD)."), field=field)
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ServiceError(_("Enter a date between %(first)s and %(last)s.", first=YEARS[0], last=YEARS[1]),
                               field=field)
    if ends_on < starts_on:
        raise ServiceError(_("The period must end on or after its start."), field="ends_on")
    if versioning.taken(PlanPeriod, PlanPeriod.name, name, period.id if period else None):
        raise ServiceError(_("A period named %(name)s already exists.", name=name), field="name")
    standard = span_of(name)
    if standard is not None and standard != (starts_on, ends_on):
        raise ServiceError(_("“%(name)s” stands for %(start)s – %(end)s: give those dates, or another name.",
                             name=name, start=day(standard[0]), end=day(standard[1])), field="name")


def _check_plans(period: PlanPeriod, name: str, starts_on: date, ends_on: date) -> None:
    """Refuse new dates under which a unit with incentives in this period would pay more than 100 %
    on some day, or reward one metric twice in overlapping periods (the unit named)."""
    rows = db.session.execute(select(Unit.name, Incentive.name, Metric.key, Incentive.weight)
                              .join(Incentive.unit).join(Incentive.metric)
                              .where(Incentive.period_id == period.id, Incentive.active.is_(True))
                              .order_by(Incentive.id)).all()
    if not rows:
        return
    units = {unit for unit, *_ in rows}
    hold_units(units)
    existing = stored_plan(units, leave_out_period=period.id)
    proposed = [Planned(unit, incentive, metric, weight, starts_on, ends_on,
                        ref=_("the active incentive “%(name)s”", name=incentive))
                for unit, incentive, metric, weight in rows]
    if over := overruns(existing, proposed):
        raise ServiceError(over[0].message(_("in %(period)s", period=name)), field="starts_on")
    if twice := rewarded_twice(existing, proposed):
        item, earlier = twice[0]
        raise ServiceError(_("%(unit)s: metric “%(metric)s” would be rewarded twice in overlapping periods (%(ref)s "
                             "in %(period)s and %(earlier)s).", unit=item.unit, metric=item.metric, ref=item.ref,
                             period=name, earlier=earlier.ref), field="starts_on")
