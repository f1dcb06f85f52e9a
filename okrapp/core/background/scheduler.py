"""The scheduler process: APScheduler 3 with its job store in the app database.

Any number of `okrapp scheduler` processes may run (one per host, say); exactly one is active.
The active one holds a lock that dies with it: a PostgreSQL session advisory lock (released by the
server when the process's connection drops, kill -9 included), or on SQLite an flock on a file
beside the database (released by the kernel). The others try again every
OKRAPP_SCHEDULER_POLL_SECONDS, so one of them takes over within that time.

The active process schedules three things: a tick (OKRAPP_SCHEDULER_TICK_SECONDS) that sweeps for
due job periods (core.background.jobs), the outbox delivery (OKRAPP_DELIVERY_SECONDS: mail queued by a web
request leaves within seconds of its commit), and a heartbeat that /healthz reports. The job
periods and messages are leases in the database, so even two active processes (a lock lost to a
network cut) do no harm, and work a dead process held is taken over when its lease runs out."""
import fcntl
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from okrapp.core.extensions import db

log = logging.getLogger("okrapp.scheduler")
TICK_ID, DELIVER_ID, HEARTBEAT_ID = "okrapp.tick", "okrapp.deliver", "okrapp.heartbeat"
ELECTION = "scheduler"
ADVISORY_LOCK_KEY = 0x6F6B7261  # "okra": the one lock okrapp takes

# APScheduler keeps jobs in the database as textual references ("okrapp.core.background.scheduler:tick"), so the
# job function cannot be handed the app; the process that runs the scheduler registers it here.
_process_app = {}


def _in_app(work):
    app = _process_app["app"]
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def tick() -> None:
    from okrapp.core.background.jobs import tick as run_tick
    _in_app(run_tick)


def deliver() -> None:
    from okrapp.core.mail import deliver_pending
    _in_app(deliver_pending)


def heartbeat() -> None:
    _in_app(_beat)


def _beat() -> None:
    """Say this process is the active scheduler, now."""
    from okrapp.core.background.jobs import worker_name
    from okrapp.core.models import SchedulerState
    from okrapp.core.timeutil import utcnow
    now, holder = utcnow(), worker_name()
    updated = db.session.execute(update(SchedulerState).where(SchedulerState.name == ELECTION)
                                 .values(holder=holder, heartbeat_at=now))
    if updated.rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(SchedulerState(name=ELECTION, holder=holder, started_at=now, heartbeat_at=now))
        except IntegrityError:
            pass
    db.session.commit()


def build(app):
    with app.app_context():
        engine = db.engine
    config = app.config
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)},
                                    timezone=config["OKRAPP_TIMEZONE"],
                                    job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    _process_app["app"] = app
    # the first tick at once: make up what was missed, take over what a dead process held —
    # in the pool, so a long sweep never holds up delivery or the heartbeat
    scheduler.add_job("okrapp.core.background.scheduler:tick", "interval", seconds=float(config["OKRAPP_SCHEDULER_TICK_SECONDS"]),
                      id=TICK_ID, replace_existing=True, name="Sweep due job periods",
                      next_run_time=datetime.now(UTC))
    scheduler.add_job("okrapp.core.background.scheduler:deliver", "interval", seconds=float(config["OKRAPP_DELIVERY_SECONDS"]),
                      id=DELIVER_ID, replace_existing=True, name="Deliver the outbox")
    scheduler.add_job("okrapp.core.background.scheduler:heartbeat", "interval", seconds=float(config["OKRAPP_DELIVERY_SECONDS"]),
                      id=HEARTBEAT_ID, replace_existing=True, name="Tell /healthz the scheduler is alive")
    return scheduler


def start_in_process(app):
    """For `okrapp run`: a background scheduler, started once (not in the reloader's watcher)."""
    scheduler = build(app)
    heartbeat()
    scheduler.start()
    log.info("scheduler started in process %s", os.getpid())
    return scheduler


# -- election ----------------------------------------------------------------------------------

class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a connection held for as long as we lead."""

    def __init__(self, engine):
        self.engine, self.conn = engine, None

    def acquire(self) -> bool:
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        conn.commit()
        if got:
            self.conn = conn
        else:
            conn.close()
        return bool(got)

    def held(self) -> bool:
        """False once the connection (and with it the lock) is gone."""
        try:
            self.conn.execute(text("SELECT 1"))
            self.conn.commit()
            return True
        except Exception:  # noqa: BLE001 — any failure means the lock may be someone else's now
            return False

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                self.conn.commit()
            except Exception:  # noqa: BLE001
                pass
            self.conn.close()
            self.conn = None


class FileLock:
    """SQLite: an flock on a file beside the database; the kernel drops it when the process dies."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return True

    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def election_lock(app):
    with app.app_context():
        engine = db.engine
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(engine)
    database = url.database
    if database and database != ":memory:":
        return FileLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    return FileLock(Path(app.instance_path) / "scheduler.lock")


def run_forever(app, stop: threading.Event | None = None) -> None:
    """For `okrapp scheduler`: stand by until elected, then lead until stopped or the lock is lost."""
    stop = stop or threading.Event()
    lock = election_lock(app)
    poll = float(app.config["OKRAPP_SCHEDULER_POLL_SECONDS"])
    log.info("scheduler process %s started; waiting to be the active one", os.getpid())
    while not stop.is_set():
        if lock.acquire():
            try:
                _lead(app, lock, stop, poll)
            finally:
                lock.release()
        else:
            stop.wait(poll)


def _lead(app, lock, stop: threading.Event, poll: float) -> None:
    log.info("scheduler process %s is now the active scheduler", os.getpid())
    scheduler = build(app)
    heartbeat()
    scheduler.start()
    try:
        while not stop.wait(min(poll, 5.0)):
            if not lock.held():
                log.error("scheduler process %s lost its lock; standing by again", os.getpid())
                return
    finally:
        scheduler.shutdown(wait=True)
