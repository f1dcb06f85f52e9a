"""People getting in and managing themselves: login and logout, their password, their API tokens and
calendar link; admins' pages for people."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from okrapp.accounts import people, throttle
from okrapp.accounts import tokens as api_tokens
from okrapp.accounts.forms import ConfirmForm, LoginForm, LogoutForm, PasswordForm, TokenForm, UserForm
from okrapp.accounts.operations import (LoginThrottled, change_password, issue_token, log_in, log_out,
                                        revoke_own_token)
from okrapp.admin.operations import units_by_name
from okrapp.core import policy
from okrapp.core.errors import ServiceError
from okrapp.core.versioning import parse_version
from okrapp.core.web.forms import show_service_error
from okrapp.core.web.urls import safe_path
from okrapp.core.web.views import form_status, saved
from okrapp.exports import operations as exports

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("okrs.home"))
    form = LoginForm(next=request.args.get("next", ""))
    headers = {}
    status = 200 if request.method == "GET" else 401
    if form.validate_on_submit():
        device = request.cookies.get(throttle.DEVICE_COOKIE)
        try:
            user = log_in(form.email.data, form.password.data, request.remote_addr, device)
        except LoginThrottled as error:
            form.password.errors.append(error.message)
            status, headers = 429, {"Retry-After": str(error.retry_after)}
        except ServiceError as error:
            form.password.errors.append(error.message)
        else:
            login_user(user)
            response = redirect(safe_path(form.next.data, url_for("okrs.home")))
            if throttle.device_for(device, user.email) is None:
                response.set_cookie(throttle.DEVICE_COOKIE, throttle.new_device_cookie(user.email),
                                    max_age=throttle.DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                                    secure=current_app.config["SESSION_COOKIE_SECURE"])
            return response
    return render_template("accounts/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        log_out(current_user)
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@policy.require(policy.can_change_own_password)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except ServiceError as error:
            form.current.errors.append(error.message)
        else:
            login_user(current_user._get_current_object())  # this session continues with the new token; all others end
            flash("Password changed. Other sessions have been logged out.")
            return redirect(url_for("okrs.home"))
    return render_template("accounts/password.html", form=form)



@bp.route("/account", methods=["GET", "POST"])
@policy.require(policy.can_view)
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            record, new_token = issue_token(current_user, form.name.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            form.name.data = ""
    calendar_url = (url_for("exports.calendar_feed", token=current_user.calendar_token, _external=True)
                    if current_user.calendar_token else None)
    return render_template("accounts/profile.html", form=form, new_token=new_token, confirm=ConfirmForm(),
                           tokens=api_tokens.tokens_of(current_user), calendar_url=calendar_url), \
        422 if form.errors else 200


@bp.post("/account/calendar")
@policy.require(policy.can_view)
def calendar():
    """Create the secret feed link, or replace it (the old link stops working at once)."""
    if ConfirmForm().validate_on_submit():
        exports.renew_calendar_link(current_user)
        flash("Your calendar link is ready; add it to your calendar app as a subscription.")
    return redirect(url_for("accounts.profile"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@policy.require(policy.can_view)
def revoke(token_id):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("accounts.profile"))
    try:
        record = revoke_own_token(current_user, token_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"Token “{record.name}” revoked; calls with it are refused from now on.")
    return redirect(url_for("accounts.profile"))


@bp.get("/admin/users")
@policy.require(policy.can_manage_users)
def users():
    return render_template("accounts/users.html", users=people.users_for_admin())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_users)
def edit_user(user_id=None):
    user = people.user_or_404(user_id) if user_id else None
    form = UserForm(obj=user)
    units = {u.id: u for u in units_by_name()}
    form.units.choices = [(u.id, u.name) for u in units.values()]
    if user and request.method == "GET":
        form.units.data = [u.id for u in user.units]
    if user:
        del form.email
    if form.validate_on_submit():
        chosen = [units[i] for i in form.units.data]
        if user is None and not form.password.data:
            form.password.errors = list(form.password.errors) + ["A new user needs a password."]
        elif user is None and saved(form, lambda: people.create_user(
                form.email.data, form.name.data, form.role.data, form.password.data, chosen),
                "User created."):
            return redirect(url_for("accounts.users"))
        elif user is not None and saved(form, lambda: people.update_user(
                user, form.name.data, form.role.data, form.active.data, chosen, form.password.data or None,
                current_user, parse_version(form.version.data)),
                "User saved."):
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user), form_status(form)
