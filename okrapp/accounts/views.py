"""People getting in and managing themselves: login and logout, their password (an invitation's and a
reset's link included), their API tokens and calendar link; admins' pages for people."""
import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from okrapp.accounts import links, people, sessions, throttle
from okrapp.accounts import tokens as api_tokens
from okrapp.accounts.models import ROLE_LABELS
from okrapp.accounts.forms import (ConfirmForm, ConfirmPeopleImportForm, ForgotForm, LanguageForm, LoginForm,
                                   LogoutForm, NewPasswordForm, PasswordForm, PeopleImportForm, TokenForm, UserForm)
from okrapp.accounts.operations import (Ended, LoginThrottled, change_password, end_own_session, issue_token, log_in,
                                        log_out, new_calendar_link, revoke_own_token, sign_out_everywhere)
from okrapp.admin.operations import units_by_name
from okrapp.core import i18n, policy, words
from okrapp.core.errors import ServiceError
from okrapp.core.versioning import parse_version
from okrapp.core.web.forms import show_service_error
from okrapp.core.web.urls import safe_path
from okrapp.core.web.pagination import requested_page
from okrapp.core.web.views import form_status, import_previewed, saved, uploaded_sheet
from okrapp.core.words import N_, _, ngettext

bp = Blueprint("accounts", __name__)
FORM_EXPIRED = N_("The form expired; try again.")


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
            user = log_in(form.email.data, form.password.data, request.remote_addr, device,
                          user_agent=request.user_agent.string)
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


@bp.post("/language")
def choose_language():
    """The language switch on every page: kept in the session, and as the person's choice once signed in."""
    code = i18n.known(request.form.get("locale"))
    if code is None:
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        people.choose_language(current_user, code)
    return redirect(safe_path(request.form.get("next", ""), url_for("okrs.home")))


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        log_out(current_user, sessions.current_id())
        logout_user()
        flash(_("You are logged out."))
        response = redirect(url_for("accounts.login"))
        response.headers["Clear-Site-Data"] = '"cache"'  # pages are kept for revalidation (ETag): not past logout
        return response
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@policy.require(policy.can_change_own_password)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            ended = change_password(current_user, form.current.data, form.new.data, sessions.current_id())
        except ServiceError as error:
            form.current.errors.append(error.message)
        else:
            flash(_("Password changed. %(ended)s", ended=_ended_message(ended, others=True)))
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


def _ended_message(ended: Ended, others: bool = False) -> str:
    """"2 sessions signed out, 1 API token revoked and the calendar link ended." (others: the sessions
    but the one the change was made in)."""
    signed_out = ngettext("%(num)s other session signed out", "%(num)s other sessions signed out", ended.sessions) \
        if others else ngettext("%(num)s session signed out", "%(num)s sessions signed out", ended.sessions)
    revoked = ngettext("%(num)s API token revoked", "%(num)s API tokens revoked", ended.tokens)
    text = _("%(sessions)s, %(tokens)s and the calendar link ended.", sessions=signed_out, tokens=revoked) \
        if ended.calendar else _("%(sessions)s and %(tokens)s.", sessions=signed_out, tokens=revoked)
    return f"{text} {_('Make new tokens and a new calendar link below if you need them.')}" if others else text


@bp.route("/account", methods=["GET", "POST"])
@policy.require(policy.can_view)
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            scopes, days = form.chosen
            record, new_token = issue_token(current_user, form.name.data, scopes, days)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            form.name.data = ""
    return _profile_page(form, new_token=new_token)


def _profile_page(form, new_token=None, calendar_url=None, language=None):
    """The account page; a new token or calendar link is in it this once (only hashes are kept)."""
    language = language or LanguageForm(formdata=None, locale=current_user.locale or words.current())
    return render_template("accounts/profile.html", form=form, new_token=new_token, confirm=ConfirmForm(),
                           tokens=api_tokens.tokens_of(current_user), calendar_url=calendar_url,
                           sessions=sessions.active_of(current_user), this_session=sessions.current_id(),
                           language=language), 422 if form.errors or language.errors else 200


@bp.post("/account/language")
@policy.require(policy.can_view)
def language():
    """The person's language, chosen on their profile: their pages and their mail follow it, whatever the
    browser asks for."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _profile_page(TokenForm(formdata=None), language=form)
    try:
        people.choose_language(current_user, form.locale.data)
    except ServiceError as error:
        show_service_error(form, error)
        return _profile_page(TokenForm(formdata=None), language=form)
    session["locale"] = form.locale.data
    with words.using(form.locale.data):
        flash(_("Language saved."))
    return redirect(url_for("accounts.profile"))


@bp.post("/account/calendar")
@policy.require(policy.can_view)
def calendar():
    """Create the secret feed link, or replace it (the old link stops working at once). The page
    shows it this once, as with API tokens."""
    if not ConfirmForm().validate_on_submit():
        flash(_(FORM_EXPIRED), "error")
        return redirect(url_for("accounts.profile"))
    token = new_calendar_link(current_user)
    flash(_("Your calendar link is ready; add it to your calendar app as a subscription."))
    return _profile_page(TokenForm(formdata=None),
                         calendar_url=url_for("exports.calendar_feed", token=token, _external=True))


@bp.post("/account/tokens/<int:token_id>/revoke")
@policy.require(policy.can_view)
def revoke(token_id):
    if not ConfirmForm().validate_on_submit():
        flash(_(FORM_EXPIRED), "error")
        return redirect(url_for("accounts.profile"))
    try:
        record = revoke_own_token(current_user, token_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Token “%(name)s” revoked; calls with it are refused from now on.", name=record.name))
    return redirect(url_for("accounts.profile"))


@bp.post("/account/sessions/<int:session_id>/end")
@policy.require(policy.can_view)
def end_session(session_id):
    """Sign out one browser of one's own, e.g. one left logged in elsewhere."""
    if not ConfirmForm().validate_on_submit():
        flash(_(FORM_EXPIRED), "error")
        return redirect(url_for("accounts.profile"))
    current = sessions.current_id()
    try:
        end_own_session(current_user, session_id)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.profile"))
    if session_id == current:
        logout_user()
        flash(_("You are logged out."))
        return redirect(url_for("accounts.login"))
    flash(_("That session is signed out; its browser must log in again."))
    return redirect(url_for("accounts.profile"))


@bp.get("/admin/users")
@policy.require(policy.can_manage_users)
def users():
    return render_template("accounts/users.html", users=people.users_for_admin(),
                           invitations=links.pending_invitations(), confirm=ConfirmForm())


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
    else:  # a new person chooses their own password from the invitation
        del form.password, form.active
    if form.validate_on_submit():
        chosen = [units[i] for i in form.units.data]
        confirmed = bool(form.confirm_admin.data)
        if user is None and saved(form, lambda: people.invite_person(
                form.email.data, form.name.data, form.role.data, chosen, form.locale.data or None, current_user,
                confirmed),
                _("%(name)s is invited: the mail with their link goes out within a minute.",
                  name=form.name.data.strip())):
            return redirect(url_for("accounts.users"))
        elif user is not None and saved(form, lambda: people.update_user(
                user, form.name.data, form.role.data, form.active.data, chosen, form.password.data or None,
                current_user, parse_version(form.version.data),
                keep_session=sessions.current_id() if user.id == current_user.id else None,
                locale=form.locale.data, confirmed_admin=confirmed),
                _("User saved.")):
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user, confirm=ConfirmForm()), \
        form_status(form)


@bp.post("/admin/users/<int:user_id>/sign-out")
@policy.require(policy.can_manage_users)
def sign_out(user_id):
    """Sign out everywhere: every session, API token and the calendar link of the person end."""
    user = people.user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_(FORM_EXPIRED), "error")
        return redirect(url_for("accounts.edit_user", user_id=user.id))
    ended = sign_out_everywhere(user, current_user)
    if user.id == current_user.id:
        logout_user()
        return redirect(url_for("accounts.login"))
    flash(_("%(name)s: %(ended)s", name=user.name, ended=_ended_message(ended)))
    return redirect(url_for("accounts.edit_user", user_id=user.id))


# --- Company sign-in (OpenID Connect) and the password sign-in switch; the work is in oidc.py ------
from okrapp.accounts import oidc  # noqa: E402  (kept beside the routes it serves)


@bp.get("/login/sso")
def sso_start():
    """The company sign-in button: off to the provider, with state, nonce and a PKCE challenge."""
    if current_user.is_authenticated:
        return redirect(url_for("okrs.home"))
    try:
        return oidc.begin(safe_path(request.args.get("next"), url_for("okrs.home")))
    except oidc.SignInFailed as failure:
        return render_template("accounts/oidc_refused.html", message=failure.message), failure.status


@bp.get("/login/sso/callback")
def sso_callback():
    """The provider sends the browser back here with a code; a verified, known person is signed in."""
    try:
        identity = oidc.identity_from_callback()
    except oidc.SignInFailed as failure:
        return render_template("accounts/oidc_refused.html", message=failure.message), failure.status
    outcome = oidc.sign_in(identity, request.remote_addr, request.user_agent.string)
    if outcome.user is None:
        return render_template("accounts/oidc_refused.html", outcome=outcome), 403
    login_user(outcome.user)
    return redirect(oidc.pop_next(url_for("okrs.home")))


@bp.before_request
def password_sign_in_switch():
    """OKRAPP_PASSWORD_LOGIN=off: a password login by anyone but the break-glass admin is refused
    before any password is checked (after the CSRF check, which runs first)."""
    if request.endpoint != "accounts.login" or request.method != "POST" \
            or oidc.password_allowed(request.form.get("email")):
        return None
    oidc.record_password_refused(request.form.get("email", ""), request.remote_addr)
    form = LoginForm()
    form.password.errors = [oidc.password_refusal()]
    return render_template("accounts/login.html", form=form), 403


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@policy.require(policy.can_manage_users)
def deactivate(user_id):
    """Someone leaves: what they own, to hand over, and the button that ends everything of theirs."""
    user = people.user_or_404(user_id)
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            ended = people.deactivate(user, current_user)
        except ServiceError as error:
            flash(error.message, "error")
            status = 422
        else:
            if user.id == current_user.id:
                logout_user()
                return redirect(url_for("accounts.login"))
            flash(_("%(name)s is deactivated: %(ended)s", name=user.name, ended=_ended_message(ended)))
            return redirect(url_for("accounts.users"))
    return render_template("accounts/deactivate.html", user=user, owns=people.handover(user), form=form), status


@bp.post("/admin/users/<int:user_id>/invitation/resend")
@policy.require(policy.can_manage_users)
def resend_invitation(user_id):
    return _invitation_action(user_id, people.resend_invitation,
                              N_("%(name)s gets a new invitation; the old link no longer works."))


@bp.post("/admin/users/<int:user_id>/invitation/revoke")
@policy.require(policy.can_manage_users)
def revoke_invitation(user_id):
    return _invitation_action(user_id, people.revoke_invitation,
                              N_("%(name)s's invitation is revoked and they are deactivated; their link no longer "
                                 "works."))


def _invitation_action(user_id, action, message):
    user = people.user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_(FORM_EXPIRED), "error")
    else:
        try:
            action(user, current_user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_(message, name=user.name))
    return redirect(url_for("accounts.users"))


def _people_import_page(form, status=200, **context):
    max_bytes, max_rows = people.sheet_limits()
    return render_template("accounts/import.html", form=form, max_rows=max_rows, max_size=max_bytes,
                           role_labels=ROLE_LABELS, language_names=words.NAMES, **{"report": None, **context}), status


@bp.route("/admin/users/import", methods=["GET", "POST"])
@policy.require(policy.can_manage_users)
def import_people():
    form = PeopleImportForm()
    if not form.validate_on_submit():
        return _people_import_page(form, 422 if form.errors else 200)
    data = uploaded_sheet(form, people.sheet_limits()[0])
    if data is None:
        return _people_import_page(form, 413)
    report = people.preview_people(data)
    confirm = ConfirmPeopleImportForm(payload=base64.b64encode(data).decode())
    return _people_import_page(form, 200 if report.ok else 422, report=report, confirm=confirm,
                               filename=form.sheet.data.filename)


@bp.post("/admin/users/import/confirm")
@policy.require(policy.can_manage_users)
def confirm_import_people():
    def done(invited):
        flash(ngettext("Invited %(num)s person; their mail goes out within a minute.",
                       "Invited %(num)s people; their mail goes out within a minute.", invited))
        return redirect(url_for("accounts.users"))
    return import_previewed(ConfirmPeopleImportForm(), lambda data: people.invite_people(data, current_user),
                            url_for("accounts.import_people"), done)


@bp.get("/admin/account-events")
@policy.require(policy.can_manage_users)
def account_events():
    events, page = people.account_events(lambda total: requested_page(total, people.EVENTS_PER_PAGE))
    return render_template("accounts/events.html", events=events, page=page)


def _link_gone(kind: str, state: str):
    """A used, expired or revoked link (410) or one that never was (404): what to do instead."""
    return render_template("accounts/link_gone.html", kind=kind, state=state,
                           days=current_app.config["OKRAPP_INVITE_DAYS"],
                           minutes=current_app.config["OKRAPP_RESET_MINUTES"]), 404 if state == "unknown" else 410


def _end_this_browsers_session():
    """Someone else was signed in in this browser: their session ends before the new one starts."""
    if current_user.is_authenticated:
        log_out(current_user, sessions.current_id())
        logout_user()


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    opened = links.open_link("invite", token)
    if opened.state != "open":
        return _link_gone("invite", opened.state)
    if not oidc.password_allowed(opened.link.user.email):  # the company signs its people in, no password
        return render_template("accounts/company_sign_in_only.html", kind="invite", person=opened.link.user)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = links.accept_invitation(token, form.new.data, request.user_agent.string, request.remote_addr)
        except links.LinkGone as gone:
            return _link_gone("invite", gone.state)
        _end_this_browsers_session()
        login_user(user)
        with words.using(i18n.known(user.locale) or words.current()):  # the language of the pages that follow
            flash(_("Welcome, %(name)s! Your password is set and you are signed in.", name=user.name))
        return redirect(url_for("okrs.home"))
    return render_template("accounts/choose_password.html", form=form, kind="invite",
                           person=opened.link.user), form_status(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """The same answer, in the same time, whether or not the address belongs to anyone."""
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            links.request_reset(form.email.data, request.remote_addr)
        except links.ResetThrottled as error:
            form.email.errors.append(error.message)
            return render_template("accounts/forgot.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        return render_template("accounts/reset_sent.html", minutes=current_app.config["OKRAPP_RESET_MINUTES"])
    return render_template("accounts/forgot.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    opened = links.open_link("reset", token)
    if opened.state != "open":
        return _link_gone("reset", opened.state)
    if not oidc.password_allowed(opened.link.user.email):
        return render_template("accounts/company_sign_in_only.html", kind="reset", person=opened.link.user)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            ended = links.complete_reset(token, form.new.data)
        except links.LinkGone as gone:
            return _link_gone("reset", gone.state)
        _end_this_browsers_session()
        flash(_("Your password is changed: %(ended)s Log in with the new password.", ended=_ended_message(ended)))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/choose_password.html", form=form, kind="reset",
                           person=opened.link.user), form_status(form)
