"""Incentives per unit, the legacy KPI sheet import, proposals, and influence links."""
import base64

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.formatting import day, number
from okrapp.core.timeutil import to_local as local
from okrapp.core.web.forms import show_service_error
from okrapp.core.words import _, ngettext
from okrapp.core.versioning import parse_version
from okrapp.core.web.views import (
    committed, import_previewed, form_status, saved, sheet_download, stale_page, uploaded_sheet)
from okrapp.reviews.decisions import COMPARATORS, describe_proposal
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.admin import operations as admin_operations
from okrapp.incentives import operations as service
from okrapp.incentives import plans
from okrapp.incentives.periods import is_coming
from okrapp.incentives import pairs
from okrapp.incentives.forms import (ConfirmImportForm, DecisionForm, ImportForm, IncentiveForm, LinkForm, PairForm,
                                     ProposalForm)

bp = Blueprint("incentives", __name__)


@bp.get("/incentives")
@policy.require(policy.can_view_incentives)
def incentives():
    return _incentives_page()


def _incentives_page(proposal_form=None, proposing=None, status=200):
    """The incentives of the units one may see; proposing: the unit whose proposal came back with
    errors, shown open with what was typed."""
    return render_template("incentives/list.html", **service.incentives_page(current_user),
                           proposal_form=proposal_form or ProposalForm(formdata=None), proposing=proposing,
                           decision_form=DecisionForm(), describe=describe_proposal, comparators=COMPARATORS,
                           plan_status_labels=plans.STATUS_LABELS), status


@bp.route("/incentives/new", methods=["GET", "POST"])
@bp.route("/incentives/<int:incentive_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def edit_incentive(incentive_id=None):
    incentive = service.incentive_or_404(incentive_id) if incentive_id else None
    form = IncentiveForm(obj=incentive)
    units, metrics = service.incentive_choices()
    form.unit.choices = units
    form.metric.choices = [(i, f"{name}{' (' + unit + ')' if unit else ''}") for i, name, unit in metrics]
    if incentive and request.method == "GET":
        form.unit.data, form.metric.data = incentive.unit_id, incentive.metric_id
    if form.validate_on_submit() and saved(form, lambda: service.submit_incentive(
            incentive, unit_id=form.unit.data, name=form.name.data, metric_id=form.metric.data,
            direction=form.direction.data, weight=form.weight.data, target=form.target.data,
            period=form.period.data or "", note=form.note.data or "", by=current_user,
            expected_version=parse_version(form.version.data)),
            _("Incentive saved; conflicts are re-checked in the background.")):
        return redirect(url_for("incentives.incentives"))
    return render_template("incentives/form.html", form=form, incentive=incentive), form_status(form)


@bp.post("/incentives/<int:incentive_id>/retire")
@policy.require(policy.can_manage_incentives)
def retire_incentive(incentive_id):
    incentive = service.incentive_or_404(incentive_id)
    try:
        service.retire_incentive(incentive, current_user, parse_version(request.form.get("version")))
    except StaleEdit as error:
        return stale_page(error, url_for("incentives.incentives"))
    flash(_("“%(name)s” retired; conflicts are re-checked in the background.", name=incentive.name))
    return redirect(url_for("incentives.incentives"))


def _import_page(form, status=200, **context):
    metrics, units = service.import_choices()
    max_bytes, max_rows = service.sheet_limits()
    return render_template("incentives/import.html", form=form, metrics=metrics, units=units,
                           max_rows=max_rows, max_size=max_bytes,
                           **{"report": None, **_report_words(context.get("report")), **context}), status


def _report_words(report) -> dict:
    """The preview's counted sentences, each a whole phrase in both forms (counts of thousands spaced)."""
    if report is None:
        return {}
    problems, lines, rows = len(report.problems), len({line for line, _message in report.problems}), len(report.rows)
    return {"problem_summary": ngettext(
                "%(problems)s on %(num)s line: nothing will be imported until the sheet is fixed.",
                "%(problems)s on %(num)s lines: nothing will be imported until the sheet is fixed.", lines,
                num=number(lines), problems=ngettext("%(num)s problem", "%(num)s problems", problems,
                                                     num=number(problems))),
            "import_label": ngettext("Import %(num)s incentive", "Import %(num)s incentives", rows, num=number(rows))}


@bp.route("/incentives/import", methods=["GET", "POST"])
@policy.require(policy.can_manage_incentives)
def import_sheet():
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422 if form.errors else 200)
    data = uploaded_sheet(form, service.sheet_limits()[0])
    if data is None:
        return _import_page(form, 413)
    report = service.preview_sheet(data, form.period.data or "")
    confirm = ConfirmImportForm(payload=base64.b64encode(data).decode(), period=form.period.data or "")
    return _import_page(form, 200 if report.ok else 422, report=report, confirm=confirm,
                        filename=form.sheet.data.filename, what_if=service.sheet_what_if(report, form.period.data))


@bp.get("/incentives/import/template.<kind>")
@policy.require(policy.can_manage_incentives)
def import_template(kind):
    return sheet_download(kind, service.sheet_template, "okrapp-kpi-sheet")


@bp.post("/incentives/import/confirm")
@policy.require(policy.can_manage_incentives)
def confirm_import():
    form = ConfirmImportForm()

    def done(created):
        flash(ngettext("Imported %(num)s incentive. See the conflicts they cause below.",
                       "Imported %(num)s incentives. See the conflicts they cause below.", created, num=number(created)))
        return redirect(url_for("conflicts.items"))
    return import_previewed(form, lambda data: service.import_sheet(data, current_user, form.period.data or ""),
                          url_for("incentives.import_sheet"), done)


@bp.get("/incentives/plans/<int:plan_id>")
@policy.require(policy.can_view_incentives)
def plan(plan_id):
    found = plans.plan_or_404(plan_id)
    policy.ensure(policy.can_view_incentives(current_user, found.unit))
    return render_template("incentives/plan.html", plan=found, what_if=plans.what_if(found),
                           coming=is_coming(found.period), plan_status_labels=plans.STATUS_LABELS)


@bp.post("/incentives/plans/<int:plan_id>/review")
@policy.require(policy.can_run_reviews)
def send_plan_to_review(plan_id):
    found = plans.plan_or_404(plan_id)
    try:
        plans.send_to_review(found, current_user, parse_version(request.form.get("version")))
    except StaleEdit as error:
        return stale_page(error, url_for("incentives.plan", plan_id=plan_id))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("incentives.plan", plan_id=plan_id))
    flash(_("The plan of %(unit)s for %(period)s is on the agenda of the review of %(day)s.", unit=found.unit.name,
            period=found.period.name, day=day(local(found.review_meeting.starts_at))))
    return redirect(url_for("incentives.plan", plan_id=plan_id))


@bp.post("/units/<int:unit_id>/proposals")
@policy.require(policy.can_view)
def propose(unit_id):
    unit = admin_operations.unit_or_404(unit_id)
    policy.ensure(policy.can_propose_incentive_change(current_user, unit))
    form = ProposalForm()
    own, metrics = service.proposal_choices(unit)
    form.incentive.choices = [(0, "—")] + [(i.id, i.name) for i in own.values()]
    form.guard_metric.choices = [(0, "—")] + [(m.id, m.name) for m in metrics.values()]
    if not form.validate_on_submit():
        flash(_("The proposal was not sent: see the highlighted fields below."), "error")
        return _incentives_page(form, unit.id, 422)
    try:
        service.submit_proposal(unit, form.text.data, current_user, own.get(form.incentive.data), change=form.change.data,
                        new_weight=form.new_weight.data, new_target=form.new_target.data,
                        guard_metric=metrics.get(form.guard_metric.data),
                        guard_comparator=form.guard_comparator.data, guard_threshold=form.guard_threshold.data,
                        effective_on=form.effective_on.data)
    except ServiceError as error:
        show_service_error(form, error)
        return _incentives_page(form, unit.id, 422)
    return committed(_("Proposal sent to the leadership team; it is on the next priority review's agenda."),
                     "incentives.incentives", _anchor=f"unit-{unit.id}")


@bp.post("/proposals/<int:proposal_id>/decide")
@policy.require(policy.can_manage_incentives)
def decide(proposal_id):
    proposal = service.proposal_or_404(proposal_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "decline"):
        abort(400)
    try:
        service.decide_proposal(proposal, form.decision.data == "accept", form.answer.data or "", current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Proposal declined."))
    return redirect(url_for("incentives.incentives"))


@bp.get("/influence-links")
@policy.require(policy.can_view)
def links():
    return _links_page()


def _links_page(pair_form=None, status=200):
    """The links by source metric and the catalogue's counterweights; pair_form: an add that came back
    with errors, shown with what was chosen."""
    return render_template("incentives/links.html", by_metric=service.links_by_metric(), pairs=pairs.pair_list(),
                           pair_form=pair_form or (_pair_form(formdata=None) if policy.can_edit_links(current_user)
                                                   else None)), status


def _metric_choices():
    return [(m.id, m.name) for m in service.metrics_by_name()]


def _pair_form(**kwargs):
    form = PairForm(**kwargs)
    form.metric.choices = form.counter.choices = _metric_choices()
    return form


@bp.post("/influence-links/pairs")
@policy.require(policy.can_edit_links)
def add_pair():
    form = _pair_form()
    if form.validate_on_submit() and saved(form, lambda: pairs.add_pair(form.metric.data, form.counter.data,
                                                                        current_user), _("Counterweight added.")):
        return redirect(url_for("incentives.links", _anchor="counterweights"))
    return _links_page(form, 422)


@bp.post("/influence-links/pairs/<int:pair_id>/remove")
@policy.require(policy.can_edit_links)
def remove_pair(pair_id):
    try:
        pairs.remove_pair(pair_id, current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Counterweight removed."))
    return redirect(url_for("incentives.links", _anchor="counterweights"))


def _link_form(link=None):
    form = LinkForm(obj=link)
    form.source.choices = form.target.choices = _metric_choices()
    if link and request.method == "GET":
        form.source.data, form.target.data, form.sign.data = link.source_id, link.target_id, str(link.sign)
    return form


@bp.route("/influence-links/new", methods=["GET", "POST"])
@bp.route("/influence-links/<int:link_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_links)
def edit_link(link_id=None):
    link = service.link_or_404(link_id) if link_id else None
    form = _link_form(link)
    if form.validate_on_submit() and saved(form, lambda: service.submit_link(
            link, source_id=form.source.data, target_id=form.target.data,
            sign=int(form.sign.data), strength=form.strength.data, rationale=form.rationale.data or "",
            by=current_user, expected_version=parse_version(form.version.data)),
            _("Influence link saved; conflicts are re-checked in the background.")):
        return redirect(url_for("incentives.links"))
    return render_template("incentives/link_form.html", form=form, link=link), form_status(form)


@bp.post("/influence-links/<int:link_id>/delete")
@policy.require(policy.can_edit_links)
def delete_link(link_id):
    try:
        service.delete_link(service.link_or_404(link_id), current_user, parse_version(request.form.get("version")))
    except StaleEdit as error:
        return stale_page(error, url_for("incentives.links"))
    flash(_("Influence link removed; conflicts are re-checked in the background."))
    return redirect(url_for("incentives.links"))
