"""Authentication with a per-account failure counter kept in the database."""
import logging
from functools import lru_cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import JobRun
from okrapp.accounts.models import AuthEvent, User
from okrapp.accounts.models import password_method
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError
from okrapp.core.transaction import operation
from okrapp.accounts import throttle
from okrapp.accounts import tokens

log = logging.getLogger("okrapp.auth")

LOGIN_FAILED = "Wrong email or password."
LOGIN_THROTTLED = "Too many failed attempts. Wait {seconds} seconds, then try again."


class LoginThrottled(ServiceError):
    """Refused before any password check: the attempt came too soon after failures."""

    def __init__(self, seconds: int):
        super().__init__(LOGIN_THROTTLED.format(seconds=seconds), field="password")
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
    if not user.check_password(password):
        return _fail(email, user, "bad_password", remote_addr)
    if not user.active:
        return _fail(email, user, "inactive", remote_addr)
    throttle.forgive(buckets)
    _record(email, user, True, "ok", remote_addr)
    return user


def log_in(email: str, password: str, remote_addr: str | None = None, device_cookie: str | None = None) -> User:
    """authenticate as the login page's unit of work: it commits whatever the outcome, because the
    audit row of a failed or throttled attempt must be kept; the refusal is raised after that."""
    user, refused = _attempt(email, password, remote_addr, device_cookie)
    if refused is not None:
        raise refused
    return user


@operation
def _attempt(email, password, remote_addr, device_cookie) -> tuple[User | None, ServiceError | None]:
    """The outcome instead of the error, so that the operation commits the audit row either way."""
    try:
        return authenticate(email, password, remote_addr, device_cookie), None
    except ServiceError as refused:
        return None, refused


def _fail(email, user, reason, remote_addr):
    _record(email, user, False, reason, remote_addr)
    raise ServiceError(LOGIN_FAILED)


def _record(email, user, success, reason, remote_addr) -> None:
    at = utcnow()
    db.session.add(AuthEvent(email=email.strip().lower()[:254], user_id=user.id if user else None,
                             success=success, reason=reason, remote_addr=remote_addr, at=at))
    db.session.flush()
    log.info("login %s email=%s reason=%s addr=%s at=%sZ", "success" if success else "failure",
             email, reason, remote_addr, at.isoformat(timespec="seconds"))


@operation
def change_password(user: User, current: str, new: str) -> None:
    """The user's own change; setting the password ends every other session."""
    if not user.check_password(current):
        raise ServiceError("Current password is wrong.", field="current")
    user.set_password(new)
    db.session.flush()


@operation
def log_out(user: User) -> None:
    """A new session token: the cookie of this and every other browser stops working."""
    user.end_sessions()
    db.session.flush()


@operation
def issue_token(user: User, name: str):
    """tokens.create_token as the profile page's unit of work: (record, the token in clear)."""
    return tokens.create_token(user, name)


@operation
def revoke_own_token(user: User, token_id: int):
    """tokens.revoke_token as one unit of work; the revoked record."""
    return tokens.revoke_token(user, token_id)


def alert_admins(run: JobRun) -> None:
    """One mail per admin and attempt that gave up; the Jobs page shows the same as a banner."""
    for admin in db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))):
        text, html = mail.render("job_failed", run=run, user=admin)
        mail.queue(f"job-failed:{run.job}:{run.period}:{run.attempts}:{admin.id}", admin.email,
                   f"okrapp: job {run.job} {run.period} failed {run.attempts} times", text, html,
                   category="alert")
