"""Who may do what: one function per decision, used by routes, templates and the CLI.

Every write route asks one of these; nothing else in the code checks roles."""
from functools import wraps

from flask import abort
from flask_login import current_user


def _role(user, *roles) -> bool:
    return bool(user and user.is_authenticated and user.active and user.role in roles)


def can_view(user) -> bool:
    return _role(user, "admin", "executive", "unit_leader", "board")


def can_manage_users(user) -> bool:
    return _role(user, "admin")


def can_manage_units(user) -> bool:
    return _role(user, "admin")


def can_manage_cycles(user) -> bool:
    return _role(user, "admin")


def can_manage_metrics(user) -> bool:
    return _role(user, "admin", "executive")


def can_edit_okrs(user) -> bool:
    return _role(user, "executive")


def can_rank(user) -> bool:
    return _role(user, "executive")


def can_check_in(user, key_result) -> bool:
    """Executives may check in anywhere; unit leaders on results their units share."""
    if _role(user, "executive"):
        return True
    if not _role(user, "unit_leader"):
        return False
    led = {unit.id for unit in user.units}
    return any(unit.id in led for unit in key_result.units)


def can_change_own_password(user) -> bool:
    return bool(user and user.is_authenticated and user.active)


def require(decision):
    """Route decorator: 403 unless decision(current_user) holds (login is checked first)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager
                return login_manager.unauthorized()
            if not decision(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def ensure(allowed: bool) -> None:
    """For object-level decisions made inside a view."""
    if not allowed:
        abort(403)
