"""Records every feature shares: the Versioned columns of every edited record, and the operational
ones (job runs leased once per period, the mail outbox, the scheduler's heartbeat, APScheduler's
job store)."""
from sqlalchemy import Column, DateTime, Float, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow


class Versioned:
    """The columns every record people edit carries, so a stale save can be refused (core/versioning.py).
    version: raised by one on every save, compared with the one the form was loaded with.
    updated_by_name: the name as it was at the save, for the "changed by … meanwhile" message."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at = mapped_column(DateTime, nullable=True)
    updated_by_name: Mapped[str] = mapped_column(String(120), default="", server_default="")


JOB_STATUSES = ("running", "done", "retrying", "failed")


class JobRun(db.Model):
    """Claimed before the work starts: the unique (job, period) makes a second claim fail, so a
    period's work happens once however many schedulers run. The claim is a lease: its holder renews
    `lease_until` while it works, so a holder that died (kill -9, out of memory, a deploy) lets the
    lease run out and another process takes the period over. A failed attempt waits until
    `next_attempt_at` (backoff); after the last allowed attempt the run is `failed` and admins are told."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="running")  # JOB_STATUSES
    detail: Mapped[str] = mapped_column(Text, default="")
    started_at = mapped_column(DateTime, default=utcnow)
    finished_at = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until = mapped_column(DateTime, nullable=True)
    next_attempt_at = mapped_column(DateTime, nullable=True)
    alerted_at = mapped_column(DateTime, nullable=True)  # when admins were told it gave up


class OutboxMessage(db.Model):
    """Every email goes through here first: written in the transaction that caused it, delivered
    after commit, retried with backoff, never sent twice (the key is unique; core/mail.py says how a
    crash mid-send is kept from sending it twice)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    ics: Mapped[str] = mapped_column(Text, default="")
    ics_method: Mapped[str] = mapped_column(String(10), default="")
    # pending; sending (claimed, before DATA); handed (DATA sent, the server's answer awaited); sent;
    # failed (after the last retry); uncertain (its sender died while handed: never sent again by itself)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    # when its lease runs out, a `sending` message (its sender died) goes back to the queue, a `handed` one
    # becomes `uncertain`
    lease_until = mapped_column(DateTime, nullable=True)
    headers: Mapped[str] = mapped_column(Text, default="", server_default="")  # JSON: extra mail headers
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(DateTime, default=utcnow)
    sent_at = mapped_column(DateTime, nullable=True)  # handed: when DATA was sent; sent: when the server took it
    # fixed when queued and kept across attempts, so a rare double send reads as one message
    message_id: Mapped[str] = mapped_column(String(200), default="")


class SchedulerState(db.Model):
    """One row per election name: which scheduler process is active and when it last said so.
    /healthz reports the heartbeat's age."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), default="")
    started_at = mapped_column(DateTime, default=utcnow)
    heartbeat_at = mapped_column(DateTime, default=utcnow)


# APScheduler's SQLAlchemyJobStore table, declared here so the migrations own it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
