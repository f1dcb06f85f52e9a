"""Cycles, shared customer objectives, their key results, check-ins and rank history."""
from sqlalchemy import (CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer,
                        String, Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.models import Versioned
from okrapp.core.words import N_, _

COMMITMENTS = ("committed", "aspirational")
COMMITMENT_LABELS = {"committed": N_("committed"), "aspirational": N_("aspirational")}  # translated when shown
# Reasons okrapp itself records (kept in English, read in the reader's language); others are typed by people.
CREATED = N_("created")
EDITED_ON_PAGE = N_("Edited on the key result's page.")
SYSTEM_REASONS = (CREATED, EDITED_ON_PAGE)


def reason_text(reason: str | None) -> str:
    """A recorded reason as people read it: okrapp's own in their language, a person's as typed."""
    return _(reason) if reason in SYSTEM_REASONS else (reason or "")


class Cycle(Versioned, db.Model):
    __tablename__ = "cycles"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    starts_on = mapped_column(Date, nullable=False)
    ends_on = mapped_column(Date, nullable=False)

    def __repr__(self) -> str:
        return f"<Cycle {self.name}>"


class Objective(Versioned, db.Model):
    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    rank: Mapped[int] = mapped_column(Integer)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)
    # Pre-aggregated from its key results whenever one changes (okrs.aggregates), so the
    # dashboard never reads the check-in history: weighted progress, goal and confidence.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    goal: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    retired_at = mapped_column(DateTime, nullable=True)  # retired through the API: kept, no longer counted

    cycle = relationship("Cycle")
    created_by = relationship("User")
    key_results = relationship("KeyResult", back_populates="objective", order_by="KeyResult.id",
                               cascade="all, delete-orphan")
    rank_changes = relationship("RankChange", back_populates="objective", order_by="RankChange.id.desc()",
                                cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Objective #{self.rank} {self.title}>"


kr_contributors = Table(
    "kr_contributors",
    db.metadata,
    Column("key_result_id", ForeignKey("key_results.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_kr_contributors_unit_id", "unit_id"),
)


class KeyResult(db.Model):
    __tablename__ = "key_results"
    __table_args__ = (
        Index("ix_key_results_objective_progress", "objective_id", "progress"),
        CheckConstraint("target <> baseline", name="target_differs"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint(f"commitment IN {COMMITMENTS!r}", name="commitment_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), index=True)
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    # The latest check-in, kept on the row so lists score without reading the history.
    current_value: Mapped[float] = mapped_column(Float)
    current_confidence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_check_in_at = mapped_column(DateTime, nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # kept with current_value
    forecast: Mapped[float | None] = mapped_column(Float, nullable=True)  # check-in trend at cycle end
    accountable_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    commitment: Mapped[str] = mapped_column(String(20), default="committed")
    # When set, values of this result's metric pushed through the API by this source become its check-ins.
    value_source: Mapped[str | None] = mapped_column(String(80), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at = mapped_column(DateTime, default=utcnow)
    retired_at = mapped_column(DateTime, nullable=True)  # retired through the API: kept, no longer counted

    objective = relationship("Objective", back_populates="key_results")
    metric = relationship("Metric")
    accountable_unit = relationship("Unit")
    contributors = relationship("Unit", secondary=kr_contributors, order_by="Unit.name")
    updated_by = relationship("User")
    check_ins = relationship("CheckIn", back_populates="key_result", cascade="all, delete-orphan",
                             order_by="(CheckIn.created_at.desc(), CheckIn.id.desc())")

    __mapper_args__ = {"version_id_col": version}

    @property
    def commitment_label(self) -> str:
        return _(COMMITMENT_LABELS[self.commitment]) if self.commitment in COMMITMENT_LABELS else self.commitment

    @property
    def units(self):
        """Accountable unit first, then contributors: everyone who shares this result."""
        return [self.accountable_unit] + [u for u in self.contributors if u.id != self.accountable_unit_id]

    def __repr__(self) -> str:
        return f"<KeyResult {self.title}>"


class CheckIn(db.Model):
    """Append-only: a check-in is never edited. A correction is a new check-in at the same point
    in time (created_at) that names the one it corrects; the corrected one gets superseded_at and
    stays in the history. Figures, charts and forecasts read only effective check-ins."""

    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 10", name="confidence_range"),
        Index("ix_check_ins_kr_created", "key_result_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_result_id: Mapped[int] = mapped_column(ForeignKey("key_results.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    confidence: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow, nullable=False)  # the moment the value describes
    recorded_at = mapped_column(DateTime, default=utcnow, nullable=True)  # when it was written down
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="SET NULL"), nullable=True,
                                                    unique=True)
    superseded_at = mapped_column(DateTime, nullable=True)
    # Where the value came from: "" typed by a person, else the source that pushed it (the API's metric values).
    source: Mapped[str] = mapped_column(String(80), default="", server_default="")

    key_result = relationship("KeyResult", back_populates="check_ins")
    author = relationship("User")
    corrects = relationship("CheckIn", remote_side=[id], foreign_keys=[corrects_id],
                            backref=db.backref("correction", uselist=False))

    @property
    def effective(self) -> bool:
        return self.superseded_at is None


class TargetChange(db.Model):
    """A key result's target, changed: the history is kept and drawn on its chart."""

    __tablename__ = "target_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_result_id: Mapped[int] = mapped_column(ForeignKey("key_results.id", ondelete="CASCADE"), index=True)
    old_target: Mapped[float] = mapped_column(Float)
    new_target: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                               use_alter=True), nullable=True)

    changed_by = relationship("User")
    decision = relationship("ReviewDecision")

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason)


class RankChange(db.Model):
    """Every change of an objective's priority, with who and when; reviews build on this."""

    __tablename__ = "rank_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"), index=True)
    old_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    new_rank: Mapped[int] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_at = mapped_column(DateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id"), nullable=True, index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                               use_alter=True), nullable=True)

    objective = relationship("Objective", back_populates="rank_changes")
    changed_by = relationship("User")
    meeting = relationship("ReviewMeeting")
    decision = relationship("ReviewDecision")

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason)


class ObjectiveWeek(db.Model):
    """An objective's score at the end of each week: the dashboard's sparklines, pre-aggregated."""

    __tablename__ = "objective_weeks"
    __table_args__ = (UniqueConstraint("objective_id", "week_start", name="uq_objective_weeks_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"))
    week_start = mapped_column(Date, nullable=False)
    score: Mapped[float] = mapped_column(Float)
