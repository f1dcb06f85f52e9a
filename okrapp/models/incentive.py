"""What units are rewarded for, how metrics influence each other, and the conflicts found."""
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

DIRECTIONS = ("increase", "decrease")
SOURCES = ("manual", "import")


class Incentive(db.Model):
    """A bonus criterion or legacy KPI of one unit."""

    __tablename__ = "incentives"
    __table_args__ = (
        CheckConstraint("weight > 0 AND weight <= 1", name="weight_range"),
        CheckConstraint(f"direction IN {DIRECTIONS!r}", name="direction_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    weight: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    period: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="manual")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    retired_at = mapped_column(DateTime, nullable=True)

    unit = relationship("Unit")
    metric = relationship("Metric")
    created_by = relationship("User")

    @property
    def goal_id(self) -> str:
        return f"INC-{self.id}"


class IncentiveProposal(db.Model):
    """A unit leader's proposal to change what their unit is rewarded for."""

    __tablename__ = "incentive_proposals"
    __table_args__ = (CheckConstraint("status IN ('open', 'accepted', 'declined')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    incentive_id: Mapped[int | None] = mapped_column(ForeignKey("incentives.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    proposed_at = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at = mapped_column(DateTime, nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")

    unit = relationship("Unit")
    incentive = relationship("Incentive")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class MetricLink(db.Model):
    """Raising `source` raises (+1) or lowers (-1) `target`."""

    __tablename__ = "metric_links"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", name="uq_metric_links_pair"),
        CheckConstraint("source_id <> target_id", name="not_self"),
        CheckConstraint("sign IN (1, -1)", name="sign_known"),
        CheckConstraint("strength > 0 AND strength <= 1", name="strength_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), index=True)
    sign: Mapped[int] = mapped_column(Integer)
    strength: Mapped[float] = mapped_column(Float, default=1.0)
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at = mapped_column(DateTime, default=utcnow)

    source = relationship("Metric", foreign_keys=[source_id])
    target = relationship("Metric", foreign_keys=[target_id])
    updated_by = relationship("User")


FINDING_KINDS = ("direct", "indirect", "observed", "tension")
FINDING_STATUSES = ("open", "acknowledged", "in_review", "accepted", "resolved", "resolved_by_change")
FINDING_STATUS_LABELS = {"open": "Open", "acknowledged": "Acknowledged", "in_review": "Sent to review",
                         "accepted": "Accepted trade-off", "resolved": "Resolved", "resolved_by_change": "Resolved by change"}
OPEN_STATUSES = ("open", "acknowledged", "in_review")

finding_units = Table(
    "finding_units",
    db.metadata,
    Column("finding_id", ForeignKey("conflict_findings.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class ConflictFinding(db.Model):
    """One pair of goals that pull against each other, kept across scans with its history."""

    __tablename__ = "conflict_findings"
    __table_args__ = (
        CheckConstraint(f"kind IN {FINDING_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {FINDING_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_key: Mapped[str] = mapped_column(String(80), unique=True)  # "<goal a>|<goal b>", a < b
    goal_a: Mapped[str] = mapped_column(String(40))
    goal_b: Mapped[str] = mapped_column(String(40))
    label_a: Mapped[str] = mapped_column(String(300))
    label_b: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    severity: Mapped[float] = mapped_column(Float, index=True)
    harms: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of goal ids
    paths: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of metric-key lists
    path_signs: Mapped[str] = mapped_column(Text, default="[]")  # JSON: per path, the link signs
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the latest decision or reason
    first_seen_at = mapped_column(DateTime, default=utcnow, index=True)
    last_seen_at = mapped_column(DateTime, default=utcnow)
    resolved_at = mapped_column(DateTime, nullable=True)

    units = relationship("Unit", secondary=finding_units, order_by="Unit.name")
    events = relationship("FindingEvent", back_populates="finding", order_by="FindingEvent.id.desc()",
                          cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return FINDING_STATUS_LABELS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FindingEvent(db.Model):
    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("conflict_findings.id", ondelete="CASCADE"), index=True)
    at = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")

    finding = relationship("ConflictFinding", back_populates="events")
    actor = relationship("User")
