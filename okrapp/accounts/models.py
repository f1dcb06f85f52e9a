"""Users, their roles, their sessions and credentials, one-time account links (invitations, password
resets), and the audit trails of login attempts and of what happened to accounts."""
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.models import Versioned
from okrapp.core.words import N_, NAMES, _

ROLES = ("admin", "executive", "unit_leader", "board")
# translated where shown (User.role_label, the forms' choices)
ROLE_LABELS = {"admin": N_("Admin"), "executive": N_("Executive"), "unit_leader": N_("Unit leader"),
               "board": N_("Board member")}
LOCALES = tuple(NAMES)  # the languages okrapp has words for; OKRAPP_LANGUAGES says which are offered
LINK_KINDS = ("invite", "reset")
# What the account events page lists; another kind (a new way in) needs only a label here.
EVENT_LABELS = {"invited": N_("Invited"), "invitation_resent": N_("Invitation sent again"),
                "invitation_revoked": N_("Invitation revoked"), "joined": N_("Joined (chose a password)"),
                "sso_sign_in": N_("Signed in with SSO"),
                "sso_joined": N_("Joined by company sign-in (waiting for a role)"),
                "role_changed": N_("Role changed"),
                "reset_requested": N_("Password reset requested"), "reset_completed": N_("Password reset completed"),
                "deactivated": N_("Deactivated"), "reactivated": N_("Reactivated"),
                "signed_out_everywhere": N_("Signed out everywhere")}
# the fixed details some events store (others hold addresses, issuers or role keys, shown as stored)
DETAIL_LABELS = {"no such person": N_("no such person"), "deactivated: no mail sent": N_("deactivated: no mail sent"),
                 "waiting for a role": N_("waiting for a role")}


def password_method() -> str:
    """werkzeug's scrypt; tests lower its cost through OKRAPP_PASSWORD_METHOD."""
    return current_app.config.get("OKRAPP_PASSWORD_METHOD", "scrypt") if has_app_context() else "scrypt"


class User(UserMixin, Versioned, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    # None until the person chooses one (an invitation's link) or an admin sets one
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # the language they read pages and mail in; None until they (or the admin inviting them) choose
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # SHA-256 of the secret in the personal calendar feed's URL (the secret itself is shown once);
    # None until the user asks for a feed, and again after everything of theirs was ended.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    calendar_created_at = mapped_column(DateTime, nullable=True)
    calendar_last_used_at = mapped_column(DateTime, nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    units = relationship("Unit", secondary="unit_leaders", back_populates="leaders", order_by="Unit.name")

    # The key of the session this request runs in (accounts.sessions sets it at login and in the
    # user loader); Flask-Login keeps it in the signed session cookie, the database only its hash.
    session_key = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("A user is logged in through accounts.sessions, which gives them a session key.")
        return self.session_key

    def __eq__(self, other):  # Flask-Login's compares get_id(), which is now one session's, not the person's
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = UserMixin.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return _(ROLE_LABELS[self.role])

    def set_password(self, password: str) -> None:
        """Only the hash; what a change ends is accounts.operations.end_everything's work."""
        self.password_hash = generate_password_hash(password, method=password_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        """False for someone invited who has not chosen a password yet."""
        return bool(self.password_hash)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """One login in one browser, until it is ended (logout, a password change, deactivation,
    "sign out everywhere", the user ending it from their account page) or runs out. The cookie
    holds a random key; only its SHA-256 is stored, so the table cannot be used to log in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    last_seen_at = mapped_column(DateTime, default=utcnow, nullable=False)  # written at most once a minute
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ended_at = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.ended_at is None


class AuthEvent(db.Model):
    """One row per login attempt, success or failure, kept for audit."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at = mapped_column(DateTime, default=utcnow, index=True)


class ApiToken(db.Model):
    """A personal API token: it acts as its user, with the user's role. Only a hash is stored;
    the token itself is shown once, when it is created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, so people can tell tokens apart
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    last_used_at = mapped_column(DateTime, nullable=True)
    revoked_at = mapped_column(DateTime, nullable=True)
    # What the token may do besides reading (accounts.tokens.SCOPES), space-separated; the user's role
    # still decides. Tokens made before scopes existed hold all of them (the migration says so).
    scopes: Mapped[str] = mapped_column(String(80), default="read", server_default="read")
    expires_at = mapped_column(DateTime, nullable=True)  # chosen when made; None: until revoked

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()


class LoginThrottle(db.Model):
    """One counter per throttled key (an account, a client address, the pair of both, a known
    device), hashed so no address or email is kept here. The login service locks the row with an
    UPDATE before it reads it, so parallel attempts in any number of processes queue on it."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until = mapped_column(DateTime, nullable=True)
    updated_at = mapped_column(DateTime, default=utcnow)


class AccountLink(db.Model):
    """A one-time link sent by mail: an invitation to choose a password (kind "invite") or a
    password reset ("reset"). Only the SHA-256 of its secret is kept; the link works until it is
    used, revoked (a newer link of the same kind, an admin) or expires."""

    __tablename__ = "account_links"
    __table_args__ = (CheckConstraint(f"kind IN {LINK_KINDS!r}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(DateTime, nullable=False)
    used_at = mapped_column(DateTime, nullable=True)
    revoked_at = mapped_column(DateTime, nullable=True)

    user = relationship("User")

    def state(self, now) -> str:
        """"open", "used", "revoked" or "expired"."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "open"


class AccountEvent(db.Model):
    """What happened to an account and who did it (actor None: the person themselves, or nobody
    signed in, as with a reset asked for an unknown address). email is as it was then."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    at = mapped_column(DateTime, default=utcnow, nullable=False, index=True)

    user = relationship("User", foreign_keys=[user_id])
    actor = relationship("User", foreign_keys=[actor_id])

    @property
    def label(self) -> str:
        return _(EVENT_LABELS[self.kind]) if self.kind in EVENT_LABELS else self.kind.replace("_", " ").capitalize()

    @property
    def detail_label(self) -> str:
        return _(DETAIL_LABELS[self.detail]) if self.detail in DETAIL_LABELS else self.detail


def record_event(kind: str, user: User | None = None, by: User | None = None, email: str | None = None,
                 detail: str = "") -> AccountEvent:
    """One row of the account events' audit trail, in the caller's transaction (flushed)."""
    event = AccountEvent(kind=kind[:30], user_id=user.id if user is not None else None,
                         actor_id=by.id if by is not None and getattr(by, "id", None) else None,
                         email=(email if email is not None else user.email if user is not None else "")[:254],
                         detail=detail[:200], at=utcnow())
    db.session.add(event)
    db.session.flush()
    return event
