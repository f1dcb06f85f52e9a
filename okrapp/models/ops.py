"""Operational records: job runs claimed once per period, the mail outbox, APScheduler's job store."""
from sqlalchemy import Column, DateTime, Float, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class JobRun(db.Model):
    """Claimed before the work starts: the unique (job, period) makes a second claim fail,
    so a period's work happens once however many schedulers run."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="running")  # running, done, failed
    detail: Mapped[str] = mapped_column(Text, default="")
    started_at = mapped_column(DateTime, default=utcnow)
    finished_at = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")


class OutboxMessage(db.Model):
    """Every email goes through here first: written in the transaction that caused it, delivered
    after commit, retried with backoff, never sent twice (the key is unique)."""

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
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(DateTime, default=utcnow)
    sent_at = mapped_column(DateTime, nullable=True)
    message_id: Mapped[str] = mapped_column(String(200), default="")


# APScheduler's SQLAlchemyJobStore table, declared here so the migrations own it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
