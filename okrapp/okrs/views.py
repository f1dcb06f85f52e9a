"""Objectives, key results and check-ins."""
import base64

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from okrapp.core import policy
from okrapp.core.web.forms import show_service_error
from okrapp.core.words import _, ngettext
from okrapp.okrs.models import KeyResult
from okrapp.core.errors import NeedsConfirmation, ServiceError, StaleEdit
from okrapp.okrs import check_in_import
from okrapp.okrs import operations as okr_service
from okrapp.incentives.operations import sheet_limits
from okrapp.incentives.pairs import pairs_by_metric
from okrapp.okrs import scoreboard
from okrapp.core.timeutil import local_today
from okrapp.core.web.pagination import requested_page
from okrapp.core.web.urls import safe_path
from okrapp.core.versioning import parse_version
from okrapp.core.caching.pages import cached_page
from okrapp.core.web.views import form_status, import_previewed, saved, sheet_download, stale_form, uploaded_sheet

OBJECTIVES_PER_PAGE = 25
from okrapp.okrs.forms import (
    CarryForm, CheckInForm, CheckInImportForm, ConfirmCheckInImportForm, CorrectionForm, KeyResultForm, MetricForm,
    ObjectiveForm, RankForm)
from okrapp.core.web.validators import bounded_int as int_or_none

bp = Blueprint("okrs", __name__)


@bp.get("/")
@login_required
def home():
    """Each role's home: the dashboard, my key results, or the board's summaries."""
    if current_user.role == "unit_leader":
        return redirect(url_for("okrs.my_key_results"))
    if current_user.role == "board":
        return redirect(url_for("board.archive"))
    return redirect(url_for("dashboard.executive"))


@bp.get("/objectives")
@policy.require(policy.can_view)
@cached_page("okrs")
def objectives():
    today = local_today()
    cycle = scoreboard.current_cycle(today, int_or_none(request.args.get("cycle")))
    page = requested_page(scoreboard.objective_count(cycle) if cycle else 0, OBJECTIVES_PER_PAGE)
    views = scoreboard.scoreboard(cycle, today, page.per_page, page.offset) if cycle else []
    return render_template("okrs/objectives.html", cycle=cycle, cycles=scoreboard.cycles(), views=views,
                           rank_form=RankForm(), page=page)


@bp.route("/objectives/new", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def new_objective():
    form = ObjectiveForm()
    all_cycles = scoreboard.cycles()
    form.cycle.choices = [(c.id, c.name) for c in all_cycles]
    if request.method == "GET":
        current = scoreboard.current_cycle(local_today(), int_or_none(request.args.get("cycle")))
        form.cycle.data = current.id if current else None
    if not all_cycles:
        flash(_("An admin must create a cycle before objectives can be added."), "error")
    elif form.validate_on_submit():
        objective = okr_service.add_objective(form.cycle.data, form.title.data, form.description.data or "",
                                              current_user)
        flash(_("Objective created. Add its key results next."))
        return redirect(url_for("okrs.new_key_result", objective_id=objective.id))
    return render_template("okrs/objective_form.html", form=form, objective=None), 422 if form.errors else 200


@bp.get("/objectives/<int:objective_id>")
@policy.require(policy.can_view)
@cached_page("okrs", "reviews", "conflicts")
def objective(objective_id):
    view, recent = scoreboard.objective_detail(objective_id, local_today()) or abort(404)
    carry_form = CarryForm()
    carry_form.cycle.choices = [(c.id, c.name) for c in scoreboard.cycles() if c.id != view.objective.cycle_id]
    return render_template("okrs/objective.html", view=view, recent=recent, carry_form=carry_form)


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def edit_objective(objective_id):
    item = okr_service.objective_or_404(objective_id)
    form = ObjectiveForm(obj=item)
    del form.cycle
    if form.validate_on_submit() and saved(form, lambda: okr_service.update_objective(
            item, form.title.data, form.description.data or "", current_user, parse_version(form.version.data)),
            _("Objective saved.")):
        return redirect(url_for("okrs.objective", objective_id=item.id))
    return render_template("okrs/objective_form.html", form=form, objective=item), form_status(form)


@bp.post("/objectives/<int:objective_id>/rank")
@policy.require(policy.can_rank)
def rank_objective(objective_id):
    item = okr_service.objective_or_404(objective_id)
    form = RankForm()
    if not form.validate_on_submit():
        abort(400)
    okr_service.rank_objective(item, form.rank.data, current_user, form.reason.data or "")
    return redirect(safe_path(request.form.get("back"),
                              url_for("okrs.objectives", cycle=item.cycle_id) + f"#objective-{item.id}"))


@bp.post("/objectives/<int:objective_id>/carry")
@policy.require(policy.can_edit_okrs)
def carry_objective(objective_id):
    item = okr_service.objective_or_404(objective_id)
    form = CarryForm()
    form.cycle.choices = [(c.id, c.name) for c in scoreboard.cycles()]
    if not form.validate_on_submit():
        flash(_("Choose a cycle to carry the objective into."), "error")
        return redirect(url_for("okrs.objective", objective_id=item.id))
    try:
        copy, left = okr_service.carry_objective(item, form.cycle.data, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("okrs.objective", objective_id=item.id))
    flash(ngettext("Carried into %(cycle)s with %(num)s key result; last values are the new baselines.",
                   "Carried into %(cycle)s with %(num)s key results; last values are the new baselines.",
                   len(copy.key_results), cycle=copy.cycle.name))
    for kr in left:
        flash(_("“%(title)s” reached its target and was not carried.", title=kr.title))
    return redirect(url_for("okrs.objective", objective_id=copy.id))


def _key_result_form(kr=None):
    form = KeyResultForm(obj=kr) if kr else KeyResultForm()
    metrics, units = okr_service.key_result_choices()
    form.metric.choices = [(m.id, f"{m.label} ({m.range_label}{' ' + m.unit if m.unit else ''})") for m in metrics]
    form.accountable_unit.choices = [(u.id, f"{u.name} · {u.kind_label}") for u in units]
    form.contributors.choices = [(u.id, f"{u.name} · {u.kind_label}") for u in units]
    if kr and request.method == "GET":
        form.metric.data = kr.metric_id
        form.accountable_unit.data = kr.accountable_unit_id
        form.contributors.data = [u.id for u in kr.contributors]
        form.version.data = kr.version
    return form, {m.id: m for m in metrics}, {u.id: u for u in units}


def _save_key_result(form, metrics, units, kr, objective):
    metric = metrics.get(form.metric.data)
    if not form.validate_on_submit() or not form.validate_numbers(metric is not None and metric.is_milestone):
        return None
    try:
        saved = okr_service.submit_key_result(
            kr, objective, title=form.title.data, metric=metric, baseline=form.baseline.data,
            target=form.target.data, accountable_unit=units[form.accountable_unit.data],
            contributors=[units[i] for i in form.contributors.data], weight=form.weight.data,
            commitment=form.commitment.data, by=current_user, expected_version=int_or_none(form.version.data),
            value_source=form.value_source.data or None)
    except StaleEdit as error:
        flash(error.message, "error")
        return "stale"
    except ServiceError as error:
        show_service_error(form, error)
        return None
    return saved


@bp.route("/objectives/<int:objective_id>/key-results/new", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def new_key_result(objective_id):
    item = okr_service.objective_or_404(objective_id)
    form, metrics, units = _key_result_form()
    if request.method == "POST":
        saved = _save_key_result(form, metrics, units, None, item)
        if saved:
            flash(_("Key result added."))
            return redirect(url_for("okrs.objective", objective_id=item.id))
    return render_template("okrs/key_result_form.html", form=form, objective=item, kr=None,
                           no_units=not units), 422 if form.errors else 200


@bp.route("/key-results/<int:kr_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def edit_key_result(kr_id):
    kr = okr_service.key_result_or_404(kr_id)
    form, metrics, units = _key_result_form(kr=kr)
    if request.method == "POST":
        saved = _save_key_result(form, metrics, units, kr, kr.objective)
        if saved == "stale":
            return render_template("okrs/key_result_form.html", form=form, objective=kr.objective, kr=kr,
                                   no_units=False, current=okr_service.saved_key_result(kr_id)), 409
        if saved:
            flash(_("Key result saved."))
            return redirect(url_for("okrs.objective", objective_id=kr.objective_id))
    return render_template("okrs/key_result_form.html", form=form, objective=kr.objective, kr=kr,
                           no_units=False), 422 if form.errors else 200


@bp.route("/key-results/<int:kr_id>/check-in", methods=["GET", "POST"])
@policy.require(policy.can_view)
def check_in(kr_id):
    kr = okr_service.key_result_or_404(kr_id)
    if request.method == "POST":
        policy.ensure(policy.can_check_in(current_user, kr))
    form = CheckInForm()
    if request.method == "GET":
        form.version.data = kr.version
    status, needs_confirmation = 200, False
    if form.validate_on_submit():
        status, needs_confirmation = _record_value(form, kr, lambda: okr_service.submit_check_in(
            kr, form.value.data, form.confidence.data, form.comment.data or "", current_user,
            expected_version=int_or_none(form.version.data), confirmed=form.confirm.data))
        if status == 200:
            flash(_("Check-in saved for “%(title)s”.", title=kr.title))
            return redirect(safe_path(request.form.get("back"), url_for("okrs.objective", objective_id=kr.objective_id)))
    elif form.errors:
        status = 422
    return render_template("okrs/check_in.html", kr=kr, form=form, needs_confirmation=needs_confirmation,
                           back=safe_path(request.form.get("back"), ""),
                           can_check_in=policy.can_check_in(current_user, kr)), status


def _record_value(form, kr: KeyResult, save) -> tuple[int, bool]:
    """Run save (an operation: a check-in or its correction) for form: (status, needs confirmation).
    200: saved. 409: the key result was saved meanwhile; the form now carries its version, so
    saving again is deliberate. 422: refused, the message on its field, and the confirmation box
    for a value far off its path."""
    kr_id = kr.id
    try:
        save()
    except StaleEdit as error:
        error.current_version = okr_service.saved_key_result(kr_id).version
        stale_form(form, error)
        return 409, False
    except ServiceError as error:
        show_service_error(form, error)
        return 422, isinstance(error, NeedsConfirmation)
    return 200, False


@bp.route("/check-ins/<int:check_in_id>/correct", methods=["GET", "POST"])
@policy.require(policy.can_view)
def correct_check_in(check_in_id):
    """Owner or executive replaces a wrong value; the history keeps both, with who, when and why."""
    original = okr_service.check_in_or_404(check_in_id)
    kr = original.key_result
    policy.ensure(policy.can_correct_check_in(current_user, kr))
    form = CorrectionForm()
    if request.method == "GET":
        form.version.data = kr.version
    status, needs_confirmation = 200, False
    if form.validate_on_submit():
        status, needs_confirmation = _record_value(form, kr, lambda: okr_service.submit_correction(
            original, form.value.data, form.reason.data, current_user, confirmed=form.confirm.data,
            expected_version=int_or_none(form.version.data)))
        if status == 200:
            flash(_("Check-in corrected for “%(title)s”; the history keeps both values.", title=kr.title))
            return redirect(url_for("dashboard.key_result", kr_id=kr.id))
    elif form.errors:
        status = 422
    return render_template("okrs/correct_check_in.html", kr=kr, original=original, form=form,
                           needs_confirmation=needs_confirmation), status


@bp.get("/my/key-results")
@policy.require(policy.can_view)
@cached_page("okrs")
def my_key_results():
    today = local_today()
    cycle = scoreboard.current_cycle(today, int_or_none(request.args.get("cycle")))
    views = scoreboard.my_key_results(current_user, cycle, today) if cycle else []
    return render_template("okrs/my_key_results.html", cycle=cycle, cycles=scoreboard.cycles(), views=views,
                           form=CheckInForm())


@bp.get("/metrics")
@policy.require(policy.can_view)
def metrics():
    return render_template("okrs/metrics.html", metrics=okr_service.metric_catalogue(), pairs=pairs_by_metric())


@bp.route("/metrics/new", methods=["GET", "POST"])
@policy.require(policy.can_manage_metrics)
def new_metric():
    form = MetricForm()
    if form.validate_on_submit():
        try:
            okr_service.add_metric(form.name.data, form.unit.data or "", form.min_value.data, form.max_value.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Metric added to the catalogue."))
            return redirect(url_for("okrs.metrics"))
    return render_template("okrs/metric_form.html", form=form), 422 if form.errors else 200


@bp.route("/check-ins/import", methods=["GET", "POST"])
@policy.require(policy.can_import_check_ins)
def import_check_ins():
    """A sheet of check-ins (.xlsx or CSV): every row checked and shown before anything is saved."""
    form = CheckInImportForm()
    if not form.validate_on_submit():
        return render_template("okrs/import_check_ins.html", form=form, report=None), 422 if form.errors else 200
    data = uploaded_sheet(form, sheet_limits()[0])
    if data is None:
        return render_template("okrs/import_check_ins.html", form=form, report=None), 413
    report = check_in_import.preview(data, current_user)
    confirm = ConfirmCheckInImportForm(payload=base64.b64encode(data).decode())
    return render_template("okrs/import_check_ins.html", form=form, report=report, confirm=confirm,
                           filename=form.sheet.data.filename), 200 if report.ok else 422


@bp.get("/check-ins/import/template.<kind>")
@policy.require(policy.can_import_check_ins)
def check_in_template(kind):
    return sheet_download(kind, check_in_import.template, "okrapp-check-ins")


@bp.post("/check-ins/import/confirm")
@policy.require(policy.can_import_check_ins)
def confirm_check_in_import():
    def done(count):
        flash(ngettext("Imported %(num)s check-in.", "Imported %(num)s check-ins.", count))
        return redirect(url_for("okrs.home"))
    return import_previewed(ConfirmCheckInImportForm(), lambda data: check_in_import.import_check_ins(data, current_user),
                          url_for("okrs.import_check_ins"), done)
