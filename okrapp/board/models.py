"""Board summaries: the schedule, recipients, immutable snapshots and who received and read them."""
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.words import _l
from okrapp.core.timeutil import utcnow
from okrapp.core.models import Versioned


class SummarySchedule(Versioned, db.Model):
    """Monthly on the first <weekday> at <time>, plus one at the end of each cycle."""

    name = _l("The summary schedule")  # what a "changed meanwhile" message calls it

    __tablename__ = "summary_schedules"
    __table_args__ = (CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    time_of_day: Mapped[str] = mapped_column(String(5), default="08:00")
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Helsinki")
    cycle_end: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SummaryRecipient(Versioned, db.Model):
    """An extra address, or a board member's pause switch (user_id set). An extra address reads the
    summaries in `locale` (set by the admin; None: the organisation's language); a board member in
    their own."""

    __tablename__ = "summary_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True, unique=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    added_at = mapped_column(DateTime, default=utcnow)

    user = relationship("User")


class BoardSummary(db.Model):
    """What was sent, exactly: never edited after it is created."""

    __tablename__ = "board_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    covers_from = mapped_column(DateTime, nullable=True)
    covers_to = mapped_column(DateTime, nullable=False)
    figures: Mapped[str] = mapped_column(Text)  # JSON of board.rules.SummaryFigures
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(DateTime, default=utcnow)

    deliveries = relationship("SummaryDelivery", back_populates="summary", order_by="SummaryDelivery.id")


class SummaryDelivery(db.Model):
    __tablename__ = "summary_deliveries"
    __table_args__ = (UniqueConstraint("summary_id", "recipient", "kind", "resend_no", name="uq_summary_deliveries_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("board_summaries.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="scheduled")  # scheduled or resend
    resend_no: Mapped[int] = mapped_column(Integer, default=0)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    acknowledged_at = mapped_column(DateTime, nullable=True)

    summary = relationship("BoardSummary", back_populates="deliveries")
    outbox = relationship("OutboxMessage")
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class SummaryNote(db.Model):
    """An executive's covering note for one period's summary, written before it is sent and shown
    at its top; once the summary is made, the note is part of its snapshot and no longer edited."""

    __tablename__ = "summary_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(40), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    updated_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
