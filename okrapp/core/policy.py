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


def can_view_periods(user) -> bool:
    """The plan periods bonuses are planned for, with how many incentives each holds."""
    return _role(user, "admin", "executive")


def can_manage_periods(user) -> bool:
    """Name and date plan periods: admins, as with cycles."""
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


def can_import_check_ins(user) -> bool:
    """The sheet's rows are each checked with can_check_in."""
    return _role(user, "executive", "unit_leader")


def can_push_metric_values(user) -> bool:
    """Measured values from other systems (through an API token of this user)."""
    return _role(user, "admin", "executive")


def can_correct_check_in(user, key_result) -> bool:
    """Executives, and the owner: leaders of the accountable unit. A correction rewrites what the
    history says about the past, so contributors (who may check in) may not."""
    if _role(user, "executive"):
        return True
    return leads(user, key_result.accountable_unit)


def leads(user, unit) -> bool:
    return _role(user, "unit_leader") and any(u.id == unit.id for u in user.units)


def can_view_incentives(user, unit=None) -> bool:
    """Bonus criteria are sensitive: unit leaders see their own units' only."""
    if _role(user, "admin", "executive", "board"):
        return True
    if unit is None:
        return _role(user, "unit_leader")
    return leads(user, unit)


def can_manage_incentives(user) -> bool:
    return _role(user, "admin", "executive")


def can_propose_incentive_change(user, unit) -> bool:
    return leads(user, unit)


def can_edit_links(user) -> bool:
    return _role(user, "executive")


def conflict_unit_scope(user) -> list[int] | None:
    """Whose conflict items a user sees: None means all of them; a unit leader sees the items
    their units take part in (through an incentive, or a key result they own or contribute to)."""
    if _role(user, "admin", "executive", "board"):
        return None
    return [u.id for u in user.units] if _role(user, "unit_leader") else []


def can_act_on_conflicts(user) -> bool:
    return _role(user, "executive")


def can_manage_schedules(user) -> bool:
    return _role(user, "admin", "executive")


def can_run_reviews(user) -> bool:
    """Re-rank, record decisions, close, move or cancel a review."""
    return _role(user, "executive")


def can_see_operations(user) -> bool:
    """The outbox and job runs."""
    return _role(user, "admin")


def can_view_dashboard(user) -> bool:
    return _role(user, "admin", "executive", "board")


def can_read_summaries(user) -> bool:
    return _role(user, "board", "executive", "admin")


def can_prepare_summaries(user) -> bool:
    """Preview the next summary and write its covering note: the executives, whose words it
    carries, and the admins who send it."""
    return _role(user, "admin", "executive")


def can_manage_summaries(user) -> bool:
    """Schedule, recipients, send now, resend: admins."""
    return _role(user, "admin")


def can_change_own_password(user) -> bool:
    return bool(user and user.is_authenticated and user.active)


def require(decision):
    """Route decorator: 403 unless decision(current_user) holds (login is checked first)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from okrapp.core.extensions import login_manager
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
