"""Admin pages: users, units, cycles."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import jobs as background
from .. import mail, policy
from ..extensions import db
from ..services.versioning import parse_version
from ..views import form_status, saved
from ..models import Cycle, JobRun, OutboxMessage, Unit, User
from ..services import admin as admin_service
from ..domain.calendar import quarter_of
from ..timeutil import local_today
from . import bp
from .forms import CycleForm, RerunForm, UnitForm, UserForm


def _all(model, order):
    return db.session.scalars(select(model).order_by(order)).all()


def _form_page(template, form, **context):
    return render_template(template, form=form, **context), form_status(form)


@bp.get("/users")
@policy.require(policy.can_manage_users)
def users():
    items = db.session.scalars(select(User).order_by(User.active.desc(), User.name)
                               .options(selectinload(User.units))).all()
    return render_template("admin/users.html", users=items)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_users)
def edit_user(user_id=None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user)
    units = {u.id: u for u in _all(Unit, Unit.name)}
    form.units.choices = [(u.id, u.name) for u in units.values()]
    if user and request.method == "GET":
        form.units.data = [u.id for u in user.units]
    if user:
        del form.email
    if form.validate_on_submit():
        chosen = [units[i] for i in form.units.data]
        if user is None and not form.password.data:
            form.password.errors = list(form.password.errors) + ["A new user needs a password."]
        elif user is None and saved(form, lambda: admin_service.create_user(
                form.email.data, form.name.data, form.role.data, form.password.data, chosen),
                "User created."):
            return redirect(url_for("admin.users"))
        elif user is not None and saved(form, lambda: admin_service.update_user(
                user, form.name.data, form.role.data, form.active.data, chosen, form.password.data or None,
                current_user, parse_version(form.version.data)),
                "User saved."):
            return redirect(url_for("admin.users"))
    return _form_page("admin/user_form.html", form, user=user)


@bp.get("/units")
@policy.require(policy.can_view)
def units():
    items = db.session.scalars(select(Unit).order_by(Unit.kind, Unit.name).options(selectinload(Unit.leaders))).all()
    return render_template("admin/units.html", units=items)


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_units)
def edit_unit(unit_id=None):
    unit = db.get_or_404(Unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    leaders = {u.id: u for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))}
    form.leaders.choices = [(u.id, f"{u.name} ({u.role_label})") for u in leaders.values()]
    if unit and request.method == "GET":
        form.leaders.data = [u.id for u in unit.leaders]
    if form.validate_on_submit() and saved(form, lambda: admin_service.save_unit(
            unit, form.name.data, form.kind.data, form.description.data or "",
            [leaders[i] for i in form.leaders.data], current_user, parse_version(form.version.data)), "Unit saved."):
        return redirect(url_for("admin.units"))
    return _form_page("admin/unit_form.html", form, unit=unit)


@bp.get("/cycles")
@policy.require(policy.can_view)
def cycles():
    return render_template("admin/cycles.html", cycles=_all(Cycle, Cycle.starts_on.desc()), today=local_today())


@bp.route("/cycles/new", methods=["GET", "POST"])
@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_cycles)
def edit_cycle(cycle_id=None):
    cycle = db.get_or_404(Cycle, cycle_id) if cycle_id else None
    form = CycleForm(obj=cycle)
    if cycle is None and request.method == "GET":
        form.name.data, form.starts_on.data, form.ends_on.data = quarter_of(local_today())
    if form.validate_on_submit() and saved(form, lambda: admin_service.save_cycle(
            cycle, form.name.data, form.starts_on.data, form.ends_on.data, current_user,
            parse_version(form.version.data)), "Cycle saved."):
        return redirect(url_for("admin.cycles"))
    return _form_page("admin/cycle_form.html", form, cycle=cycle)


@bp.get("/outbox")
@policy.require(policy.can_see_operations)
def outbox():
    status = request.args.get("status") or None
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if status:
        query = query.where(OutboxMessage.status == status)
    return render_template("admin/outbox.html", messages=db.session.scalars(query).all(), status=status,
                           retryable=mail.retryable)


@bp.post("/outbox/<int:message_id>/retry")
@policy.require(policy.can_see_operations)
def retry_message(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    if not mail.retryable(message):
        flash("Only a failed, waiting or stuck message can be retried.", "error")
        return redirect(url_for("admin.outbox"))
    mail.retry(message)
    db.session.commit()
    flash(f"The message to {message.recipient} is queued again; the scheduler sends it within seconds.")
    return redirect(url_for("admin.outbox"))


@bp.get("/jobs")
@policy.require(policy.can_see_operations)
def jobs():
    runs = db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(100)).all()
    return render_template("admin/jobs.html", runs=runs, gave_up=background.gave_up(), form=RerunForm())


@bp.post("/jobs/<int:run_id>/rerun")
@policy.require(policy.can_see_operations)
def rerun_job(run_id):
    """Queue the run for the scheduler (the work itself never runs in a web request)."""
    run = db.get_or_404(JobRun, run_id)
    try:
        background.schedule_rerun(run)
    except ValueError:
        flash("Only a failed run can be re-run.", "error")
        return redirect(url_for("admin.jobs"))
    db.session.commit()
    flash(f"{run.job} {run.period} will run again on the scheduler's next tick.")
    return redirect(url_for("admin.jobs"))
