"""The metric catalogue: built-in customer metrics (seeded by the first migration) and custom ones."""
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.formatting import exact
from okrapp.core.timeutil import utcnow
from okrapp.core.words import N_, _

METRIC_KINDS = ("numeric", "milestone")
# The built-in catalogue's names (seeded by the first migration) in the reader's language; a custom
# metric's name is content and reads as its author wrote it.
BUILTIN_LABELS = {
    "nps": N_("Net Promoter Score"),
    "csat": N_("Customer satisfaction (CSAT)"),
    "ces": N_("Customer Effort Score"),
    "churn_rate": N_("Churn rate"),
    "retention_rate": N_("Retention rate"),
    "clv": N_("Customer lifetime value"),
    "revenue": N_("Revenue"),
    "milestone": N_("Milestone (done / not done)"),
}


class Metric(db.Model):
    __tablename__ = "metrics"
    __table_args__ = (
        CheckConstraint(f"kind IN {METRIC_KINDS!r}", name="kind_known"),
        CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value < max_value", name="range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="numeric")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def is_milestone(self) -> bool:
        return self.kind == "milestone"

    @property
    def label(self) -> str:
        """The name people read: a built-in metric's in their language, a custom one's as written."""
        english = BUILTIN_LABELS.get(self.key)
        return _(english) if self.builtin and english == self.name else self.name

    @property
    def range_label(self) -> str:
        low = "−∞" if self.min_value is None else exact(self.min_value)
        high = "∞" if self.max_value is None else exact(self.max_value)
        return f"{low} … {high}"

    def __repr__(self) -> str:
        return f"<Metric {self.key}>"


class MetricWeek(db.Model):
    """A metric's measured values summed per week (Monday, UTC): what the observed-conflict rule
    reads, kept as values arrive instead of averaging the whole check-in history on every scan."""

    __tablename__ = "metric_weeks"

    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"), primary_key=True)
    week_start = mapped_column(Date, primary_key=True)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    count: Mapped[int] = mapped_column(Integer, default=0)


class MetricValue(db.Model):
    """A measurement of a metric pushed by another system (survey tool, CRM, logistics), one per
    (metric, time, source): pushing the same point again changes nothing."""

    __tablename__ = "metric_values"
    __table_args__ = (UniqueConstraint("metric_id", "observed_at", "source", name="uq_metric_values_point"),
                      Index("ix_metric_values_metric_observed", "metric_id", "observed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"))
    observed_at = mapped_column(DateTime, nullable=False)  # naive UTC, like every stored time
    source: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    received_at = mapped_column(DateTime, default=utcnow, nullable=False)
    pushed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    metric = relationship("Metric")
