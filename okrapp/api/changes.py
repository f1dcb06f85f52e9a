"""The API's changes to objectives, key results and incentives, each one unit of work over the same
operations the pages call (okrs.operations, incentives.operations): the totals, duplicate and range
rules live there. Here only what the API names differently is resolved: metrics by key, units and
cycles by id. A change names only the fields it changes; the others keep their values."""
from sqlalchemy import select

from okrapp.admin.models import Unit
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.transaction import operation
from okrapp.core.words import _
from okrapp.incentives import operations as incentive_service
from okrapp.incentives.models import Incentive
from okrapp.okrs import operations as okr_service
from okrapp.okrs.metric_models import Metric
from okrapp.okrs.models import Cycle, KeyResult, Objective

MAX_ID = 2**31 - 1


def objective(objective_id: int) -> Objective | None:
    return db.session.get(Objective, objective_id) if 0 < objective_id <= MAX_ID else None


def incentive(incentive_id: int) -> Incentive | None:
    return db.session.get(Incentive, incentive_id) if 0 < incentive_id <= MAX_ID else None


def key_result(kr_id: int) -> KeyResult | None:
    return db.session.get(KeyResult, kr_id) if 0 < kr_id <= MAX_ID else None


def version_now(model, record_id: int) -> int | None:
    """The version as committed, read after a refused change rolled back."""
    return db.session.scalar(select(model.version).where(model.id == record_id))


# -- objectives --------------------------------------------------------------------------------

@operation
def add_objective(cycle_id: int, title: str, description: str, by) -> Objective:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise ServiceError(_("There is no such cycle."), field="cycle")
    return okr_service.create_objective(cycle, title, description, by)


@operation
def change_objective(found: Objective, fields: dict, by, version: int) -> Objective:
    okr_service.update_objective(found, fields.get("title", found.title),
                                 fields.get("description", found.description), by, version)
    return found


@operation
def retire_objective(found: Objective, by, version: int) -> Objective:
    return okr_service.retire_objective(found, by, version)


# -- key results -------------------------------------------------------------------------------

def _metric(key: str) -> Metric:
    found = db.session.scalar(select(Metric).where(Metric.key == key))
    if found is None:
        raise ServiceError(_("There is no metric with the key “%(key)s”.", key=key), field="metric")
    return found


def _units(ids: list[int], field: str) -> list[Unit]:
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ServiceError(_("There is no unit with the id %(id)s.", id=missing[0]), field=field)
    return [found[i] for i in dict.fromkeys(ids)]


@operation
def save_key_result(kr: KeyResult | None, parent: Objective | None, fields: dict, by,
                    version: int | None = None) -> KeyResult:
    """A new key result of parent (kr None), or kr with fields changed."""
    if kr is None and parent is None:
        raise ServiceError(_("There is no such objective."), field="objective")
    metric = _metric(fields["metric"]) if "metric" in fields else kr.metric
    baseline = fields.get("baseline", kr.baseline if kr else None)
    target = fields.get("target", kr.target if kr else None)
    if not metric.is_milestone and (baseline is None or target is None):
        raise ServiceError(_("Give a baseline and a target (only milestones go from 0 to 1 by themselves)."),
                           field="baseline" if baseline is None else "target")
    accountable = (_units([fields["accountable_unit"]], "accountable_unit")[0] if "accountable_unit" in fields
                   else kr.accountable_unit)
    contributors = (_units(fields["contributors"] or [], "contributors") if "contributors" in fields
                    else list(kr.contributors))
    extra = {"value_source": fields.get("value_source")} if "value_source" in fields or kr is None else {}
    return okr_service.save_key_result(
        kr, parent or kr.objective, title=fields.get("title", kr.title if kr else ""), metric=metric,
        baseline=0.0 if baseline is None else baseline, target=1.0 if target is None else target,
        accountable_unit=accountable, contributors=contributors,
        weight=fields.get("weight", kr.weight if kr else 1.0) or 1.0,
        commitment=fields.get("commitment", kr.commitment if kr else "committed") or "committed",
        by=by, expected_version=version, **extra)


@operation
def retire_key_result(kr: KeyResult, by, version: int) -> KeyResult:
    return okr_service.retire_key_result(kr, by, version)


# -- incentives --------------------------------------------------------------------------------

@operation
def save_incentive(found: Incentive | None, fields: dict, by, version: int | None = None) -> Incentive:
    """A new incentive (found None) or found with fields changed: the form's rules (a share within
    the unit's bonus in the plan period, no duplicate row) are incentives.operations'."""
    unit = _units([fields["unit"]], "unit")[0] if "unit" in fields else found.unit
    metric = _metric(fields["metric"]) if "metric" in fields else found.metric
    keep = (lambda name, default: fields[name] if name in fields else getattr(found, name, default))
    return incentive_service.save_incentive(
        found, unit=unit, name=keep("name", ""), metric=metric, direction=keep("direction", "increase"),
        weight=keep("weight", 0.0), target=keep("target", None), period=keep("period", "") or "",
        note=keep("note", "") or "", by=by, expected_version=version)


def retire_incentive(found: Incentive, by, version: int) -> Incentive:
    incentive_service.retire_incentive(found, by, version)  # an operation of its own
    return found
