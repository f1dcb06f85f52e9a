"""The jobs okrapp runs on a schedule. Each names the periods that should have run by now;
a run claims its (job, period) row first, so it happens once per period whatever runs it —
one scheduler, two by mistake, or an admin with `okrapp jobs run`. A missed period (downtime)
is found by the sweep at start and on every tick and made up once."""
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import mail
from .extensions import db
from .models import JobRun, ReviewMeeting
from .timeutil import local_today, utcnow

log = logging.getLogger("okrapp.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    due: Callable[[datetime], list[str]]  # periods that should have run by now
    run: Callable[[str], str]  # does the work of one period, returns a line for the log


def _today(now: datetime) -> list[str]:
    return [local_today().isoformat()]


def _plan(period: str) -> str:
    from .services.reviews import plan_meetings
    return f"{len(plan_meetings())} meeting(s) planned"


def _meetings(select_due):
    def due(now: datetime) -> list[str]:
        return [f"meeting-{m.id}" for m in select_due(now)]
    return due


def _meeting(period: str) -> ReviewMeeting:
    meeting = db.session.get(ReviewMeeting, int(period.removeprefix("meeting-")))
    if meeting is None:
        raise ValueError(f"no meeting for period {period!r}")
    return meeting


def _remind(period: str) -> str:
    from .services.reviews import send_reminders
    return f"{send_reminders(_meeting(period))} reminder(s) queued"


def _agenda(period: str) -> str:
    from .services.reviews import generate_agenda
    agenda = generate_agenda(_meeting(period))
    return f"agenda with {len(agenda['priorities'])} priorities"


def _refresh(period: str) -> str:
    from .services.conflicts import refresh_findings
    report = refresh_findings()
    return f"{len(report.new)} new, {len(report.resolved_by_change)} resolved by change"


def registry() -> dict[str, Job]:
    from .services import reviews
    jobs = [
        Job("reviews.plan", "Create review meetings ahead and invite participants", _today, _plan),
        Job("reviews.remind", "Remind unit leaders to check in before a review",
            _meetings(reviews.reminder_due), _remind),
        Job("reviews.agenda", "Generate the agenda the day before a review", _meetings(reviews.agenda_due), _agenda),
        Job("conflicts.refresh", "Re-scan incentives, links and check-ins for conflicts", _today, _refresh),
    ]
    jobs += extra_jobs()
    return {job.name: job for job in jobs}


def extra_jobs() -> list[Job]:
    """Jobs of later features (board summaries) register here."""
    try:
        from .services.board import board_jobs
    except ImportError:
        return []
    return board_jobs()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_job(name: str, period: str, claimed_by: str | None = None) -> JobRun | None:
    """Claim (name, period) and run it; None when it was claimed before (by anyone)."""
    job = registry().get(name)
    if job is None:
        raise KeyError(name)
    run = JobRun(job=name, period=period, status="running", started_at=utcnow(), claimed_by=claimed_by or worker_name())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    try:
        run.detail = job.run(period)
        run.status = "done"
    except Exception as error:  # noqa: BLE001 — recorded for admins, the next period still runs
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
        run.status, run.detail = "failed", f"{type(error).__name__}: {error}"[:2000]
        log.exception("job %s %s failed", name, period)
    run.finished_at = utcnow()
    db.session.commit()
    mail.deliver_pending()
    return run


def sweep(claimed_by: str | None = None) -> list[JobRun]:
    """Run every due period that has no job-run record yet."""
    now = utcnow()
    ran = []
    for job in registry().values():
        periods = job.due(now)
        if not periods:
            continue
        done = set(db.session.scalars(select(JobRun.period).where(JobRun.job == job.name, JobRun.period.in_(periods))))
        for period in periods:
            if period not in done:
                run = run_job(job.name, period, claimed_by)
                if run is not None:
                    ran.append(run)
    return ran


def tick(claimed_by: str | None = None) -> list[JobRun]:
    """What the scheduler does every minute: the sweep, then the outbox."""
    ran = sweep(claimed_by)
    mail.deliver_pending()
    return ran
