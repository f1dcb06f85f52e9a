"""What units are rewarded for and how metrics influence each other."""

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.models import Versioned

DIRECTIONS = ("increase", "decrease")
SOURCES = ("manual", "import")
PLAN_STATUSES = ("draft", "in_review", "approved", "in_effect", "rejected")


class PlanPeriod(Versioned, db.Model):
    """A stretch of time bonuses are planned for: "2027" is 1.1.–31.12.2027; "2027 H1", a quarter or
    any range an admin defines. A period without dates (a free-text name from before periods had
    dates) waits for an admin to date it; until then its incentives count as running always."""

    __tablename__ = "plan_periods"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                                      name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on = mapped_column(Date, nullable=True)
    ends_on = mapped_column(Date, nullable=True)

    @property
    def dated(self) -> bool:
        return self.starts_on is not None and self.ends_on is not None


class BonusPlan(Versioned, db.Model):
    """One unit's incentives for a coming period, decided as a whole before it starts: drafted (imported
    or entered by hand), sent to a review, approved (scheduled for its start date) or rejected. It pays
    nothing, and counts in no conflict of today, until the daily job puts it in effect on its start date."""

    __tablename__ = "bonus_plans"
    __table_args__ = (UniqueConstraint("unit_id", "period_id", name="uq_bonus_plans_unit_period"),
                      CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("plan_periods.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    review_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id", ondelete="SET NULL"),
                                                          nullable=True)  # sent to this review
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                               use_alter=True), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)
    applied_at = mapped_column(DateTime, nullable=True)  # when the daily job put it in effect

    unit = relationship("Unit")
    period = relationship("PlanPeriod")
    review_meeting = relationship("ReviewMeeting")
    decision = relationship("ReviewDecision", foreign_keys=[decision_id])
    rows = relationship("Incentive", back_populates="plan", order_by="Incentive.id")

    @property
    def title(self) -> str:
        return f"{self.unit.name} {self.period.name}"


class MetricPair(db.Model):
    """The metric catalogue's counterweights: a plan row rewarding `metric` (speed, volume, cost) should
    be weighed by `counter` (quality, customer) in the same unit, or it is flagged unpaired."""

    __tablename__ = "metric_pairs"
    __table_args__ = (UniqueConstraint("metric_id", "counter_id", name="uq_metric_pairs_pair"),
                      CheckConstraint("metric_id <> counter_id", name="not_self"))

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    created_at = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    metric = relationship("Metric", foreign_keys=[metric_id])
    counter = relationship("Metric", foreign_keys=[counter_id])


class Incentive(Versioned, db.Model):
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
    period: Mapped[str] = mapped_column(String(40), default="")  # the plan period's name, for lists and exports
    period_id: Mapped[int | None] = mapped_column(ForeignKey("plan_periods.id"), nullable=True, index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("bonus_plans.id"), nullable=True, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="manual")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    retired_at = mapped_column(DateTime, nullable=True)
    # a guardrail: the bonus counts only while this counter-metric stays on the right side
    guard_metric_id: Mapped[int | None] = mapped_column(ForeignKey("metrics.id"), nullable=True)
    guard_comparator: Mapped[str] = mapped_column(String(2), default="")  # ">=" or "<="
    guard_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)

    unit = relationship("Unit")
    plan_period = relationship("PlanPeriod")
    plan = relationship("BonusPlan", back_populates="rows")
    metric = relationship("Metric", foreign_keys=[metric_id])
    guard_metric = relationship("Metric", foreign_keys=[guard_metric_id])
    created_by = relationship("User")
    versions = relationship("IncentiveVersion", back_populates="incentive", order_by="IncentiveVersion.id.desc()",
                            cascade="all, delete-orphan")

    @property
    def criterion(self) -> str:
        """"<metric key>:+" — the same bonus criterion, whichever unit carries it."""
        return f"{self.metric.key}:{'+' if self.direction == 'increase' else '-'}"

    @property
    def goal_id(self) -> str:
        return f"INC-{self.id}"


class IncentiveVersion(db.Model):
    """An incentive's state from a date on: who changed what, when, under which decision. A change
    whose date has not come yet waits here and is applied by the daily job."""

    __tablename__ = "incentive_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"), index=True)
    effective_on = mapped_column(Date, nullable=False)
    applied_at = mapped_column(DateTime, nullable=True)  # None: waiting for its date
    # what changed: a decision's change as JSON facts (core.formatting.change), worded when shown (what_text);
    # an edit's sentence, and versions kept before facts were, as plain text
    what: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)  # JSON: the fields the change sets
    changed_at = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                               use_alter=True), nullable=True)

    incentive = relationship("Incentive", back_populates="versions")

    @property
    def what_text(self) -> str:
        """What changed, in the language of the moment."""
        from okrapp.core.formatting import stored_text
        return stored_text(self.what)
    changed_by = relationship("User")
    decision = relationship("ReviewDecision")


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
    # the change proposed, structured like a decision to change an incentive
    change: Mapped[str] = mapped_column(String(12), default="")  # retire, weight, target, guardrail
    new_weight: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_target: Mapped[float | None] = mapped_column(Float, nullable=True)
    guard_metric_id: Mapped[int | None] = mapped_column(ForeignKey("metrics.id"), nullable=True)
    guard_comparator: Mapped[str] = mapped_column(String(2), default="")
    guard_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    effective_on = mapped_column(Date, nullable=True)

    unit = relationship("Unit")
    guard_metric = relationship("Metric", foreign_keys=[guard_metric_id])
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
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # see core.models.Versioned

    source = relationship("Metric", foreign_keys=[source_id])
    target = relationship("Metric", foreign_keys=[target_id])
    updated_by = relationship("User")

    @property
    def updated_by_name(self) -> str:
        return self.updated_by.name if self.updated_by else ""

    @property
    def title(self) -> str:
        return f"{self.source.name} → {self.target.name}"
