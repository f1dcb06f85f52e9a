"""Users, their roles and the audit trail of login attempts."""
import secrets

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.models import Versioned

ROLES = ("admin", "executive", "unit_leader", "board")
ROLE_LABELS = {"admin": "Admin", "executive": "Executive", "unit_leader": "Unit leader", "board": "Board member"}


def password_method() -> str:
    """werkzeug's scrypt; tests lower its cost through OKRAPP_PASSWORD_METHOD."""
    return current_app.config.get("OKRAPP_PASSWORD_METHOD", "scrypt") if has_app_context() else "scrypt"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Versioned, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login's alternative token: the cookie holds this, not the id, so rotating it
    # ends every session of the user on the server.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # The secret in the personal calendar feed's URL; None until the user asks for a feed.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    units = relationship("Unit", secondary="unit_leaders", back_populates="leaders", order_by="Unit.name")

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_method())
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


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

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class LoginThrottle(db.Model):
    """One counter per throttled key (an account, a client address, the pair of both, a known
    device), hashed so no address or email is kept here. The login service locks the row with an
    UPDATE before it reads it, so parallel attempts in any number of processes queue on it."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until = mapped_column(DateTime, nullable=True)
    updated_at = mapped_column(DateTime, default=utcnow)
