"""Authentication with a per-account failure counter kept in the database."""
import logging
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import AuthEvent, User
from ..models.user import password_method
from ..timeutil import utcnow
from . import ServiceError

log = logging.getLogger("okrapp.auth")

LOGIN_FAILED = "Wrong email or password. After repeated failures an account is locked for a while."


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked against for unknown accounts so both paths cost the same time.
    return generate_password_hash("not-a-real-password", method=method)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str, remote_addr: str | None = None) -> User:
    """Return the user or raise ServiceError(LOGIN_FAILED); the caller commits either way."""
    now = utcnow()
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(password_method()), password)
        return _fail(email, None, "unknown_account", remote_addr)
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_dummy_hash(password_method()), password)
        return _fail(email, user, "locked", remote_addr)
    if not user.check_password(password):
        _count_failure(user, now)
        return _fail(email, user, "bad_password", remote_addr)
    if not user.active:
        return _fail(email, user, "inactive", remote_addr)
    user.failed_logins = 0
    user.locked_until = None
    _record(email, user, True, "ok", remote_addr)
    return user


def _count_failure(user: User, now) -> None:
    """Increment in SQL, not in Python, so concurrent processes cannot lose a failure."""
    db.session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    db.session.refresh(user, ["failed_logins"])
    if user.failed_logins >= current_app.config["OKRAPP_LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["OKRAPP_LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0


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


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise ServiceError("Current password is wrong.", field="current")
    user.set_password(new)
    db.session.flush()
