"""Who sees which conflict items: a unit leader the items whose goal classes one of their units takes
part in (its incentives, or key results it is accountable for or contributes to); everyone else with
access, all of them (core.policy.conflict_unit_scope says whose units count)."""
from sqlalchemy import and_, or_, select

from okrapp.conflicts.models import ConflictItem, ConflictItemClass
from okrapp.core import policy
from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today
from okrapp.incentives.models import Incentive
from okrapp.conflicts.goals import scanned_cycles
from okrapp.okrs.models import KeyResult, Objective, kr_contributors


def visible_to(user, statement):
    """statement (a select of ConflictItem) cut to the items user may open."""
    clause = visible_items_clause(policy.conflict_unit_scope(user))
    return statement if clause is None else statement.where(clause)


def visible_items_clause(unit_ids: list[int] | None):
    """A where-clause for ConflictItem: the items whose goal classes one of these units takes part in
    (its incentives, or key results it is accountable for or contributes to); None: all items."""
    if unit_ids is None:
        return None
    classes = _classes_of_units(unit_ids)
    if not classes:
        return ConflictItem.id.is_(None)
    matches = or_(*(and_(ConflictItemClass.metric_id == m, ConflictItemClass.direction == d,
                         ConflictItemClass.is_incentive.is_(i)) for m, d, i in classes))
    return ConflictItem.id.in_(select(ConflictItemClass.item_id).where(matches))


def _classes_of_units(unit_ids: list[int]) -> set[tuple[int, int, bool]]:
    if not unit_ids:
        return set()
    found = {(m, 1 if d == "increase" else -1, True) for m, d in db.session.execute(
        select(Incentive.metric_id, Incentive.direction).where(Incentive.unit_id.in_(unit_ids),
                                                               Incentive.active.is_(True)).distinct())}
    contributing = select(kr_contributors.c.key_result_id).where(kr_contributors.c.unit_id.in_(unit_ids))
    found |= {(m, 1 if t > b else -1, False) for m, t, b in db.session.execute(
        select(KeyResult.metric_id, KeyResult.target, KeyResult.baseline).join(Objective)
        .where(scanned_cycles(local_today()),
               or_(KeyResult.accountable_unit_id.in_(unit_ids), KeyResult.id.in_(contributing))))}
    return found


def can_view(user, item: ConflictItem) -> bool:
    """A unit leader opens only the items their units take part in (core.policy says whose those are)."""
    scope = policy.conflict_unit_scope(user)
    return scope is None or item.id in visible_item_ids(scope, [item.id])


def visible_item_ids(unit_ids: list[int] | None, item_ids) -> set[int]:
    """Of item_ids, those these units may open (all when unit_ids is None)."""
    item_ids = set(item_ids)
    clause = visible_items_clause(unit_ids)
    if clause is None or not item_ids:
        return item_ids
    return set(db.session.scalars(select(ConflictItem.id).where(ConflictItem.id.in_(item_ids), clause)))
