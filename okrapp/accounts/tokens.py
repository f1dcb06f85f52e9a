"""Personal API tokens and the calendar feed's secret: created by their user, stored as a hash,
shown once, ended by their user or with everything else of theirs (accounts.operations.end_everything).

Both carry 256 bits of randomness, so a fast hash (SHA-256) is enough to make a stolen
database useless for calling the API or reading a feed; a slow password hash would only slow every request.
Failed attempts are counted per client address in auth_events (the login audit table) and,
past a limit, refused for a while before any token is looked at."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from okrapp.core.extensions import db
from okrapp.accounts.models import ApiToken, AuthEvent, User
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError
from okrapp.core.words import _, _l

PREFIX = "okr_"
MAX_TOKENS = 20
LAST_USE_RESOLUTION = timedelta(minutes=1)  # at most one write per token and minute for "last used"
FAILURE_WINDOW = timedelta(minutes=15)
FAILURE_REASON = "api_token"
# What a token may do; its user's role still decides each call. Reading is every token's.
SCOPES = {"read": _l("Read what your role may see"), "check-ins": _l("Record check-ins"), "metrics": _l("Push metric values"),
          "manage": _l("Create, change and retire objectives, key results and incentives")}
EXPIRIES = (30, 90, 365)  # days a new token lives, chosen when it is made (0: until revoked)
MAX_EXPIRY_DAYS = 3650


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str, scopes=("read",), expires_in_days: int | None = 90
                 ) -> tuple[ApiToken, str]:
    """The stored record and the token itself (the only time it exists in clear). expires_in_days:
    None or 0 for a token that lives until it is revoked."""
    name = name.strip()
    chosen = ["read"] + [scope for scope in SCOPES if scope != "read" and scope in set(scopes)]
    if set(scopes) - set(SCOPES):
        raise ServiceError(_("Unknown scope: %(scopes)s.", scopes=", ".join(sorted(set(scopes) - set(SCOPES)))),
                           field="scopes")
    if expires_in_days is not None and not 0 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ServiceError(_("A token lives at most %(num)s days.", num=MAX_EXPIRY_DAYS), field="expires")
    if not name:
        raise ServiceError(_("Name the token after where it is used, e.g. “survey tool”."), field="name")
    active = db.session.scalar(select(func.count(ApiToken.id)).where(  # an expired one no longer counts
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow())))
    if active >= MAX_TOKENS:
        raise ServiceError(_("You have %(num)s active tokens; revoke one first.", num=MAX_TOKENS), field="name")
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    record = ApiToken(user=user, name=name[:80], token_hash=digest(token), prefix=token[:12], created_at=now,
                      scopes=" ".join(chosen), expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(record)
    db.session.flush()
    return record, token


def revoke_token(user: User, token_id: int) -> ApiToken:
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise ServiceError(_("There is no such token of yours."))
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.flush()
    return record


def revoke_all(user: User) -> int:
    """Revoke every active token of user; how many were."""
    now = utcnow()
    records = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None))).all()
    for record in records:
        record.revoked_at = now
    db.session.flush()
    return len(records)


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def max_failures() -> int:
    return current_app.config.get("OKRAPP_API_MAX_FAILURES", 20)


def throttled(remote_addr: str | None) -> bool:
    """Too many failed token attempts from this address lately."""
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(select(func.count(AuthEvent.id)).where(
        AuthEvent.reason == FAILURE_REASON, AuthEvent.success.is_(False), AuthEvent.remote_addr == remote_addr,
        AuthEvent.at >= since))
    return failures >= max_failures()


def authenticate(token: str | None, remote_addr: str | None) -> User | None:
    """The active user the token belongs to, or None (see token_record)."""
    record = token_record(token, remote_addr)
    return record.user if record is not None else None


def token_record(token: str | None, remote_addr: str | None) -> ApiToken | None:
    """The live token (not revoked, not expired, its user active), or None: the failure is recorded
    and committed at once, whatever the request does next."""
    record = None
    if token and token.startswith(PREFIX) and len(token) < 200:
        record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if record is None or record.revoked_at is not None or not record.user.active or record.expired:
        db.session.add(AuthEvent(email=(record.user.email if record else "(api token)")[:254],
                                 user_id=record.user_id if record else None, success=False, reason=FAILURE_REASON,
                                 remote_addr=(remote_addr or "")[:64], at=utcnow()))
        db.session.commit()
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at >= LAST_USE_RESOLUTION:
        record.last_used_at = now
        db.session.commit()
    return record


# -- the calendar feed's secret ----------------------------------------------------------------

CALENDAR_TOKEN_LENGTH = 64  # longer URLs are refused before any lookup


def new_calendar_link(user: User) -> str:
    """A new secret for the feed URL (the old one stops working at once); returned in clear only here."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = digest(token)
    user.calendar_created_at, user.calendar_last_used_at = utcnow(), None
    db.session.flush()
    return token


def end_calendar_link(user: User) -> bool:
    """The feed URL stops working and no new one is made; whether there was one."""
    had = user.calendar_token_hash is not None
    user.calendar_token_hash = user.calendar_created_at = user.calendar_last_used_at = None
    db.session.flush()
    return had


def calendar_user(token: str | None) -> User | None:
    """The active user whose feed URL holds token, its last use noted (at most once a minute)."""
    if not token or len(token) > CALENDAR_TOKEN_LENGTH:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token_hash == digest(token), User.active.is_(True)))
    if user is None:
        return None
    now = utcnow()
    if user.calendar_last_used_at is None or now - user.calendar_last_used_at >= LAST_USE_RESOLUTION:
        user.calendar_last_used_at = now
        db.session.flush()
    return user
