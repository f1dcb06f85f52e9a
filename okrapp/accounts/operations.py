"""Authentication with a per-account failure counter kept in the database; what a person's
credentials are (sessions, API tokens, the calendar link) and ending them all at once."""
import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.models import JobRun
from okrapp.accounts.models import AuthEvent, User, record_event
from okrapp.accounts.models import password_method
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError
from okrapp.core.transaction import operation
from okrapp.core.words import N_, _, ngettext
from okrapp.accounts import sessions, throttle
from okrapp.accounts import tokens

log = logging.getLogger("okrapp.auth")

LOGIN_FAILED = N_("Wrong email or password.")


class LoginThrottled(ServiceError):
    """Refused before any password check: the attempt came too soon after failures."""

    def __init__(self, seconds: int):
        super().__init__(ngettext("Too many failed attempts. Wait %(num)s second, then try again.",
                                  "Too many failed attempts. Wait %(num)s seconds, then try again.", seconds),
                         field="password")
        self.retry_after = seconds


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked against for unknown accounts so both paths cost the same time.
    return generate_password_hash("not-a-real-password", method=method)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str, remote_addr: str | None = None, device_cookie: str | None = None) -> User:
    """Return the user, or raise LoginThrottled or ServiceError(LOGIN_FAILED); the caller commits
    either way (the audit row). The throttle's reservation is committed before the password check."""
    buckets = throttle.buckets_for(email, remote_addr, throttle.device_for(device_cookie, email))
    verdict = throttle.reserve(buckets, utcnow())
    user = find_user(email)
    if not verdict.allowed:
        _record(email, user, False, "throttled", remote_addr)
        raise LoginThrottled(verdict.retry_after)
    if user is None:
        check_password_hash(_dummy_hash(password_method()), password)
        return _fail(email, None, "unknown_account", remote_addr)
    if not user.has_password:  # invited, not joined yet: the same time as a wrong password
        check_password_hash(_dummy_hash(password_method()), password)
        return _fail(email, user, "no_password", remote_addr)
    if not user.check_password(password):
        return _fail(email, user, "bad_password", remote_addr)
    if not user.active:
        return _fail(email, user, "inactive", remote_addr)
    throttle.forgive(buckets)
    _record(email, user, True, "ok", remote_addr)
    return user


def log_in(email: str, password: str, remote_addr: str | None = None, device_cookie: str | None = None,
           user_agent: str | None = None) -> User:
    """authenticate as the login page's unit of work: it commits whatever the outcome, because the
    audit row of a failed or throttled attempt must be kept; the refusal is raised after that. A
    success starts a server-side session, whose key the user carries (user.session_key) to login_user."""
    user, refused = _attempt(email, password, remote_addr, device_cookie, user_agent)
    if refused is not None:
        raise refused
    return user


@operation
def _attempt(email, password, remote_addr, device_cookie, user_agent=None) -> tuple[User | None, ServiceError | None]:
    """The outcome instead of the error, so that the operation commits the audit row either way."""
    try:
        user = authenticate(email, password, remote_addr, device_cookie)
    except ServiceError as refused:
        return None, refused
    sessions.start(user, user_agent, remote_addr)
    return user, None


def _fail(email, user, reason, remote_addr):
    _record(email, user, False, reason, remote_addr)
    raise ServiceError(_(LOGIN_FAILED))


def _record(email, user, success, reason, remote_addr) -> None:
    at = utcnow()
    db.session.add(AuthEvent(email=email.strip().lower()[:254], user_id=user.id if user else None,
                             success=success, reason=reason, remote_addr=remote_addr, at=at))
    db.session.flush()
    log.info("login %s email=%s reason=%s addr=%s at=%sZ", "success" if success else "failure",
             email, reason, remote_addr, at.isoformat(timespec="seconds"))


@dataclass(frozen=True)
class Ended:
    """What end_everything ended: sessions, API tokens, whether a calendar link."""
    sessions: int
    tokens: int
    calendar: bool


@operation
def end_everything(user: User, reason: str, keep_session: int | None = None) -> Ended:
    """Every credential of user stops working at once: their sessions (but keep_session, the id of
    the one the change was made in), their API tokens and their calendar link. The primitive
    behind a password change, deactivation and "sign out everywhere" (and a password reset)."""
    ended = Ended(sessions.end_all(user, reason, keep=keep_session), tokens.revoke_all(user),
                  tokens.end_calendar_link(user))
    log.info("credentials ended user=%s reason=%s sessions=%s tokens=%s calendar=%s", user.id, reason,
             ended.sessions, ended.tokens, ended.calendar)
    return ended


@operation
def change_password(user: User, current: str, new: str, current_session: int | None = None) -> Ended:
    """The user's own change: every other session, every API token and the calendar link end."""
    if not user.check_password(current):
        raise ServiceError(_("Current password is wrong."), field="current")
    user.set_password(new)
    db.session.flush()
    return end_everything(user, "password changed", keep_session=current_session)


@operation
def sign_out_everywhere(user: User, by: User | None = None) -> Ended:
    """An admin's button on a person's page: a lost laptop, someone leaving."""
    ended = end_everything(user, "signed out by an admin")
    record_event("signed_out_everywhere", user, by)
    return ended


@operation
def log_out(user: User, session_id: int | None) -> None:
    """This browser's session ends on the server, so a copy of its cookie is useless."""
    if session_id is not None:
        sessions.end_own(user, session_id, "logout")


@operation
def end_own_session(user: User, session_id: int):
    """sessions.end_own as one unit of work; the ended record."""
    return sessions.end_own(user, session_id)


@operation
def new_calendar_link(user: User) -> str:
    """A new secret for the feed URL (the old link stops working at once), in clear this once."""
    return tokens.new_calendar_link(user)


@operation
def calendar_owner(token: str | None) -> User | None:
    """The feed's reader: the user whose link this is, its last use noted."""
    return tokens.calendar_user(token)


@operation
def issue_token(user: User, name: str, scopes=("read",), expires_in_days: int | None = 90):
    """tokens.create_token as the profile page's unit of work: (record, the token in clear)."""
    return tokens.create_token(user, name, scopes, expires_in_days)


@operation
def revoke_own_token(user: User, token_id: int):
    """tokens.revoke_token as one unit of work; the revoked record."""
    return tokens.revoke_token(user, token_id)


def alert_admins(run: JobRun) -> None:
    """One mail per admin and attempt that gave up; the Jobs page shows the same as a banner."""
    for admin in db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))):
        with words.using(mail.reader_locale(admin)):
            text, html = mail.render("job_failed", run=run, user=admin)
            subject = ngettext("okrapp: job %(job)s %(period)s failed %(num)s time",
                               "okrapp: job %(job)s %(period)s failed %(num)s times", run.attempts,
                               job=run.job, period=run.period)
        mail.queue(f"job-failed:{run.job}:{run.period}:{run.attempts}:{admin.id}", admin.email, subject, text, html,
                   category="alert")
