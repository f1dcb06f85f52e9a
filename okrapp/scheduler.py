"""The scheduler process: APScheduler 3 with its job store in the app database.

Only one thing is scheduled: a tick every minute that sweeps for due periods (okrapp.jobs) and
delivers the outbox. The periods themselves are claimed in the database, so running two
schedulers by mistake does no harm, and a run missed during downtime is made up by the sweep,
not by APScheduler's misfire handling (which replace_existing would defeat)."""
import logging
import os

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from .extensions import db

log = logging.getLogger("okrapp.scheduler")
TICK_ID = "okrapp.tick"

# APScheduler keeps jobs in the database as textual references ("okrapp.scheduler:tick"), so the
# job function cannot be handed the app; the process that runs the scheduler registers it here.
_process_app = {}


def tick() -> None:
    app = _process_app["app"]
    with app.app_context():
        from .jobs import tick as run_tick
        try:
            run_tick()
        finally:
            db.session.remove()


def build(app, blocking: bool = False):
    with app.app_context():
        engine = db.engine
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(jobstores={"default": SQLAlchemyJobStore(engine=engine)},
                                timezone=app.config["OKRAPP_TIMEZONE"],
                                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    _process_app["app"] = app
    scheduler.add_job("okrapp.scheduler:tick", "interval", minutes=1, id=TICK_ID, replace_existing=True,
                      name="Sweep due job periods and deliver mail")
    return scheduler


def start_in_process(app):
    """For `okrapp run`: a background scheduler, started once (not in the reloader's watcher)."""
    scheduler = build(app)
    scheduler.start()
    tick()  # sweep at start: make up what was missed while nothing ran
    log.info("scheduler started in process %s", os.getpid())
    return scheduler


def run_forever(app) -> None:
    """For `okrapp scheduler`: the one scheduler process beside gunicorn in production."""
    scheduler = build(app, blocking=True)
    tick()
    log.info("scheduler process %s running; Ctrl-C stops it", os.getpid())
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
