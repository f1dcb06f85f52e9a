"""Users, units, cycles and custom metrics, as admins (and executives, for metrics) manage them."""
import re

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Cycle, Metric, Unit, User
from . import ServiceError, versioning


def _taken(model, column, value, exclude_id=None) -> bool:
    """Taken in any letter case. The exact comparison is there too because SQL lower() changes only
    ASCII letters (SQLite; PostgreSQL under the C locale): "Ä" would pass the case-blind check and
    meet the unique index instead (a 500)."""
    value = value.strip()
    query = select(model.id).where(or_(column == value, func.lower(column) == value.lower()))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def create_user(email: str, name: str, role: str, password: str, units=()) -> User:
    email = email.strip().lower()
    if _taken(User, User.email, email):
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


def save_unit(unit: Unit | None, name: str, kind: str, description: str, leaders=(), by=None,
              expected_version: int | None = None) -> Unit:
    if unit is not None:
        versioning.claim(unit, expected_version, by)
    name = name.strip()
    if _taken(Unit, Unit.name, name, unit.id if unit else None):
        raise ServiceError(f"A unit named {name} already exists.", field="name")
    unit = unit or Unit()
    unit.name, unit.kind, unit.description = name, kind, description.strip()
    unit.leaders = list(leaders)
    db.session.add(unit)
    db.session.flush()
    return unit


def save_cycle(cycle: Cycle | None, name: str, starts_on, ends_on, by=None,
               expected_version: int | None = None) -> Cycle:
    if cycle is not None:
        versioning.claim(cycle, expected_version, by)
    name = name.strip()
    if ends_on < starts_on:
        raise ServiceError("The cycle must end on or after its start.", field="ends_on")
    if _taken(Cycle, Cycle.name, name, cycle.id if cycle else None):
        raise ServiceError(f"A cycle named {name} already exists.", field="name")
    cycle = cycle or Cycle()
    cycle.name, cycle.starts_on, cycle.ends_on = name, starts_on, ends_on
    db.session.add(cycle)
    db.session.flush()
    return cycle


def metric_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:64] or "metric"


def create_metric(name: str, unit: str, min_value: float | None, max_value: float | None) -> Metric:
    name = name.strip()
    key = metric_key(name)
    if _taken(Metric, Metric.name, name) or db.session.scalar(select(Metric.id).where(Metric.key == key)):
        raise ServiceError(f"A metric named {name} already exists.", field="name")
    if min_value is not None and max_value is not None and min_value >= max_value:
        raise ServiceError("The minimum must be below the maximum.", field="max_value")
    metric = Metric(key=key, name=name, unit=unit.strip(), min_value=min_value, max_value=max_value,
                    kind="numeric", builtin=False)
    db.session.add(metric)
    db.session.flush()
    return metric
