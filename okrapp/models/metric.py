"""The metric catalogue: built-in customer metrics (seeded by the first migration) and custom ones."""
from sqlalchemy import Boolean, CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

METRIC_KINDS = ("numeric", "milestone")


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
    def range_label(self) -> str:
        low = "−∞" if self.min_value is None else f"{self.min_value:g}"
        high = "∞" if self.max_value is None else f"{self.max_value:g}"
        return f"{low} … {high}"

    def __repr__(self) -> str:
        return f"<Metric {self.key}>"
