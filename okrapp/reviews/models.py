"""Review schedules, meetings, and the decisions taken in them."""
import json

from sqlalchemy import (Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core.models import Versioned
from okrapp.core.words import N_, _, _l, pgettext
from okrapp.core.formatting import change_text

CADENCES = ("weekly", "biweekly", "monthly", "cron")
DEFAULT_NAME = N_("Priority review")  # a schedule left with it reads it in each reader's language
CADENCE_LABELS = {"weekly": _l("Every week"), "biweekly": _l("Every two weeks"),
                  "monthly": _l("Monthly (first weekday of the month)"), "cron": _l("Cron rule")}
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))
MEETING_STATUSES = ("scheduled", "cancelled", "closed")
# English here (the board summary keeps them in its figures); translated where shown, with _()
DECISION_KINDS = {"incentive": N_("Change an incentive"), "change_target": N_("Change a target"),
                  "reprioritise": N_("Reprioritise"), "pilot": N_("Start a pilot"),
                  "pilot_outcome": N_("Decide a pilot's outcome"), "resolve_conflict": N_("Resolve a conflict"),
                  "accept_tradeoff": N_("Accept a trade-off"), "proposal": N_("Decide a unit's proposal"),
                  "plan": N_("Decide a coming bonus plan"), "action": N_("Assign an action"), "note": N_("Note")}
# a conflict item's level as a word in a sentence ("Settles the conflict “…” (high)")
LEVEL_WORDS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low"), "tension": _l("tension")}

decision_items = Table(
    "decision_items",
    db.metadata,
    Column("decision_id", ForeignKey("review_decisions.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("conflict_items.id", ondelete="CASCADE"), primary_key=True),
)

schedule_participants = Table(
    "review_schedule_participants",
    db.metadata,
    Column("schedule_id", ForeignKey("review_schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# who was invited to one meeting: cancellations and updates go to them, not to whoever the
# schedule lists today
meeting_attendees = Table(
    "review_meeting_attendees",
    db.metadata,
    Column("meeting_id", ForeignKey("review_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewSchedule(Versioned, db.Model):
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
    def display_name(self) -> str:
        """The name people read (pages, mail, calendars): as typed, the default one in the reader's language."""
        return _(DEFAULT_NAME) if self.name == DEFAULT_NAME else self.name

    @property
    def cadence_label(self) -> str:
        return CADENCE_LABELS[self.cadence]

    @property
    def weekday_label(self) -> str:
        return WEEKDAY_LABELS[self.weekday]


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
    closed_early_reason: Mapped[str] = mapped_column(Text, default="")  # closed before its start, and why
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    schedule = relationship("ReviewSchedule")
    closed_by = relationship("User")
    attendees = relationship("User", secondary=meeting_attendees, order_by="User.name")
    decisions = relationship("ReviewDecision", back_populates="meeting", order_by="ReviewDecision.id",
                             cascade="all, delete-orphan")

    @property
    def status_word(self) -> str:
        """The status as the review's page says it (a badge)."""
        labels = {"scheduled": pgettext("review", "scheduled"), "cancelled": pgettext("review", "cancelled"),
                  "closed": pgettext("review", "closed")}
        return labels.get(self.status, self.status)


class ReviewDecision(db.Model):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id"), nullable=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("conflict_items.id", ondelete="SET NULL"), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    due_on = mapped_column(Date, nullable=True)
    done_at = mapped_column(DateTime, nullable=True)
    # what the decision is about and what it changed (applied in the transaction that records it)
    incentive_id: Mapped[int | None] = mapped_column(ForeignKey("incentives.id", ondelete="SET NULL"), nullable=True)
    criterion: Mapped[str] = mapped_column(String(200), default="")  # "<metric key>:+" for every unit's incentive
    key_result_id: Mapped[int | None] = mapped_column(ForeignKey("key_results.id", ondelete="SET NULL"), nullable=True)
    pilot_id: Mapped[int | None] = mapped_column(ForeignKey("pilots.id", ondelete="SET NULL"), nullable=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_proposals.id", ondelete="SET NULL"),
                                                    nullable=True)
    effective_on = mapped_column(Date, nullable=True)
    re_review_on = mapped_column(Date, nullable=True)  # an accepted trade-off returns to the agenda then
    # JSON list of what changed, as facts worded when shown (core.formatting.change); old rows hold sentences
    changes: Mapped[str] = mapped_column(Text, default="[]")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    meeting = relationship("ReviewMeeting", back_populates="decisions")
    objective = relationship("Objective")
    item = relationship("ConflictItem", foreign_keys=[item_id])
    settles = relationship("ConflictItem", secondary=decision_items, order_by="ConflictItem.severity.desc()")
    incentive = relationship("Incentive")
    key_result = relationship("KeyResult")
    pilot = relationship("Pilot", foreign_keys=[pilot_id])
    proposal = relationship("IncentiveProposal", foreign_keys=[proposal_id])
    owner = relationship("User", foreign_keys=[owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def kind_label(self) -> str:
        return _(DECISION_KINDS[self.kind]) if self.kind in DECISION_KINDS else self.kind

    @property
    def change_facts(self) -> list:
        """What changed as kept: facts (dicts), or sentences in rows recorded before facts were kept."""
        try:
            facts = json.loads(self.changes or "[]")
        except ValueError:
            return []
        return facts if isinstance(facts, list) else []

    @property
    def change_list(self) -> list[str]:
        """What changed, one sentence each, in the language of the moment."""
        return [change_text(c) for c in self.change_facts]

    def takes_effect_after(self, day) -> bool:
        """Scheduled as of day: what it changes takes effect on a later date."""
        return self.effective_on is not None and self.effective_on > day

    @property
    def is_scheduled(self) -> bool:
        """Not yet in effect today, in the organisation's time zone."""
        return self.takes_effect_after(local_today())


PILOT_STATUSES = ("running", "adopted", "extended", "stopped")
PILOT_STATUS_LABELS = {"running": _l("Running"), "adopted": _l("Adopted"), "extended": _l("Extended"),
                       "stopped": _l("Stopped")}

pilot_units = Table(
    "pilot_units",
    db.metadata,
    Column("pilot_id", ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)
pilot_key_results = Table(
    "pilot_key_results",
    db.metadata,
    Column("pilot_id", ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True),
    Column("key_result_id", ForeignKey("key_results.id", ondelete="CASCADE"), primary_key=True),
)


class Pilot(db.Model):
    """A small step with a visible result: a hypothesis tried for a while, then adopted, extended or stopped."""

    __tablename__ = "pilots"
    __table_args__ = (CheckConstraint(f"status IN {PILOT_STATUSES!r}", name="status_known"),
                      CheckConstraint("ends_on >= starts_on", name="dates_ordered"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    success_criterion: Mapped[str] = mapped_column(Text, default="")
    starts_on = mapped_column(Date, nullable=False)
    ends_on = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), default="running", index=True)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                               use_alter=True), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    units = relationship("Unit", secondary=pilot_units, order_by="Unit.name")
    key_results = relationship("KeyResult", secondary=pilot_key_results, order_by="KeyResult.title")

    @property
    def status_label(self) -> str:
        return PILOT_STATUS_LABELS[self.status]
