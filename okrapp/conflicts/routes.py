"""Conflict items: the list a leadership team reviews, one item's evidence and history, and what
leadership decides about it."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..domain.conflict_items import LEVELS, MAJOR_LEVELS
from ..extensions import db
from ..models import ConflictItem, ConflictItemEvent, Metric, Unit
from ..models.conflict import ITEM_STATUS_LABELS, OPEN_STATUSES
from ..pagination import requested_page
from ..services import ServiceError, StaleEdit
from ..services import conflicts as service
from ..validators import bounded_int
from . import bp
from .forms import ItemActionForm

ITEMS_PER_PAGE = 30
PAIRS_PER_PAGE = 50
# "open" is every item still open (open, acknowledged, sent to review); the items whose own status
# is open, not yet acted on, are "new": one value per option, so the filter shows what it applies
STATUS_FILTERS = {"open": OPEN_STATUSES, "all": None, "new": ("open",),
                  **{s: (s,) for s in ITEM_STATUS_LABELS if s != "open"}}


def _status_clause(status: str):
    """"Still open" also keeps what a decision settled but the scan still detects."""
    if status == "open":
        return or_(ConflictItem.status.in_(OPEN_STATUSES),
                   and_(ConflictItem.status == "resolved", ConflictItem.present.is_(True),
                        ConflictItem.settled_by_id.is_not(None)))
    return ConflictItem.status.in_(STATUS_FILTERS[status]) if STATUS_FILTERS[status] else None
LEVEL_FILTERS = {"major": MAJOR_LEVELS, "all": None, **{name: (name,) for name, _, _ in LEVELS}, "tension": ("tension",)}


def metric_names() -> dict[str, str]:
    return dict(db.session.execute(select(Metric.key, Metric.name)).all())


@bp.get("/conflicts")
@policy.require(policy.can_view)
def items():
    status = request.args.get("status") if request.args.get("status") in STATUS_FILTERS else "open"
    level = request.args.get("level") if request.args.get("level") in LEVEL_FILTERS else "major"
    unit_id = bounded_int(request.args.get("unit"))
    query = select(ConflictItem)
    if _status_clause(status) is not None:
        query = query.where(_status_clause(status))
    scope = service.visible_items_clause(policy.conflict_unit_scope(current_user))
    if scope is not None:
        query = query.where(scope)
    if unit_id:
        query = query.where(service.visible_items_clause([unit_id]))
    by_level = _count_by_level(query)
    if LEVEL_FILTERS[level]:
        query = query.where(ConflictItem.level.in_(LEVEL_FILTERS[level]))
    page = requested_page(sum(by_level.get(name, 0) for name in LEVEL_FILTERS[level] or by_level), ITEMS_PER_PAGE)
    shown = db.session.scalars(query.order_by(ConflictItem.level == "tension", ConflictItem.severity.desc(),
                                              ConflictItem.id)
                               .options(joinedload(ConflictItem.review_meeting), joinedload(ConflictItem.settled_by))
                               .limit(page.per_page).offset(page.offset)).all()
    folded = {name: n for name, n in by_level.items() if LEVEL_FILTERS[level] and name not in LEVEL_FILTERS[level]}
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all() if policy.conflict_unit_scope(
        current_user) is None else []
    return render_template("conflicts/list.html", items=shown, units=units, unit_id=unit_id, level=level,
                           status=status, statuses=ITEM_STATUS_LABELS, by_level=by_level, folded=folded,
                           state=service.current_scan_state(), names=metric_names(), page=page, levels=LEVELS)


def _count_by_level(query) -> dict[str, int]:
    counted = query.with_only_columns(ConflictItem.level, func.count(ConflictItem.id)).group_by(ConflictItem.level)
    return dict(db.session.execute(counted).all())


@bp.route("/conflicts/<int:item_id>", methods=["GET", "POST"])
@policy.require(policy.can_view)
def item(item_id):
    found = db.session.scalar(select(ConflictItem).where(ConflictItem.id == item_id).options(
        joinedload(ConflictItem.review_meeting), joinedload(ConflictItem.settled_by),
        selectinload(ConflictItem.events).joinedload(ConflictItemEvent.actor))) or abort(404)
    policy.ensure(policy.can_view_conflict_item(current_user, found))
    form = ItemActionForm()
    status = 200
    if request.method == "POST":
        policy.ensure(policy.can_act_on_conflicts(current_user))
        if form.validate_on_submit():
            try:
                if form.version.data and form.version.data.isdigit() and int(form.version.data) != found.version:
                    raise StaleEdit("This conflict changed since you opened it. Nothing of yours was saved; "
                                    "look at it again and decide.")
                service.act_on_item(found, form.action.data, current_user, form.note.data or "")
            except ServiceError as error:
                db.session.rollback()
                form.note.errors = [error.message]
                status = 409 if isinstance(error, StaleEdit) else 422
            else:
                db.session.commit()
                flash(f"{service.ACTIONS[form.action.data][3]}.")
                return redirect(url_for("conflicts.item", item_id=found.id))
        else:
            status = 422
    page = requested_page(found.pairs if not found.is_tension else found.tension_pairs, PAIRS_PER_PAGE)
    pairs, total = service.item_evidence(found, page.per_page, page.offset)
    return render_template("conflicts/detail.html", item=found, form=form, actions=service.ACTIONS,
                           names=metric_names(), pairs=pairs, page=page, levels=LEVELS,
                           state=service.current_scan_state()), status
