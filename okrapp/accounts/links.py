"""One-time account links sent by mail: an invitation to choose a password (and be signed in), and
a password reset.

A link is /welcome/<token> or /password/reset/<token>. The token is the link's random secret signed
with the app's key for that kind of link, so a forged or garbled token is refused before any query
and an invitation's token is no reset's. Only the secret's SHA-256 is stored (account_links). A
link works once — using it is a compare-and-set on the row — until it expires (OKRAPP_INVITE_DAYS,
OKRAPP_RESET_MINUTES) or is revoked: a newer link of the same kind revokes the person's older ones,
and an admin can revoke an invitation.

A reset is asked for with an address. The answer, and the work behind it (a secret made, signed and
hashed, the mail rendered, the same queries, an event row written), is the same whether or not the
address belongs to anyone; mail goes only to an active person. Requests are throttled per address
asked for and per client (accounts.throttle), the same way for every address."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from okrapp.accounts import sessions, throttle
from okrapp.accounts.models import AccountLink, User, record_event
from okrapp.accounts.operations import Ended, end_everything, find_user
from okrapp.core import mail, words
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.core.timeutil import utcnow
from okrapp.core.transaction import operation
from okrapp.core.words import N_, _, ngettext

PATHS = {"invite": "/welcome/", "reset": "/password/reset/"}
SUBJECTS = {"invite": N_("You are invited to okrapp"), "reset": N_("Choose a new okrapp password")}
TOKEN_LENGTH = 200  # a signed token of ours is about 70 characters


GONE = {("invite", "unknown"): N_("This invitation link is not valid."),
        ("invite", "used"): N_("This invitation link was used already."),
        ("invite", "revoked"): N_("This invitation link was withdrawn."),
        ("invite", "expired"): N_("This invitation link has expired."),
        ("reset", "unknown"): N_("This password reset link is not valid."),
        ("reset", "used"): N_("This password reset link was used already."),
        ("reset", "revoked"): N_("This password reset link no longer works."),
        ("reset", "expired"): N_("This password reset link has expired.")}


class LinkGone(ServiceError):
    """The link cannot be used: state is "unknown", "used", "revoked" or "expired"."""

    def __init__(self, kind: str, state: str):
        super().__init__(_(GONE.get((kind, state), GONE[(kind, "unknown")])))
        self.kind, self.state = kind, state


class ResetThrottled(ServiceError):
    def __init__(self, seconds: int):
        super().__init__(ngettext("Too many requests. Wait %(num)s second, then try again.",
                                  "Too many requests. Wait %(num)s seconds, then try again.", seconds), field="email")
        self.retry_after = seconds


@dataclass(frozen=True)
class Opened:
    link: AccountLink | None
    state: str  # "open", "used", "revoked", "expired" or "unknown"


def _serializer(kind: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=f"okrapp-account-link-{kind}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def lifetime(kind: str) -> timedelta:
    config = current_app.config
    return timedelta(days=config["OKRAPP_INVITE_DAYS"]) if kind == "invite" else \
        timedelta(minutes=config["OKRAPP_RESET_MINUTES"])


def link_url(kind: str, token: str) -> str:
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + PATHS[kind] + token


def _secret(kind: str) -> tuple[str, str]:
    """(the token for the link, the hash to store)."""
    secret = secrets.token_urlsafe(32)
    return _serializer(kind).dumps(secret), _digest(secret)


def revoke_open(user: User, kind: str | None = None) -> int:
    """Every open link of user (of one kind when given) stops working; how many did."""
    query = update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
                                      AccountLink.revoked_at.is_(None))
    if kind:
        query = query.where(AccountLink.kind == kind)
    return db.session.execute(query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def _send(user, kind: str, token: str, expires_at, by=None) -> None:
    """Render and queue the link's mail, in the person's language; user may be a stand-in for an unknown
    address (then only rendered)."""
    locale = mail.reader_locale(user)
    with words.using(locale):
        text, html = mail.render("account_invitation" if kind == "invite" else "password_reset", locale=locale,
                                 user=user, url=link_url(kind, token), expires_at=expires_at, by=by)
        subject = _(SUBJECTS[kind])
    key = f"account-link:{kind}:{_digest(token)[:32]}"
    if isinstance(user, User):
        mail.queue(key, user.email, subject, text, html, category="account")
    else:  # the same round trip as queue's look-up, for an address nobody has
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))


def send_invitation(user: User, by: User | None = None, event: str = "invited") -> AccountLink:
    """A new invitation link to user by mail (older open ones stop working), in the caller's transaction."""
    revoke_open(user, "invite")
    token, secret_hash = _secret("invite")
    now = utcnow()
    link = AccountLink(kind="invite", user_id=user.id, secret_hash=secret_hash, created_at=now,
                       expires_at=now + lifetime("invite"))
    db.session.add(link)
    db.session.flush()
    _send(user, "invite", token, link.expires_at, by)
    record_event(event, user, by)
    return link


def open_link(kind: str, token: str | None) -> Opened:
    """What the link with this token is, without using it (the page that asks for the password)."""
    if not token or len(token) > TOKEN_LENGTH:
        return Opened(None, "unknown")
    try:
        secret = _serializer(kind).loads(token)
    except BadSignature:
        return Opened(None, "unknown")
    if not isinstance(secret, str):
        return Opened(None, "unknown")
    link = db.session.scalar(select(AccountLink).where(AccountLink.secret_hash == _digest(secret),
                                                       AccountLink.kind == kind))
    if link is None:
        return Opened(None, "unknown")
    state = link.state(utcnow())
    if state == "open" and not link.user.active:
        state = "revoked"
    return Opened(link, state)


def _use(kind: str, token: str) -> AccountLink:
    """Mark the link used, once: of two uses at the same moment only one gets it; else LinkGone."""
    opened = open_link(kind, token)
    if opened.state != "open":
        raise LinkGone(kind, opened.state)
    now = utcnow()
    link = opened.link
    result = db.session.execute(update(AccountLink).where(
        AccountLink.id == link.id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None),
        AccountLink.expires_at > now).values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise LinkGone(kind, "used")
    return link


@operation
def accept_invitation(token: str, password: str, user_agent: str | None, remote_addr: str | None) -> User:
    """The invited person chose a password: they are signed in (a new session, its key on user)."""
    user = _use("invite", token).user
    user.set_password(password)
    revoke_open(user)  # a reset asked for meanwhile, say
    db.session.flush()
    record_event("joined", user)
    sessions.start(user, user_agent, remote_addr)
    return user


def request_reset(email: str, remote_addr: str | None) -> None:
    """"Forgot your password?": throttled first (ResetThrottled), the same way for every address;
    then a link by mail if the address is an active person's, and the same work if it is not."""
    email = (email or "").strip().lower()[:254]
    verdict = throttle.reserve(throttle.reset_buckets(email, remote_addr), utcnow())
    if not verdict.allowed:
        raise ResetThrottled(verdict.retry_after)
    _queue_reset(email)


@operation
def _queue_reset(email: str) -> None:
    user = find_user(email)
    real = user is not None and user.active
    token, secret_hash = _secret("reset")
    now = utcnow()
    expires_at = now + lifetime("reset")
    if real:
        revoke_open(user, "reset")
        db.session.add(AccountLink(kind="reset", user_id=user.id, secret_hash=secret_hash, created_at=now,
                                   expires_at=expires_at))
        db.session.flush()
    else:  # the same round trips: the revocation's UPDATE and the insert's unique look-up
        db.session.execute(update(AccountLink).where(AccountLink.user_id == -1, AccountLink.used_at.is_(None))
                           .values(revoked_at=now).execution_options(synchronize_session=False))
        db.session.scalar(select(AccountLink.id).where(AccountLink.secret_hash == secret_hash))
    _send(user if real else SimpleNamespace(name="", email=email), "reset", token, expires_at)
    record_event("reset_requested", user, email=email,
                 detail="" if real else "no such person" if user is None else "deactivated: no mail sent")


@operation
def complete_reset(token: str, password: str) -> Ended:
    """A new password from a reset link: every session, API token and the calendar link end."""
    user = _use("reset", token).user
    user.set_password(password)
    revoke_open(user)
    db.session.flush()
    ended = end_everything(user, "password reset")
    record_event("reset_completed", user)
    return ended


def pending_invitations() -> list[tuple[User, AccountLink, str]]:
    """Active people who have not chosen a password yet, each with their latest invitation and its
    state ("open", "expired", "revoked"), newest first."""
    rows = db.session.execute(select(User, AccountLink).join(AccountLink, AccountLink.user_id == User.id)
                              .where(AccountLink.kind == "invite", User.password_hash.is_(None),
                                     User.active.is_(True))
                              .order_by(AccountLink.id.desc())).all()
    latest, now = {}, utcnow()
    for user, link in rows:
        latest.setdefault(user.id, (user, link, link.state(now)))
    return list(latest.values())
