"""Admins' work on people: inviting someone (one at a time or from a sheet), changing their role,
units and status, what a person leaving hands over, and the account events' audit list."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from okrapp.accounts import links, sessions
from okrapp.accounts.models import LOCALES, AccountEvent, User, record_event
from okrapp.accounts.operations import Ended, end_everything
from okrapp.accounts.rules import PeopleReport, read_people_sheet
from okrapp.admin.models import Unit
from okrapp.core import versioning
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today
from okrapp.core.transaction import operation
from okrapp.core.words import N_, _, ngettext
from okrapp.domain.sheets import MAX_BYTES, MAX_ROWS
from okrapp.okrs.models import Cycle, KeyResult, Objective
from okrapp.reviews.models import ReviewDecision, ReviewSchedule, schedule_participants

CONFIRM_ADMIN = N_("Tick the box to confirm that this person becomes an admin.")
LAST_ADMIN = N_("%(name)s is the last active admin: make someone else an admin first.")
NOT_OFFERED = N_("Choose one of the languages offered.")


def create_user(email: str, name: str, role: str, password: str | None = None, units=(),
                locale: str | None = None) -> User:
    """A person with a password (the CLI, the demo, tests), or without one (invite_person)."""
    email = email.strip().lower()
    if versioning.taken(User, User.email, email):
        raise ServiceError(_("A user with email %(email)s already exists.", email=email), field="email")
    if locale is not None and locale not in LOCALES:
        raise ServiceError(_(NOT_OFFERED), field="locale")
    user = User(email=email, name=name.strip(), role=role, locale=locale)
    if password:
        user.set_password(password)
    user.units = list(units)
    db.session.add(user)
    db.session.flush()
    return user


def invite_person(email: str, name: str, role: str, units=(), locale: str | None = None, by=None,
                  confirmed_admin: bool = False) -> User:
    """A new person without a password, and an invitation by mail to choose one."""
    if role == "admin" and not confirmed_admin:
        raise ServiceError(_(CONFIRM_ADMIN), field="confirm_admin")
    user = create_user(email, name, role, None, units, locale)
    links.send_invitation(user, by)
    return user


def _keep_an_admin(user: User, role: str, active: bool) -> None:
    """Refuse to leave the organisation without an active admin. Every active admin's row is locked
    in id order first, so two admins demoting each other at once cannot both succeed."""
    admins = db.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))
                                .order_by(User.id).with_for_update()).all()
    if user.id in admins and (role != "admin" or not active) and len(admins) == 1:
        raise ServiceError(_(LAST_ADMIN, name=user.name), field="role" if role != "admin" else "active")


def update_user(user: User, name: str, role: str, active: bool, units=(), password: str | None = None, by=None,
                expected_version: int | None = None, keep_session: int | None = None, locale: str | None = None,
                confirmed_admin: bool = False) -> None:
    """keep_session: the id of the admin's own session when they edit themselves."""
    if role == "admin" and user.role != "admin" and not confirmed_admin:
        raise ServiceError(_(CONFIRM_ADMIN), field="confirm_admin")
    _keep_an_admin(user, role, active)
    versioning.claim(user, expected_version, by)
    old_role = user.role
    user.name = name.strip()
    deactivated, reactivated, demoted = user.active and not active, active and not user.active, user.role != role
    user.role = role
    user.active = active
    if locale in LOCALES:
        user.locale = locale
    user.units = list(units)
    if password:
        user.set_password(password)
        links.revoke_open(user, "invite")
    db.session.flush()
    if demoted:
        record_event("role_changed", user, by, detail=f"{old_role} → {role}")
    if deactivated:
        end_everything(user, "deactivated")
        links.revoke_open(user)
        record_event("deactivated", user, by)
    elif password:
        end_everything(user, "password set by an admin", keep_session=keep_session)
    elif demoted:  # the new role applies at the next request anyway; open pages of the old one end
        sessions.end_all(user, "role changed", keep=keep_session)
    if reactivated:
        record_event("reactivated", user, by)


@operation
def deactivate(user: User, by=None) -> Ended:
    """Someone leaves: they cannot log in, and every session, API token and the calendar link end."""
    if not user.active:
        raise ServiceError(_("%(name)s is deactivated already.", name=user.name))
    _keep_an_admin(user, user.role, False)
    versioning.claim(user, None, by)
    user.active = False
    db.session.flush()
    ended = end_everything(user, "deactivated")
    links.revoke_open(user)
    record_event("deactivated", user, by)
    return ended


@operation
def resend_invitation(user: User, by=None) -> None:
    if user.has_password:
        raise ServiceError(_("%(name)s has joined already; they can reset their password from the login page.",
                             name=user.name))
    if not user.active:
        raise ServiceError(_("%(name)s is deactivated; make them active first.", name=user.name))
    links.send_invitation(user, by, event="invitation_resent")


@operation
def revoke_invitation(user: User, by=None) -> None:
    """The link stops working and the person, who never joined, is deactivated."""
    if user.has_password:
        raise ServiceError(_("%(name)s has joined already; deactivate them instead.", name=user.name))
    links.revoke_open(user, "invite")
    if user.active:
        versioning.claim(user, None, by)
        user.active = False
    db.session.flush()
    record_event("invitation_revoked", user, by)


@dataclass(frozen=True)
class Handover:
    """What a person leaving owns, for an admin to give to someone else."""
    units: list  # (unit, the other leaders' names)
    key_results: list  # accountable to a unit they lead, in a cycle not over
    objectives: list  # created by them, in a cycle not over
    actions: list  # open review actions they own
    schedules: list  # (schedule, "chair" and/or "participant")

    @property
    def empty(self) -> bool:
        return not (self.units or self.key_results or self.objectives or self.actions or self.schedules)


def handover(user: User) -> Handover:
    """Five queries, whatever the person owns."""
    today = local_today()
    units = db.session.scalars(select(Unit).where(Unit.leaders.any(User.id == user.id)).order_by(Unit.name)
                               .options(selectinload(Unit.leaders))).all()
    unit_ids = [unit.id for unit in units]
    key_results = db.session.scalars(
        select(KeyResult).join(Objective).join(Cycle).where(KeyResult.accountable_unit_id.in_(unit_ids),
                                                            Cycle.ends_on >= today)
        .order_by(Cycle.starts_on, Objective.rank, KeyResult.id)
        .options(selectinload(KeyResult.objective), selectinload(KeyResult.accountable_unit))).all() if unit_ids else []
    objectives = db.session.scalars(select(Objective).join(Cycle).where(Objective.created_by_id == user.id,
                                                                        Cycle.ends_on >= today)
                                    .order_by(Cycle.starts_on, Objective.rank)).all()
    actions = db.session.scalars(select(ReviewDecision).where(ReviewDecision.kind == "action",
                                                              ReviewDecision.owner_id == user.id,
                                                              ReviewDecision.done_at.is_(None))
                                 .order_by(ReviewDecision.due_on, ReviewDecision.id)).all()
    seated = select(schedule_participants.c.schedule_id).where(schedule_participants.c.user_id == user.id)
    schedules = db.session.scalars(select(ReviewSchedule).where(
        ReviewSchedule.active.is_(True), or_(ReviewSchedule.chair_id == user.id, ReviewSchedule.id.in_(seated)))
        .order_by(ReviewSchedule.name).options(selectinload(ReviewSchedule.participants))).all()
    return Handover(
        units=[(unit, [leader.name for leader in unit.leaders if leader.id != user.id]) for unit in units],
        key_results=list(key_results), objectives=list(objectives), actions=list(actions),
        schedules=[(schedule, _seat(schedule.chair_id == user.id, user in schedule.participants))
                   for schedule in schedules])


def _seat(chair: bool, participant: bool) -> str:
    """Where the person sits in a review schedule, as the handover page says it."""
    if chair and participant:
        return _("chair and participant")
    return _("chair") if chair else _("participant")


def sheet_limits() -> tuple[int, int]:
    """Bytes and rows an uploaded sheet may have (OKRAPP_IMPORT_MAX_BYTES / _ROWS override)."""
    return (current_app.config.get("OKRAPP_IMPORT_MAX_BYTES", MAX_BYTES),
            current_app.config.get("OKRAPP_IMPORT_MAX_ROWS", MAX_ROWS))


def preview_people(data: bytes) -> PeopleReport:
    """Every problem of every line, and who is here already (matched on the address, any case)."""
    units = set(db.session.scalars(select(Unit.name)))
    existing = set(db.session.scalars(select(func.lower(User.email))))
    max_bytes, max_rows = sheet_limits()
    return read_people_sheet(data, units, existing, max_bytes=max_bytes, max_rows=max_rows)


def invite_people(data: bytes, by=None) -> int:
    """All or none: the sheet is read again (it may have changed since the preview); everyone new is
    invited, people here already are left as they are. How many were invited."""
    report = preview_people(data)
    if report.problems:
        raise ServiceError(ngettext("The sheet has %(num)s problem; nobody was invited.",
                                    "The sheet has %(num)s problems; nobody was invited.", len(report.problems)))
    units = {unit.name: unit for unit in db.session.scalars(select(Unit))}
    for row in report.new:
        invite_person(row.email, row.name, row.role, [units[name] for name in row.units], row.locale, by)
    return len(report.new)


EVENTS_PER_PAGE = 50


def account_events(paging) -> tuple[list[AccountEvent], object]:
    """The audit list, newest first, a page at a time: paging(total) gives the page; two queries."""
    page = paging(db.session.scalar(select(func.count()).select_from(AccountEvent)))
    events = db.session.scalars(select(AccountEvent).order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
                                .offset(page.offset).limit(page.per_page)
                                .options(selectinload(AccountEvent.user), selectinload(AccountEvent.actor))).all()
    return list(events), page


def users_for_admin() -> list[User]:
    """The people page: active ones first, by name, their units in one more query."""
    return db.session.scalars(select(User).order_by(User.active.desc(), User.name)
                              .options(selectinload(User.units))).all()


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@operation
def choose_language(user: User, code: str) -> None:
    """The person's language, chosen with the switch or on their profile: pages and their mail follow it."""
    if code not in LOCALES:
        raise ServiceError(_(NOT_OFFERED), field="locale")
    user.locale = code
    db.session.flush()
