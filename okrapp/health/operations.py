"""What the health check reads: the database's answer, the scheduler's heartbeat, the outbox and
failed jobs. A read-only report; the only write is the rollback that leaves the session usable
after the database failed to answer."""
import time

from flask import current_app
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.core.models import JobRun, OutboxMessage, SchedulerState
from okrapp.core.background.scheduler import ELECTION
from okrapp.core.timeutil import utcnow


def report() -> tuple[dict, int]:
    """The health report and its HTTP status: 503 only when the database cannot be reached."""
    started = time.perf_counter()
    try:
        db.session.execute(select(1))
    except Exception as error:  # noqa: BLE001 — reported, not raised: the answer is the point
        db.session.rollback()
        return {"status": "down", "database": {"ok": False, "error": type(error).__name__}}, 503
    database = {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    now = utcnow()
    scheduler, outbox = _scheduler(now), _outbox(now)
    failed_jobs = db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.status == "failed"))
    healthy = scheduler["ok"] and outbox["ok"] and not failed_jobs
    return {"status": "ok" if healthy else "degraded", "database": database, "scheduler": scheduler,
            "outbox": outbox, "jobs": {"failed": failed_jobs}}, 200


def _scheduler(now) -> dict:
    state = db.session.get(SchedulerState, ELECTION)
    if state is None or state.heartbeat_at is None:
        return {"ok": False, "active": None, "heartbeat_age_s": None}
    age = (now - state.heartbeat_at).total_seconds()
    # a heartbeat every OKRAPP_DELIVERY_SECONDS; three missed ones (and at least a minute) is stale
    limit = max(60.0, 3 * float(current_app.config["OKRAPP_DELIVERY_SECONDS"]))
    return {"ok": age <= limit, "active": state.holder, "heartbeat_age_s": round(age, 1)}


def _outbox(now) -> dict:
    due = select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
    backlog, oldest = db.session.execute(due).one()
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).where(
        OutboxMessage.status.in_(("failed", "uncertain"))).group_by(OutboxMessage.status)).all())
    failed, uncertain = counts.get("failed", 0), counts.get("uncertain", 0)
    age = (now - oldest).total_seconds() if oldest else 0.0
    return {"ok": age <= 600 and not failed and not uncertain, "backlog": backlog, "oldest_due_age_s": round(age, 1),
            "failed": failed, "uncertain": uncertain}
