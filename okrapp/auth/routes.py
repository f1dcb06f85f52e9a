from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import policy
from ..extensions import db
from ..services import ServiceError
from ..urls import safe_path
from ..services import throttle
from ..services.auth import LoginThrottled, authenticate, change_password
from . import bp
from .forms import LoginForm, LogoutForm, PasswordForm


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
            user = authenticate(form.email.data, form.password.data, request.remote_addr, device)
        except LoginThrottled as error:
            db.session.commit()  # keep the audit row
            form.password.errors.append(error.message)
            status, headers = 429, {"Retry-After": str(error.retry_after)}
        except ServiceError as error:
            db.session.commit()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            response = redirect(safe_path(form.next.data, url_for("okrs.home")))
            if throttle.device_for(device, user.email) is None:
                response.set_cookie(throttle.DEVICE_COOKIE, throttle.new_device_cookie(user.email),
                                    max_age=throttle.DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                                    secure=current_app.config["SESSION_COOKIE_SECURE"])
            return response
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        current_user.end_sessions()
        db.session.commit()
        logout_user()
        flash("You are logged out.")
    return redirect(url_for("auth.login"))


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
            db.session.commit()
            login_user(current_user._get_current_object())  # this session continues with the new token; all others end
            flash("Password changed. Other sessions have been logged out.")
            return redirect(url_for("okrs.home"))
    return render_template("auth/password.html", form=form)
