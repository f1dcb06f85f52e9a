"""Conflict findings: list, detail with history, and what leadership decides about each."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import policy
from ..extensions import db
from ..models import ConflictFinding, FindingEvent, Metric, Unit, finding_units
from ..models.incentive import FINDING_KINDS, FINDING_STATUS_LABELS, OPEN_STATUSES
from ..pagination import requested_page
from ..services import ServiceError
from ..services.conflicts import ACTIONS, act_on_finding
from . import bp
from .forms import FindingActionForm

FINDINGS_PER_PAGE = 30
STATUS_FILTERS = {"open": OPEN_STATUSES, "all": None, **{s: (s,) for s in FINDING_STATUS_LABELS}}


def chain(finding: ConflictFinding) -> list[list[tuple[str, int | None]]]:
    """Each path as [(metric key, sign of the link into it)], for drawing."""
    paths, signs = json.loads(finding.paths), json.loads(finding.path_signs)
    return [[(metric, None if i == 0 else s[i - 1]) for i, metric in enumerate(p)] for p, s in zip(paths, signs)]


def metric_names() -> dict[str, str]:
    return dict(db.session.execute(select(Metric.key, Metric.name)).all())


@bp.get("/conflicts")
@policy.require(policy.can_view)
def findings():
    unit_id = request.args.get("unit", type=int)
    kind = request.args.get("kind") if request.args.get("kind") in FINDING_KINDS else None
    status = request.args.get("status", "open")
    query = select(ConflictFinding).options(selectinload(ConflictFinding.units)).order_by(
        ConflictFinding.severity.desc(), ConflictFinding.id)
    if STATUS_FILTERS.get(status):
        query = query.where(ConflictFinding.status.in_(STATUS_FILTERS[status]))
    if kind:
        query = query.where(ConflictFinding.kind == kind)
    if unit_id:
        query = query.where(ConflictFinding.id.in_(
            select(finding_units.c.finding_id).where(finding_units.c.unit_id == unit_id)))
    scope = policy.finding_unit_scope(current_user)
    if scope is not None:
        query = query.where(ConflictFinding.id.in_(select(finding_units.c.finding_id).where(
            finding_units.c.unit_id.in_(scope))))
    page = requested_page(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())),
                          FINDINGS_PER_PAGE)
    items = db.session.scalars(query.limit(page.per_page).offset(page.offset)).all()
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    return render_template("conflicts/list.html", findings=items, units=units, unit_id=unit_id, kind=kind,
                           status=status if status in STATUS_FILTERS else "open", kinds=FINDING_KINDS,
                           statuses=FINDING_STATUS_LABELS, chain=chain, names=metric_names(), page=page)


@bp.route("/conflicts/<int:finding_id>", methods=["GET", "POST"])
@policy.require(policy.can_view)
def finding(finding_id):
    item = db.session.scalar(select(ConflictFinding).where(ConflictFinding.id == finding_id).options(
        selectinload(ConflictFinding.units),
        selectinload(ConflictFinding.events).joinedload(FindingEvent.actor))) or abort(404)
    policy.ensure(policy.can_view_finding(current_user, item))
    form = FindingActionForm()
    status = 200
    if request.method == "POST":
        policy.ensure(policy.can_act_on_findings(current_user))
        if form.validate_on_submit():
            try:
                act_on_finding(item, form.action.data, current_user, form.note.data or "")
            except ServiceError as error:
                db.session.rollback()
                form.note.errors = [error.message]
                status = 422
            else:
                db.session.commit()
                flash(f"{ACTIONS[form.action.data][3]}.")
                return redirect(url_for("conflicts.finding", finding_id=item.id))
        else:
            status = 422
    return render_template("conflicts/detail.html", finding=item, form=form, chain=chain,
                           actions=ACTIONS, names=metric_names()), status
