"""Objectives, key results and check-ins."""
import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..formatting import counted
from ..forms import show_service_error
from ..models import CheckIn, Cycle, KeyResult, Metric, Objective, Unit
from ..services import NeedsConfirmation, ServiceError, StaleEdit
from ..services import admin as admin_service
from ..services import check_in_import
from ..services import okrs as okr_service
from ..services.incentives import sheet_limits
from ..services import scoreboard
from ..timeutil import local_today
from ..pagination import requested_page
from ..urls import safe_path
from ..services.versioning import parse_version
from ..views import form_status, import_previewed, saved, sheet_download, stale_form, uploaded_sheet

OBJECTIVES_PER_PAGE = 25
from . import bp
from .forms import (CarryForm, CheckInForm, CheckInImportForm, ConfirmCheckInImportForm, CorrectionForm, KeyResultForm, MetricForm, ObjectiveForm, RankForm,
                    int_or_none)


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
        flash("An admin must create a cycle before objectives can be added.", "error")
    elif form.validate_on_submit():
        objective = okr_service.create_objective(db.session.get(Cycle, form.cycle.data), form.title.data,
                                                 form.description.data or "", current_user)
        db.session.commit()
        flash("Objective created. Add its key results next.")
        return redirect(url_for("okrs.new_key_result", objective_id=objective.id))
    return render_template("okrs/objective_form.html", form=form, objective=None), 422 if form.errors else 200


@bp.get("/objectives/<int:objective_id>")
@policy.require(policy.can_view)
def objective(objective_id):
    view, recent = scoreboard.objective_detail(objective_id, local_today()) or abort(404)
    carry_form = CarryForm()
    carry_form.cycle.choices = [(c.id, c.name) for c in scoreboard.cycles() if c.id != view.objective.cycle_id]
    return render_template("okrs/objective.html", view=view, recent=recent, carry_form=carry_form)


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def edit_objective(objective_id):
    item = db.get_or_404(Objective, objective_id)
    form = ObjectiveForm(obj=item)
    del form.cycle
    if form.validate_on_submit() and saved(form, lambda: okr_service.update_objective(
            item, form.title.data, form.description.data or "", current_user, parse_version(form.version.data)),
            "Objective saved."):
        return redirect(url_for("okrs.objective", objective_id=item.id))
    return render_template("okrs/objective_form.html", form=form, objective=item), form_status(form)


@bp.post("/objectives/<int:objective_id>/rank")
@policy.require(policy.can_rank)
def rank_objective(objective_id):
    item = db.get_or_404(Objective, objective_id)
    form = RankForm()
    if not form.validate_on_submit():
        abort(400)
    okr_service.move_objective(item, form.rank.data, current_user, form.reason.data or "")
    db.session.commit()
    return redirect(safe_path(request.form.get("back"),
                              url_for("okrs.objectives", cycle=item.cycle_id) + f"#objective-{item.id}"))


@bp.post("/objectives/<int:objective_id>/carry")
@policy.require(policy.can_edit_okrs)
def carry_objective(objective_id):
    item = db.get_or_404(Objective, objective_id)
    form = CarryForm()
    form.cycle.choices = [(c.id, c.name) for c in scoreboard.cycles()]
    if not form.validate_on_submit():
        flash("Choose a cycle to carry the objective into.", "error")
        return redirect(url_for("okrs.objective", objective_id=item.id))
    try:
        copy, left = okr_service.carry_forward(item, db.session.get(Cycle, form.cycle.data), current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("okrs.objective", objective_id=item.id))
    db.session.commit()
    flash(f"Carried into {copy.cycle.name} with {counted(len(copy.key_results), 'key result', 'key results')}; last values are the new baselines.")
    for kr in left:
        flash(f"“{kr.title}” reached its target and was not carried.")
    return redirect(url_for("okrs.objective", objective_id=copy.id))


def _key_result_form(kr=None):
    form = KeyResultForm(obj=kr) if kr else KeyResultForm()
    metrics = db.session.scalars(select(Metric).order_by(Metric.builtin.desc(), Metric.name)).all()
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    form.metric.choices = [(m.id, f"{m.name} ({m.range_label}{' ' + m.unit if m.unit else ''})") for m in metrics]
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
        saved = okr_service.save_key_result(
            kr, objective, title=form.title.data, metric=metric, baseline=form.baseline.data,
            target=form.target.data, accountable_unit=units[form.accountable_unit.data],
            contributors=[units[i] for i in form.contributors.data], weight=form.weight.data,
            commitment=form.commitment.data, by=current_user, expected_version=int_or_none(form.version.data),
            value_source=form.value_source.data or None)
    except StaleEdit as error:
        db.session.rollback()
        flash(error.message, "error")
        return "stale"
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error)
        return None
    db.session.commit()
    return saved


@bp.route("/objectives/<int:objective_id>/key-results/new", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def new_key_result(objective_id):
    item = db.get_or_404(Objective, objective_id)
    form, metrics, units = _key_result_form()
    if request.method == "POST":
        saved = _save_key_result(form, metrics, units, None, item)
        if saved:
            flash("Key result added.")
            return redirect(url_for("okrs.objective", objective_id=item.id))
    return render_template("okrs/key_result_form.html", form=form, objective=item, kr=None,
                           no_units=not units), 422 if form.errors else 200


@bp.route("/key-results/<int:kr_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_edit_okrs)
def edit_key_result(kr_id):
    kr = db.get_or_404(KeyResult, kr_id)
    form, metrics, units = _key_result_form(kr=kr)
    if request.method == "POST":
        saved = _save_key_result(form, metrics, units, kr, kr.objective)
        if saved == "stale":
            return render_template("okrs/key_result_form.html", form=form, objective=kr.objective, kr=kr,
                                   no_units=False, current=db.session.get(KeyResult, kr_id)), 409
        if saved:
            flash("Key result saved.")
            return redirect(url_for("okrs.objective", objective_id=kr.objective_id))
    return render_template("okrs/key_result_form.html", form=form, objective=kr.objective, kr=kr,
                           no_units=False), 422 if form.errors else 200


@bp.route("/key-results/<int:kr_id>/check-in", methods=["GET", "POST"])
@policy.require(policy.can_view)
def check_in(kr_id):
    kr = db.get_or_404(KeyResult, kr_id)
    if request.method == "POST":
        policy.ensure(policy.can_check_in(current_user, kr))
    form = CheckInForm()
    if request.method == "GET":
        form.version.data = kr.version
    status, needs_confirmation = 200, False
    if form.validate_on_submit():
        status, needs_confirmation = _record_value(form, kr, lambda: okr_service.record_check_in(
            kr, form.value.data, form.confidence.data, form.comment.data or "", current_user,
            expected_version=int_or_none(form.version.data), confirmed=form.confirm.data))
        if status == 200:
            flash(f"Check-in saved for “{kr.title}”.")
            return redirect(safe_path(request.form.get("back"), url_for("okrs.objective", objective_id=kr.objective_id)))
    elif form.errors:
        status = 422
    return render_template("okrs/check_in.html", kr=kr, form=form, needs_confirmation=needs_confirmation,
                           back=safe_path(request.form.get("back"), ""),
                           can_check_in=policy.can_check_in(current_user, kr)), status


def _record_value(form, kr: KeyResult, save) -> tuple[int, bool]:
    """Run save (a check-in or its correction) for form: (status, needs confirmation). 200: saved
    and committed. 409: the key result was saved meanwhile; the form now carries its version, so
    saving again is deliberate. 422: refused, the message on its field, and the confirmation box
    for a value far off its path."""
    kr_id = kr.id
    try:
        save()
    except StaleEdit as error:
        db.session.rollback()
        error.current_version = db.session.get(KeyResult, kr_id).version
        stale_form(form, error)
        return 409, False
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error)
        return 422, isinstance(error, NeedsConfirmation)
    db.session.commit()
    return 200, False


@bp.route("/check-ins/<int:check_in_id>/correct", methods=["GET", "POST"])
@policy.require(policy.can_view)
def correct_check_in(check_in_id):
    """Owner or executive replaces a wrong value; the history keeps both, with who, when and why."""
    original = db.get_or_404(CheckIn, check_in_id)
    kr = original.key_result
    policy.ensure(policy.can_correct_check_in(current_user, kr))
    form = CorrectionForm()
    if request.method == "GET":
        form.version.data = kr.version
    status, needs_confirmation = 200, False
    if form.validate_on_submit():
        status, needs_confirmation = _record_value(form, kr, lambda: okr_service.correct_check_in(
            original, form.value.data, form.reason.data, current_user, confirmed=form.confirm.data,
            expected_version=int_or_none(form.version.data)))
        if status == 200:
            flash(f"Check-in corrected for “{kr.title}”; the history keeps both values.")
            return redirect(url_for("dashboard.key_result", kr_id=kr.id))
    elif form.errors:
        status = 422
    return render_template("okrs/correct_check_in.html", kr=kr, original=original, form=form,
                           needs_confirmation=needs_confirmation), status


@bp.get("/my/key-results")
@policy.require(policy.can_view)
def my_key_results():
    today = local_today()
    cycle = scoreboard.current_cycle(today, int_or_none(request.args.get("cycle")))
    views = scoreboard.my_key_results(current_user, cycle, today) if cycle else []
    return render_template("okrs/my_key_results.html", cycle=cycle, cycles=scoreboard.cycles(), views=views,
                           form=CheckInForm())


@bp.get("/metrics")
@policy.require(policy.can_view)
def metrics():
    items = db.session.scalars(select(Metric).order_by(Metric.builtin.desc(), Metric.name)).all()
    return render_template("okrs/metrics.html", metrics=items)


@bp.route("/metrics/new", methods=["GET", "POST"])
@policy.require(policy.can_manage_metrics)
def new_metric():
    form = MetricForm()
    if form.validate_on_submit():
        try:
            admin_service.create_metric(form.name.data, form.unit.data or "", form.min_value.data, form.max_value.data)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            db.session.commit()
            flash("Metric added to the catalogue.")
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
        flash(f"Imported {counted(count, 'check-in', 'check-ins')}.")
        return redirect(url_for("okrs.home"))
    return import_previewed(ConfirmCheckInImportForm(), lambda data: check_in_import.import_check_ins(data, current_user),
                          url_for("okrs.import_check_ins"), done)
