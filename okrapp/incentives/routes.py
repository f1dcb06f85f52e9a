"""Incentives per unit, the legacy KPI sheet import, proposals, and influence links."""
import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import policy
from ..extensions import db
from ..views import saved
from ..models import Incentive, IncentiveProposal, Metric, MetricLink, Unit
from ..services import ServiceError
from ..services import incentives as service
from . import bp
from .forms import ConfirmImportForm, DecisionForm, ImportForm, IncentiveForm, LinkForm, ProposalForm


def _metrics():
    return db.session.scalars(select(Metric).order_by(Metric.name)).all()


@bp.get("/incentives")
@policy.require(policy.can_view_incentives)
def incentives():
    units = [u for u in db.session.scalars(select(Unit).order_by(Unit.name))
             if policy.can_view_incentives(current_user, u)]
    visible = [u.id for u in units]
    items = db.session.scalars(
        select(Incentive).where(Incentive.unit_id.in_(visible))
        .options(joinedload(Incentive.metric), joinedload(Incentive.unit))
        .order_by(Incentive.active.desc(), Incentive.weight.desc())).all()
    proposals = db.session.scalars(
        select(IncentiveProposal).where(IncentiveProposal.unit_id.in_(visible))
        .options(joinedload(IncentiveProposal.proposed_by), joinedload(IncentiveProposal.unit))
        .order_by(IncentiveProposal.status != "open", IncentiveProposal.proposed_at.desc())).all()
    by_unit = {u.id: [] for u in units}
    for item in items:
        by_unit[item.unit_id].append(item)
    return render_template("incentives/list.html", units=units, by_unit=by_unit, proposals=proposals,
                           proposal_form=ProposalForm(), decision_form=DecisionForm())


@bp.route("/incentives/new", methods=["GET", "POST"])
@bp.route("/incentives/<int:incentive_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def edit_incentive(incentive_id=None):
    incentive = db.get_or_404(Incentive, incentive_id) if incentive_id else None
    form = IncentiveForm(obj=incentive)
    units = {u.id: u for u in db.session.scalars(select(Unit).order_by(Unit.name))}
    metrics = {m.id: m for m in _metrics()}
    form.unit.choices = [(u.id, u.name) for u in units.values()]
    form.metric.choices = [(m.id, f"{m.name}{' (' + m.unit + ')' if m.unit else ''}") for m in metrics.values()]
    if incentive and request.method == "GET":
        form.unit.data, form.metric.data = incentive.unit_id, incentive.metric_id
    if form.validate_on_submit() and saved(form, lambda: service.save_incentive(
            incentive, unit=units[form.unit.data], name=form.name.data, metric=metrics[form.metric.data],
            direction=form.direction.data, weight=form.weight.data, target=form.target.data,
            period=form.period.data or "", note=form.note.data or "", by=current_user),
            "Incentive saved; conflicts were re-checked."):
        return redirect(url_for("incentives.incentives"))
    return render_template("incentives/form.html", form=form, incentive=incentive), 422 if form.errors else 200


@bp.post("/incentives/<int:incentive_id>/retire")
@policy.require(policy.can_manage_incentives)
def retire_incentive(incentive_id):
    incentive = db.get_or_404(Incentive, incentive_id)
    service.retire_incentive(incentive, current_user)
    db.session.commit()
    flash(f"“{incentive.name}” retired; conflicts were re-checked.")
    return redirect(url_for("incentives.incentives"))


@bp.route("/incentives/import", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def import_sheet():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("incentives/import.html", form=form, report=None), 422 if form.errors else 200
    data = form.sheet.data.read()
    report = service.preview_sheet(data)
    confirm = ConfirmImportForm(payload=base64.b64encode(data).decode(), period=form.period.data or "")
    return render_template("incentives/import.html", form=form, report=report, confirm=confirm,
                           filename=form.sheet.data.filename), 200 if report.ok else 422


@bp.post("/incentives/import/confirm")
@policy.require(policy.can_manage_incentives)
def confirm_import():
    form = ConfirmImportForm()
    try:
        data = base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not form.validate_on_submit() or not data:
        flash("The import could not be read; upload the sheet again.", "error")
        return redirect(url_for("incentives.import_sheet"))
    try:
        created = service.import_sheet(data, current_user, form.period.data or "")
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("incentives.import_sheet"))
    db.session.commit()
    flash(f"Imported {len(created)} incentive(s). See the conflicts they cause below.")
    return redirect(url_for("conflicts.findings"))


@bp.post("/units/<int:unit_id>/proposals")
@policy.require(policy.can_view)
def propose(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    policy.ensure(policy.can_propose_incentive_change(current_user, unit))
    form = ProposalForm()
    if form.validate_on_submit():
        service.propose(unit, form.text.data, current_user)
        db.session.commit()
        flash("Proposal sent to the leadership team.")
    else:
        flash("Describe the change you propose.", "error")
    return redirect(url_for("incentives.incentives") + f"#unit-{unit.id}")


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
        flash("Proposal " + ("accepted." if form.decision.data == "accept" else "declined."))
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
            by=current_user), "Influence link saved; conflicts were re-checked."):
        return redirect(url_for("incentives.links"))
    return render_template("incentives/link_form.html", form=form, link=link), 422 if form.errors else 200


@bp.post("/influence-links/<int:link_id>/delete")
@policy.require(policy.can_edit_links)
def delete_link(link_id):
    service.delete_link(db.get_or_404(MetricLink, link_id), current_user)
    db.session.commit()
    flash("Influence link removed; conflicts were re-checked.")
    return redirect(url_for("incentives.links"))
