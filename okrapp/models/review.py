"""Review schedules, meetings, and the decisions taken in them."""
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

CADENCES = ("weekly", "biweekly", "monthly", "cron")
CADENCE_LABELS = {"weekly": "Every week", "biweekly": "Every two weeks", "monthly": "Monthly (first weekday of the month)",
                  "cron": "Cron rule"}
MEETING_STATUSES = ("scheduled", "cancelled", "closed")
DECISION_KINDS = {"reprioritise": "Reprioritise", "change_target": "Change a target", "incentive": "Retire or change an incentive",
                  "pilot": "Start a pilot", "resolve_conflict": "Resolve a conflict", "action": "Action", "note": "Note"}

schedule_participants = Table(
    "review_schedule_participants",
    db.metadata,
    Column("schedule_id", ForeignKey("review_schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewSchedule(db.Model):
    __tablename__ = "review_schedules"
    __table_args__ = (
        CheckConstraint(f"cadence IN {CADENCES!r}", name="cadence_known"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("reminder_days >= 0", name="reminder_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    cadence: Mapped[str] = mapped_column(String(10), default="biweekly")
    cron: Mapped[str] = mapped_column(String(120), default="")
    weekday: Mapped[int] = mapped_column(Integer, default=3)  # Monday = 0
    time_of_day: Mapped[str] = mapped_column(String(5), default="09:00")
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Helsinki")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    reminder_days: Mapped[int] = mapped_column(Integer, default=2)
    anchor_on = mapped_column(Date, nullable=False)  # first possible meeting day; fixes the two-week rhythm
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)

    chair = relationship("User")
    participants = relationship("User", secondary=schedule_participants, order_by="User.name")

    @property
    def cadence_label(self) -> str:
        return CADENCE_LABELS[self.cadence]


class ReviewMeeting(db.Model):
    __tablename__ = "review_meetings"
    __table_args__ = (CheckConstraint(f"status IN {MEETING_STATUSES!r}", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("review_schedules.id"), nullable=True, index=True)
    # the planned slot: unique per schedule so planning twice never makes two meetings
    slot: Mapped[str] = mapped_column(String(80), unique=True)
    starts_at = mapped_column(DateTime, nullable=False, index=True)  # UTC
    ends_at = mapped_column(DateTime, nullable=False)
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Helsinki")
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE: bumped on every change
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    agenda: Mapped[str] = mapped_column(Text, default="")  # JSON snapshot
    agenda_at = mapped_column(DateTime, nullable=True)
    scores: Mapped[str] = mapped_column(Text, default="")  # JSON: objective scores when closed
    closed_at = mapped_column(DateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    schedule = relationship("ReviewSchedule")
    closed_by = relationship("User")
    decisions = relationship("ReviewDecision", back_populates="meeting", order_by="ReviewDecision.id",
                             cascade="all, delete-orphan")


class ReviewDecision(db.Model):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id"), nullable=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("conflict_findings.id"), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    due_on = mapped_column(Date, nullable=True)
    done_at = mapped_column(DateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    meeting = relationship("ReviewMeeting", back_populates="decisions")
    objective = relationship("Objective")
    finding = relationship("ConflictFinding")
    owner = relationship("User", foreign_keys=[owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def kind_label(self) -> str:
        return DECISION_KINDS.get(self.kind, self.kind)
