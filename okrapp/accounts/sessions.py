"""Server-side sessions: one row per login, its key kept hashed, checked on every request.

The session cookie (signed by Flask) carries a random key; `user_sessions` keeps its SHA-256, when
and from where the login came, when the session was last seen and, once it is over, when and why it
ended. Every request's user loader is one indexed query over the hash, joined with the user, so an
ended session, a deactivated user or a session past its lifetime is refused at once, in every
process. `last_seen_at` is written at most once a minute."""
import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from okrapp.accounts.models import User, UserSession
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.words import _

SEEN_RESOLUTION = timedelta(minutes=1)
USER_AGENT_LENGTH = 200
ADDRESS_LENGTH = 64


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def start(user: User, user_agent: str | None, remote_addr: str | None) -> str:
    """A new session of user; returns its key (in clear only here, for the cookie) and gives it to
    user.session_key, which Flask-Login's login_user stores."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, key_hash=digest(key), created_at=now, last_seen_at=now,
                               user_agent=_one_line(user_agent)[:USER_AGENT_LENGTH],
                               remote_addr=(remote_addr or "")[:ADDRESS_LENGTH] or None))
    db.session.flush()
    user.session_key = key
    return key


def _one_line(text: str | None) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in (text or "")).strip()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=config["OKRAPP_SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["OKRAPP_SESSION_MAX_HOURS"]))


def _since(now, span: timedelta):
    try:
        return now - span
    except OverflowError:  # a lifetime of centuries (the tests' configuration)
        return now.min


def _expired(record: UserSession, now) -> bool:
    idle, lifetime = _limits()
    return record.last_seen_at < _since(now, idle) or record.created_at < _since(now, lifetime)


@functools.cache
def _session_user():
    """Built once (every request runs it); the user's units come along for the cached pages' key."""
    return (select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.key_hash == bindparam("key_hash"), UserSession.ended_at.is_(None),
                   User.active.is_(True))
            .options(joinedload(User.units)))


def load(key: str | None) -> User | None:
    """Flask-Login's user loader: the active user of the session with this key, if the session has
    not ended or run out. One query; a write (last seen, or the end of an expired session) at most
    once a minute, committed at once unless an operation is running (it then joins it)."""
    if not key or len(key) > 100:
        return None
    row = db.session.execute(_session_user(), {"key_hash": digest(key)}).unique().first()
    if row is None:
        return None
    user, record = row
    now = utcnow()
    if _expired(record, now):
        end(record, "expired", now)
        _commit_unless_in_operation()
        return None
    if now - record.last_seen_at >= SEEN_RESOLUTION:
        record.last_seen_at = now
        _commit_unless_in_operation()
    user.session_key = key
    g.user_session_id = record.id
    return user


def _commit_unless_in_operation() -> None:
    if not g.get("operation_depth", 0):
        db.session.commit()


def current_id() -> int | None:
    """The id of the session this request runs in (after the user was loaded), else None."""
    return g.get("user_session_id")


def end(record: UserSession, reason: str, now=None) -> None:
    if record.ended_at is None:
        record.ended_at = now or utcnow()
        record.end_reason = reason[:40]


def end_all(user: User, reason: str, keep: int | None = None) -> int:
    """End every open session of user but the one with id keep; how many were ended."""
    now = utcnow()
    records = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                           UserSession.ended_at.is_(None))).all()
    ended = 0
    for record in records:
        if record.id != keep:
            end(record, reason, now)
            ended += 1
    db.session.flush()
    return ended


def end_own(user: User, session_id: int, reason: str = "ended by its user") -> UserSession:
    """The user ends one of their sessions (logging out, another browser, a lost phone)."""
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id:
        raise ServiceError(_("There is no such session of yours."))
    end(record, reason)
    db.session.flush()
    return record


def active_of(user: User) -> list[UserSession]:
    """The account page: open sessions not run out, the most recently seen first."""
    now = utcnow()
    idle, lifetime = _limits()
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                  UserSession.last_seen_at >= _since(now, idle),
                                  UserSession.created_at >= _since(now, lifetime))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))
