"""Admin pages: units, cycles, plan periods, the outbox and the jobs."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core.background import jobs as background
from okrapp.core import mail, policy
from okrapp.core.errors import ServiceError
from okrapp.core.versioning import parse_version
from okrapp.core.web.views import form_status, saved
from okrapp.admin import operations as admin_service
from okrapp.admin import periods as plan_periods
from okrapp.domain.calendar import quarter_of
from okrapp.core.timeutil import local_today
from okrapp.admin.forms import CycleForm, PeriodForm, RerunForm, UnitForm
from okrapp.core.words import _

bp = Blueprint("admin", __name__)


def _form_page(template, form, **context):
    return render_template(template, form=form, **context), form_status(form)


@bp.get("/units")
@policy.require(policy.can_view)
def units():
    return render_template("admin/units.html", units=admin_service.units_with_leaders())


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_units)
def edit_unit(unit_id=None):
    unit = admin_service.unit_or_404(unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    leaders = {u.id: u for u in admin_service.possible_leaders()}
    form.leaders.choices = [(u.id, f"{u.name} ({u.role_label})") for u in leaders.values()]
    if unit and request.method == "GET":
        form.leaders.data = [u.id for u in unit.leaders]
    if form.validate_on_submit() and saved(form, lambda: admin_service.save_unit(
            unit, form.name.data, form.kind.data, form.description.data or "",
            [leaders[i] for i in form.leaders.data], current_user, parse_version(form.version.data)), _("Unit saved.")):
        return redirect(url_for("admin.units"))
    return _form_page("admin/unit_form.html", form, unit=unit)


@bp.get("/cycles")
@policy.require(policy.can_view)
def cycles():
    return render_template("admin/cycles.html", cycles=admin_service.cycles_newest_first(), today=local_today())


@bp.route("/cycles/new", methods=["GET", "POST"])
@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_cycles)
def edit_cycle(cycle_id=None):
    cycle = admin_service.cycle_or_404(cycle_id) if cycle_id else None
    form = CycleForm(obj=cycle)
    if cycle is None and request.method == "GET":
        form.name.data, form.starts_on.data, form.ends_on.data = quarter_of(local_today())
    if form.validate_on_submit() and saved(form, lambda: admin_service.save_cycle(
            cycle, form.name.data, form.starts_on.data, form.ends_on.data, current_user,
            parse_version(form.version.data)), _("Cycle saved.")):
        return redirect(url_for("admin.cycles"))
    return _form_page("admin/cycle_form.html", form, cycle=cycle)


@bp.get("/periods")
@policy.require(policy.can_view_periods)
def periods():
    rows = plan_periods.periods_with_counts()
    return render_template("admin/periods.html", rows=rows, undated=sum(1 for p, _count in rows if not p.dated))


@bp.route("/periods/new", methods=["GET", "POST"])
@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_periods)
def edit_period(period_id=None):
    period = plan_periods.period_or_404(period_id) if period_id else None
    form = PeriodForm(obj=period)
    if form.validate_on_submit() and saved(form, lambda: plan_periods.save_period(
            period, form.name.data, form.starts_on.data, form.ends_on.data, current_user,
            parse_version(form.version.data)), _("Plan period saved.")):
        return redirect(url_for("admin.periods"))
    return _form_page("admin/period_form.html", form, period=period)


@bp.get("/outbox")
@policy.require(policy.can_see_operations)
def outbox():
    status = request.args.get("status") or None
    return render_template("admin/outbox.html", messages=admin_service.outbox_messages(status), status=status,
                           retryable=mail.retryable)


@bp.post("/outbox/<int:message_id>/retry")
@policy.require(policy.can_see_operations)
def retry_message(message_id):
    message = admin_service.message_or_404(message_id)
    try:
        admin_service.retry_message(message)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("The message to %(recipient)s is queued again; the scheduler sends it within seconds.",
                recipient=message.recipient))
    return redirect(url_for("admin.outbox"))


@bp.get("/jobs")
@policy.require(policy.can_see_operations)
def jobs():
    return render_template("admin/jobs.html", runs=admin_service.latest_runs(), gave_up=background.gave_up(),
                           form=RerunForm())


@bp.post("/jobs/<int:run_id>/rerun")
@policy.require(policy.can_see_operations)
def rerun_job(run_id):
    """Queue the run for the scheduler (the work itself never runs in a web request)."""
    run = admin_service.run_or_404(run_id)
    try:
        admin_service.rerun_job(run)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("%(job)s %(period)s will run again on the scheduler's next tick.", job=run.job, period=run.period))
    return redirect(url_for("admin.jobs"))
