"""The jobs okrapp runs on a schedule. Each names the periods that should have run by now;
a run claims its (job, period) row first, so it happens once per period whatever runs it —
one scheduler, two by mistake, or an admin with `okrapp jobs run`. A missed period (downtime)
is found by the sweep at start and on every tick and made up once.

A claim is a lease (see JobRun): the holder renews it from a side thread while the work runs and
marks the run done in the same commit as the work, but only while it still holds the lease, so a
process that lost its lease (paused, cut off) cannot finish a period someone else took over. A
failed attempt is retried with doubling backoff; after the last attempt admins get a mail and the
Jobs page a banner. A job words what it says for people (its description, the detail of a run) in
the organisation's language (OKRAPP_DEFAULT_LOCALE)."""
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.models import JobRun
from okrapp.core.transaction import joined
from okrapp.core.timeutil import app_zone, local_today, to_local, utcnow

log = logging.getLogger("okrapp.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    due: Callable[[datetime], list[str]]  # periods that should have run by now
    run: Callable[[str], str]  # does the work of one period, returns a line for the log
    next_due: Callable[[datetime], datetime] | None = None  # when its next period falls due, if known


def daily(name: str, description: str, run: Callable[[str], str]) -> Job:
    """A job that runs once a local day: its period is the day, the next one falls due at midnight."""
    return Job(name, description, today_period, run, next_due=next_local_midnight)


def register(app, *jobs: Job, on_tick: Callable[[], None] | None = None,
             on_give_up: Callable[[JobRun], None] | None = None) -> None:
    """Features name their jobs at start (create_app); core knows none of them. on_tick runs every
    minute after the sweep (its own transaction); on_give_up hears of a run that failed every attempt."""
    hooks = app.extensions.setdefault("okrapp.jobs", _no_hooks())
    hooks["jobs"].update({job.name: job for job in jobs})
    if on_tick is not None:
        hooks["on_tick"].append(on_tick)
    if on_give_up is not None:
        hooks["on_give_up"].append(on_give_up)


def _no_hooks() -> dict:
    return {"jobs": {}, "on_tick": [], "on_give_up": []}


def _hooks() -> dict:
    return current_app.extensions.get("okrapp.jobs") or _no_hooks()


def registry() -> dict[str, Job]:
    return dict(_hooks()["jobs"])


def today_period(now: datetime) -> list[str]:
    """A job that runs once a local day."""
    return [local_today().isoformat()]


def next_local_midnight(now: datetime) -> datetime:
    """The start of the organisation's next day, as stored (naive UTC)."""
    midnight = datetime.combine(to_local(now).date() + timedelta(days=1), time(), tzinfo=app_zone())
    return midnight.astimezone(UTC).replace(tzinfo=None)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=float(current_app.config[name]))


def _takeable(now: datetime, force: bool = False):
    """Rows another process may claim: a lease that ran out, a retry that is due; with force
    (an admin's re-run) also a retry not yet due and a run that gave up."""
    expired = and_(JobRun.status == "running", JobRun.lease_until < now)
    due_retry = and_(JobRun.status == "retrying", JobRun.next_attempt_at <= now)
    if force:
        return or_(expired, JobRun.status.in_(("retrying", "failed")))
    return or_(expired, due_retry)


def claim(name: str, period: str, holder: str, force: bool = False) -> JobRun | None:
    """Take the lease on (name, period): a new row, or one that may be taken over. Commits."""
    now = utcnow()
    until = now + _seconds("OKRAPP_JOB_LEASE_SECONDS")
    run = JobRun(job=name, period=period, status="running", started_at=now, claimed_by=holder, attempts=1,
                 lease_until=until)
    db.session.add(run)
    try:
        db.session.commit()
        return run
    except IntegrityError:
        db.session.rollback()
    taken = db.session.execute(update(JobRun).where(JobRun.job == name, JobRun.period == period,
                                                    _takeable(now, force)).values(
        status="running", claimed_by=holder, started_at=now, finished_at=None, lease_until=until,
        next_attempt_at=None, attempts=JobRun.attempts + 1))
    db.session.commit()
    if taken.rowcount != 1:
        return None
    return db.session.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))


class _LeaseKeeper:
    """Renews a run's lease every third of its length until stopped, on a connection of its own."""

    def __init__(self, run: JobRun):
        self.app = current_app._get_current_object()
        self.run_id, self.holder, self.attempt = run.id, run.claimed_by, run.attempts
        self.length = _seconds("OKRAPP_JOB_LEASE_SECONDS")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{run.id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()

    def _renew(self):
        while not self.stopped.wait(self.length.total_seconds() / 3):
            try:
                with self.app.app_context(), db.engine.begin() as conn:
                    conn.execute(update(JobRun).where(*_held(self.run_id, self.holder, self.attempt))
                                 .values(lease_until=utcnow() + self.length))
            except Exception:  # noqa: BLE001 — a missed renewal only shortens the lease
                log.warning("could not renew the lease of job run %s", self.run_id, exc_info=True)


def _held(run_id: int, holder: str, attempt: int) -> tuple:
    """The run is still ours: nobody took it over since we claimed it."""
    return (JobRun.id == run_id, JobRun.claimed_by == holder, JobRun.attempts == attempt, JobRun.status == "running")


def run_job(name: str, period: str, claimed_by: str | None = None, force: bool = False) -> JobRun | None:
    """Claim (name, period) and run it; None when someone else holds or finished it."""
    job = registry().get(name)
    if job is None:
        raise KeyError(name)
    run = claim(name, period, claimed_by or worker_name(), force)
    if run is None:
        return None
    run_id, holder, attempt = run.id, run.claimed_by, run.attempts
    try:
        # operations inside join the commit that marks the period done; a run's detail is kept as facts
        # (formatting.change) worded for each reader, a refusal in the organisation's language
        with _LeaseKeeper(run), joined(), words.using(mail.reader_locale()):
            detail = job.run(period)
    except Exception as error:  # noqa: BLE001 — recorded, retried, and admins told when it gives up
        db.session.rollback()
        log.exception("job %s %s failed (attempt %s)", name, period, attempt)
        _record_failure(run_id, holder, attempt, f"{type(error).__name__}: {error}"[:2000])
    else:
        finished = db.session.execute(update(JobRun).where(*_held(run_id, holder, attempt)).values(
            status="done", detail=_stored(detail), finished_at=utcnow(), lease_until=None))
        if finished.rowcount != 1:  # our lease ran out and another process took over: its work counts
            db.session.rollback()
            log.warning("job %s %s lost its lease; its work was rolled back", name, period)
        else:
            db.session.commit()
    mail.deliver_pending()
    db.session.expire_all()
    return db.session.get(JobRun, run_id)


def _stored(detail) -> str:
    """What a run says, as facts (a dict from formatting.change) or, for a job that words it, as text."""
    return json.dumps(detail) if isinstance(detail, dict) else str(detail)[:2000]


def _record_failure(run_id: int, holder: str, attempt: int, detail: str) -> None:
    now = utcnow()
    gives_up = attempt >= int(current_app.config["OKRAPP_JOB_MAX_ATTEMPTS"])
    values = {"detail": detail, "finished_at": now, "lease_until": None}
    if gives_up:
        values.update(status="failed", alerted_at=now)
    else:
        values.update(status="retrying",
                      next_attempt_at=now + _seconds("OKRAPP_JOB_RETRY_SECONDS") * 2 ** (attempt - 1))
    recorded = db.session.execute(update(JobRun).where(*_held(run_id, holder, attempt)).values(**values))
    if recorded.rowcount == 1 and gives_up:
        run = db.session.get(JobRun, run_id)
        for hear in _hooks()["on_give_up"]:
            hear(run)
    db.session.commit()


def gave_up() -> list[JobRun]:
    """Runs that failed every attempt: the Jobs page's banner, until someone re-runs them."""
    return db.session.scalars(select(JobRun).where(JobRun.status == "failed")
                              .order_by(JobRun.finished_at.desc()).limit(20)).all()


def schedule_rerun(run: JobRun) -> None:
    """An admin's re-run from the Jobs page: due now, the scheduler picks it up on its next tick."""
    if run.status not in ("failed", "retrying"):
        raise ValueError("only a failed run can be re-run")
    run.status, run.next_attempt_at = "retrying", utcnow()
    db.session.flush()


def _open_runs(name: str, periods: list[str]) -> dict[str, JobRun]:
    return {r.period: r for r in db.session.scalars(select(JobRun).where(
        JobRun.job == name, or_(JobRun.period.in_(periods), JobRun.status.in_(("running", "retrying")))))}


def sweep(claimed_by: str | None = None) -> list[JobRun]:
    """Run every due period that has no run yet, whose lease ran out, or whose retry is due."""
    now = utcnow()
    ran = []
    for job in registry().values():
        periods = job.due(now)
        rows = _open_runs(job.name, periods)
        candidates = list(dict.fromkeys([*periods, *(p for p, r in rows.items() if r.status in ("running", "retrying"))]))
        for period in candidates:
            row = rows.get(period)
            if row is not None and not _may_take(row, now):
                continue
            run = run_job(job.name, period, claimed_by)
            if run is not None:
                ran.append(run)
    return ran


@dataclass(frozen=True)
class JobState:
    """What `okrapp jobs` says of a job: the periods the next sweep runs (never one done already), the
    runs of due periods that wait (running under a live lease, a retry not due yet, given up), the
    job's last run, and when its next period falls due."""
    job: Job
    due_now: list[str]
    waiting: list[JobRun]
    last_run: JobRun | None
    next_due: datetime | None


def states(now: datetime) -> list[JobState]:
    found = []
    for job in registry().values():
        periods = job.due(now)
        rows = _open_runs(job.name, periods)
        due_now = [p for p in periods if p not in rows or _may_take(rows[p], now)]
        waiting = [r for p, r in rows.items() if r.status != "done" and p not in due_now]
        last = db.session.scalar(select(JobRun).where(JobRun.job == job.name)
                                 .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1))
        found.append(JobState(job, due_now, waiting, last, job.next_due(now) if job.next_due else None))
    return found


def _may_take(row: JobRun, now: datetime) -> bool:
    if row.status == "running":
        return row.lease_until is not None and row.lease_until < now
    return row.status == "retrying" and row.next_attempt_at is not None and row.next_attempt_at <= now


def _run_tick_hooks() -> None:
    """Each feature's per-minute catch-up (conflict items after saves), outside any web request."""
    for hook in _hooks()["on_tick"]:
        try:
            with joined():
                hook()
        except Exception:  # noqa: BLE001 — logged; the next tick tries again, mail still goes out
            db.session.rollback()
            log.exception("%s failed", getattr(hook, "__qualname__", hook))


def tick(claimed_by: str | None = None) -> list[JobRun]:
    """What the scheduler does every minute: the sweep, conflict items after changes, then the outbox."""
    ran = sweep(claimed_by)
    _run_tick_hooks()
    mail.deliver_pending()
    return ran
