"""Units and cycles, as admins manage them; what the admin pages load, and the outbox and job
actions of the operations pages."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from okrapp.accounts.models import User
from okrapp.core import mail
from okrapp.core.background import jobs as background
from okrapp.core.extensions import db
from okrapp.core.models import JobRun, OutboxMessage
from okrapp.core.transaction import operation
from okrapp.okrs.models import Cycle
from okrapp.admin.models import Unit
from okrapp.core.errors import ServiceError
from okrapp.core import versioning
from okrapp.core.words import _

OUTBOX_SHOWN = 200
RUNS_SHOWN = 100


def save_unit(unit: Unit | None, name: str, kind: str, description: str, leaders=(), by=None,
              expected_version: int | None = None) -> Unit:
    if unit is not None:
        versioning.claim(unit, expected_version, by)
    name = name.strip()
    if versioning.taken(Unit, Unit.name, name, unit.id if unit else None):
        raise ServiceError(_("A unit named %(name)s already exists.", name=name), field="name")
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
        raise ServiceError(_("The cycle must end on or after its start."), field="ends_on")
    if versioning.taken(Cycle, Cycle.name, name, cycle.id if cycle else None):
        raise ServiceError(_("A cycle named %(name)s already exists.", name=name), field="name")
    cycle = cycle or Cycle()
    cycle.name, cycle.starts_on, cycle.ends_on = name, starts_on, ends_on
    db.session.add(cycle)
    db.session.flush()
    return cycle


# -- what the pages load -----------------------------------------------------------------------

def units_with_leaders() -> list[Unit]:
    """The units page: by kind, then name; the leaders in one more query."""
    return db.session.scalars(select(Unit).order_by(Unit.kind, Unit.name).options(selectinload(Unit.leaders))).all()


def units_by_name() -> list[Unit]:
    """For choosing units (a user's units, the conflict list's filter)."""
    return db.session.scalars(select(Unit).order_by(Unit.name)).all()


def unit_or_404(unit_id: int) -> Unit:
    return db.get_or_404(Unit, unit_id)


def possible_leaders() -> list[User]:
    """Who may lead a unit: the active users, by name."""
    return db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()


def cycles_newest_first() -> list[Cycle]:
    return db.session.scalars(select(Cycle).order_by(Cycle.starts_on.desc())).all()


def cycle_or_404(cycle_id: int) -> Cycle:
    return db.get_or_404(Cycle, cycle_id)


def outbox_messages(status: str | None) -> list[OutboxMessage]:
    """The latest messages, newest first, of one status when given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(OUTBOX_SHOWN)
    if status:
        query = query.where(OutboxMessage.status == status)
    return db.session.scalars(query).all()


def message_or_404(message_id: int) -> OutboxMessage:
    return db.get_or_404(OutboxMessage, message_id)


def latest_runs() -> list[JobRun]:
    return db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
                              .limit(RUNS_SHOWN)).all()


def run_or_404(run_id: int) -> JobRun:
    return db.get_or_404(JobRun, run_id)


# -- the operations pages' actions -------------------------------------------------------------

@operation
def retry_message(message: OutboxMessage) -> None:
    """Back in the queue, due now: the scheduler sends it, never the request."""
    if not mail.retryable(message):
        raise ServiceError(_("Only a failed, waiting, uncertain or stuck message can be retried."))
    mail.retry(message)


@operation
def rerun_job(run: JobRun) -> None:
    """Due now: the scheduler runs it on its next tick (the work never runs in a web request)."""
    try:
        background.schedule_rerun(run)
    except ValueError:
        raise ServiceError(_("Only a failed run can be re-run.")) from None
