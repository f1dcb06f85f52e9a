"""Admins' work on people: adding someone, changing their role, units and status."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from okrapp.accounts.models import User
from okrapp.core import versioning
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db


def create_user(email: str, name: str, role: str, password: str, units=()) -> User:
    email = email.strip().lower()
    if versioning.taken(User, User.email, email):
        raise ServiceError(f"A user with email {email} already exists.", field="email")
    user = User(email=email, name=name.strip(), role=role)
    user.set_password(password)
    user.units = list(units)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, name: str, role: str, active: bool, units=(), password: str | None = None, by=None,
                expected_version: int | None = None) -> None:
    versioning.claim(user, expected_version, by)
    user.name = name.strip()
    if user.role != role or (user.active and not active):
        user.end_sessions()  # a demoted or deactivated user must not keep old rights
    user.role = role
    user.active = active
    user.units = list(units)
    if password:
        user.set_password(password)
    db.session.flush()


def users_for_admin() -> list[User]:
    """The people page: active ones first, by name, their units in one more query."""
    return db.session.scalars(select(User).order_by(User.active.desc(), User.name)
                              .options(selectinload(User.units))).all()


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)
