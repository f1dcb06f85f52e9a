"""What the conflict pages show: the filtered list (counts per level, then one page of items) and one
item with what its page reads, each in a fixed number of queries. Reads only: the decisions are
in operations."""
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.admin.operations import units_by_name
from okrapp.conflicts.models import ITEM_STATUS_LABELS, OPEN_STATUSES, ConflictItem, ConflictItemEvent, current_items
from okrapp.conflicts.operations import current_scan_state
from okrapp.conflicts.visibility import visible_items_clause
from okrapp.conflicts.rules.items import LEVELS, MAJOR_LEVELS
from okrapp.core import policy
from okrapp.core.extensions import db
from okrapp.incentives.models import PlanPeriod
from okrapp.okrs.metric_models import Metric
from okrapp.reviews.models import ReviewDecision, ReviewMeeting

# "open" is every item still open (open, acknowledged, sent to review); the items whose own status
# is open, not yet acted on, are "new": one value per option, so the filter shows what it applies
STATUS_FILTERS = {"open": OPEN_STATUSES, "all": None, "new": ("open",),
                  **{s: (s,) for s in ITEM_STATUS_LABELS if s != "open"}}
LEVEL_FILTERS = {"major": MAJOR_LEVELS, "all": None, **{name: (name,) for name, _, _ in LEVELS}, "tension": ("tension",)}


@dataclass
class ItemList:
    items: list
    units: list  # the unit filter's choices: only for those who see every item
    by_level: dict
    folded: dict  # items of the other levels, counted where the level filter hides them
    page: object
    state: object
    names: dict
    coming: list  # [(period, items)] the plans for coming periods would bring


def metric_names() -> dict[str, str]:
    return dict(db.session.execute(select(Metric.key, Metric.name)).all())


def item_list(user, status: str, level: str, unit_id: int | None, page_for) -> ItemList:
    """The items user may open under the filters; page_for(total) picks the page once the level's
    total is known."""
    scope = policy.conflict_unit_scope(user)
    query = _filtered(scope, status, unit_id)
    by_level = _count_by_level(query)
    if LEVEL_FILTERS[level]:
        query = query.where(ConflictItem.level.in_(LEVEL_FILTERS[level]))
    page = page_for(sum(by_level.get(name, 0) for name in LEVEL_FILTERS[level] or by_level))
    shown = db.session.scalars(query.order_by(ConflictItem.level == "tension", ConflictItem.severity.desc(),
                                              ConflictItem.id)
                               .options(joinedload(ConflictItem.review_meeting), _settled_by())
                               .limit(page.per_page).offset(page.offset)).all()
    folded = {name: n for name, n in by_level.items() if LEVEL_FILTERS[level] and name not in LEVEL_FILTERS[level]}
    units = units_by_name() if scope is None else []
    return ItemList(shown, units, by_level, folded, page, current_scan_state(), metric_names(), coming_items(scope))


COMING_SHOWN = 50  # per period, worst first; a plan's own page lists all it would bring


def coming_items(scope: list[int] | None) -> list[tuple[PlanPeriod, list[ConflictItem]]]:
    """Per coming period, the still-open items its plans would bring (that today's scan does not find)."""
    query = (select(ConflictItem).join(ConflictItem.horizon)
             .where(ConflictItem.horizon_id.is_not(None), ConflictItem.present.is_(True),
                    ConflictItem.status.in_(OPEN_STATUSES))
             .options(joinedload(ConflictItem.horizon), joinedload(ConflictItem.review_meeting))
             .order_by(PlanPeriod.starts_on, ConflictItem.level == "tension", ConflictItem.severity.desc()))
    if scope is not None:
        query = query.where(visible_items_clause(scope))
    grouped = {}
    for item in db.session.scalars(query):
        shown = grouped.setdefault(item.horizon, [])
        if len(shown) < COMING_SHOWN:
            shown.append(item)
    return list(grouped.items())


def _filtered(scope: list[int] | None, status: str, unit_id: int | None):
    query = select(ConflictItem).where(current_items())
    if _status_clause(status) is not None:
        query = query.where(_status_clause(status))
    if scope is not None:
        query = query.where(visible_items_clause(scope))
    if unit_id:
        query = query.where(visible_items_clause([unit_id]))
    return query


def _status_clause(status: str):
    """"Still open" also keeps what a decision settled but the scan still detects."""
    if status == "open":
        return or_(ConflictItem.status.in_(OPEN_STATUSES),
                   and_(ConflictItem.status == "resolved", ConflictItem.present.is_(True),
                        ConflictItem.settled_by_id.is_not(None)))
    return ConflictItem.status.in_(STATUS_FILTERS[status]) if STATUS_FILTERS[status] else None


def _count_by_level(query) -> dict[str, int]:
    counted = query.with_only_columns(ConflictItem.level, func.count(ConflictItem.id)).group_by(ConflictItem.level)
    return dict(db.session.execute(counted).all())


def _settled_by():
    """The decision that settled an item, with the review it was taken in (a scheduled one names it)."""
    return joinedload(ConflictItem.settled_by).joinedload(ReviewDecision.meeting).joinedload(ReviewMeeting.schedule)


def item_or_404(item_id: int) -> ConflictItem:
    """The item with what its page reads: its review, the decision that settled it, its history."""
    return db.first_or_404(select(ConflictItem).where(ConflictItem.id == item_id).options(
        joinedload(ConflictItem.review_meeting), _settled_by(),
        selectinload(ConflictItem.events).joinedload(ConflictItemEvent.actor)))
