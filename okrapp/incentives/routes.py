"""Incentives per unit, the legacy KPI sheet import, proposals, and influence links."""
import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..extensions import db
from ..formatting import counted
from ..forms import show_service_error
from ..services.versioning import parse_version
from ..views import committed, import_previewed, form_status, saved, sheet_download, stale_page, uploaded_sheet
from ..models import Incentive, IncentiveProposal, IncentiveVersion, Metric, MetricLink, Unit
from ..services.decisions import COMPARATORS, describe_proposal
from ..services import ServiceError, StaleEdit
from ..services import incentives as service
from . import bp
from .forms import ConfirmImportForm, DecisionForm, ImportForm, IncentiveForm, LinkForm, ProposalForm


def _metrics():
    return db.session.scalars(select(Metric).order_by(Metric.name)).all()


@bp.get("/incentives")
@policy.require(policy.can_view_incentives)
def incentives():
    return _incentives_page()


def _incentives_page(proposal_form=None, proposing=None, status=200):
    """The incentives of the units one may see; proposing: the unit whose proposal came back with
    errors, shown open with what was typed."""
    units = [u for u in db.session.scalars(select(Unit).order_by(Unit.name))
             if policy.can_view_incentives(current_user, u)]
    visible = [u.id for u in units]
    items = db.session.scalars(
        select(Incentive).where(Incentive.unit_id.in_(visible))
        .options(joinedload(Incentive.metric), joinedload(Incentive.unit), joinedload(Incentive.guard_metric),
                 selectinload(Incentive.versions).joinedload(IncentiveVersion.changed_by))
        .order_by(Incentive.active.desc(), Incentive.weight.desc())).all()
    proposals = db.session.scalars(
        select(IncentiveProposal).where(IncentiveProposal.unit_id.in_(visible))
        .options(joinedload(IncentiveProposal.proposed_by), joinedload(IncentiveProposal.unit),
                 joinedload(IncentiveProposal.incentive), joinedload(IncentiveProposal.guard_metric))
        .order_by(IncentiveProposal.status != "open", IncentiveProposal.proposed_at.desc())).all()
    by_unit = {u.id: [] for u in units}
    for item in items:
        by_unit[item.unit_id].append(item)
    return render_template("incentives/list.html", units=units, by_unit=by_unit, proposals=proposals,
                           proposal_form=proposal_form or ProposalForm(formdata=None), proposing=proposing,
                           decision_form=DecisionForm(), metrics=_metrics(),
                           describe=describe_proposal, comparators=COMPARATORS), status


@bp.route("/incentives/new", methods=["GET", "POST"])
@bp.route("/incentives/<int:incentive_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def edit_incentive(incentive_id=None):
    incentive = db.get_or_404(Incentive, incentive_id) if incentive_id else None
    form = IncentiveForm(obj=incentive)
    # the choices as plain rows: 200 units need not become 200 objects on every save
    form.unit.choices = [(i, name) for i, name in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name))]
    form.metric.choices = [(i, f"{name}{' (' + unit + ')' if unit else ''}") for i, name, unit in db.session.execute(
        select(Metric.id, Metric.name, Metric.unit).order_by(Metric.name))]
    if incentive and request.method == "GET":
        form.unit.data, form.metric.data = incentive.unit_id, incentive.metric_id
    if form.validate_on_submit() and saved(form, lambda: service.save_incentive(
            incentive, unit=db.session.get(Unit, form.unit.data), name=form.name.data,
            metric=db.session.get(Metric, form.metric.data),
            direction=form.direction.data, weight=form.weight.data, target=form.target.data,
            period=form.period.data or "", note=form.note.data or "", by=current_user,
            expected_version=parse_version(form.version.data)),
            "Incentive saved; conflicts are re-checked in the background."):
        return redirect(url_for("incentives.incentives"))
    return render_template("incentives/form.html", form=form, incentive=incentive), form_status(form)


@bp.post("/incentives/<int:incentive_id>/retire")
@policy.require(policy.can_manage_incentives)
def retire_incentive(incentive_id):
    incentive = db.get_or_404(Incentive, incentive_id)
    try:
        service.retire_incentive(incentive, current_user, parse_version(request.form.get("version")))
    except StaleEdit as error:
        db.session.rollback()
        return stale_page(error, url_for("incentives.incentives"))
    db.session.commit()
    flash(f"“{incentive.name}” retired; conflicts are re-checked in the background.")
    return redirect(url_for("incentives.incentives"))


def _import_page(form, status=200, **context):
    metrics = _metrics()
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    max_bytes, max_rows = service.sheet_limits()
    return render_template("incentives/import.html", form=form, metrics=metrics, units=units,
                           max_rows=max_rows, max_size=max_bytes,
                           **{"report": None, **context}), status


@bp.route("/incentives/import", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def import_sheet():
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422 if form.errors else 200)
    data = uploaded_sheet(form, service.sheet_limits()[0])
    if data is None:
        return _import_page(form, 413)
    report = service.preview_sheet(data)
    confirm = ConfirmImportForm(payload=base64.b64encode(data).decode(), period=form.period.data or "")
    return _import_page(form, 200 if report.ok else 422, report=report, confirm=confirm,
                        filename=form.sheet.data.filename)


@bp.get("/incentives/import/template.<kind>")
@policy.require(policy.can_manage_incentives)
def import_template(kind):
    return sheet_download(kind, service.sheet_template, "okrapp-kpi-sheet")


@bp.post("/incentives/import/confirm")
@policy.require(policy.can_manage_incentives)
def confirm_import():
    form = ConfirmImportForm()

    def done(created):
        flash(f"Imported {counted(created, 'incentive', 'incentives')}. See the conflicts they cause below.")
        return redirect(url_for("conflicts.items"))
    return import_previewed(form, lambda data: service.import_sheet(data, current_user, form.period.data or ""),
                          url_for("incentives.import_sheet"), done)


@bp.post("/units/<int:unit_id>/proposals")
@policy.require(policy.can_view)
def propose(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    policy.ensure(policy.can_propose_incentive_change(current_user, unit))
    form = ProposalForm()
    own = {i.id: i for i in db.session.scalars(select(Incentive).where(Incentive.unit_id == unit.id,
                                                                          Incentive.active.is_(True)))}
    form.incentive.choices = [(0, "—")] + [(i.id, i.name) for i in own.values()]
    metrics = {m.id: m for m in _metrics()}
    form.guard_metric.choices = [(0, "—")] + [(m.id, m.name) for m in metrics.values()]
    if not form.validate_on_submit():
        flash("The proposal was not sent: see the highlighted fields below.", "error")
        return _incentives_page(form, unit.id, 422)
    try:
        service.propose(unit, form.text.data, current_user, own.get(form.incentive.data), change=form.change.data,
                        new_weight=form.new_weight.data, new_target=form.new_target.data,
                        guard_metric=metrics.get(form.guard_metric.data),
                        guard_comparator=form.guard_comparator.data, guard_threshold=form.guard_threshold.data,
                        effective_on=form.effective_on.data)
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error)
        return _incentives_page(form, unit.id, 422)
    return committed("Proposal sent to the leadership team; it is on the next priority review's agenda.",
                     "incentives.incentives", _anchor=f"unit-{unit.id}")


@bp.post("/proposals/<int:proposal_id>/decide")
@policy.require(policy.can_manage_incentives)
def decide(proposal_id):
    proposal = db.get_or_404(IncentiveProposal, proposal_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "decline"):
        abort(400)
    try:
        service.decide_proposal(proposal, form.decision.data == "accept", form.answer.data or "", current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Proposal declined.")
    return redirect(url_for("incentives.incentives"))


@bp.get("/influence-links")
@policy.require(policy.can_view)
def links():
    items = db.session.scalars(select(MetricLink).options(joinedload(MetricLink.source), joinedload(MetricLink.target),
                                                          joinedload(MetricLink.updated_by))).all()
    by_metric = {}
    for link in sorted(items, key=lambda l: (l.source.name, -l.strength)):
        by_metric.setdefault(link.source, []).append(link)
    form = _link_form()
    return render_template("incentives/links.html", by_metric=by_metric, form=form)


def _link_form(link=None):
    form = LinkForm(obj=link)
    choices = [(m.id, m.name) for m in _metrics()]
    form.source.choices = form.target.choices = choices
    if link and request.method == "GET":
        form.source.data, form.target.data, form.sign.data = link.source_id, link.target_id, str(link.sign)
    return form


@bp.route("/influence-links/new", methods=["GET", "POST"])
@bp.route("/influence-links/<int:link_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_links)
def edit_link(link_id=None):
    link = db.get_or_404(MetricLink, link_id) if link_id else None
    form = _link_form(link)
    if form.validate_on_submit() and saved(form, lambda: service.save_link(
            link, source=db.session.get(Metric, form.source.data), target=db.session.get(Metric, form.target.data),
            sign=int(form.sign.data), strength=form.strength.data, rationale=form.rationale.data or "",
            by=current_user, expected_version=parse_version(form.version.data)),
            "Influence link saved; conflicts are re-checked in the background."):
        return redirect(url_for("incentives.links"))
    return render_template("incentives/link_form.html", form=form, link=link), form_status(form)


@bp.post("/influence-links/<int:link_id>/delete")
@policy.require(policy.can_edit_links)
def delete_link(link_id):
    try:
        service.delete_link(db.get_or_404(MetricLink, link_id), current_user, parse_version(request.form.get("version")))
    except StaleEdit as error:
        db.session.rollback()
        return stale_page(error, url_for("incentives.links"))
    db.session.commit()
    flash("Influence link removed; conflicts are re-checked in the background.")
    return redirect(url_for("incentives.links"))
