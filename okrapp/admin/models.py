"""Units: business units, support functions and delivery partners."""
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.models import Versioned
from okrapp.core.words import N_, _

UNIT_KINDS = ("business_unit", "function", "partner")
UNIT_KIND_LABELS = {"business_unit": N_("Business unit"), "function": N_("Function"),
                    "partner": N_("Partner")}  # translated where shown: _(label)

unit_leaders = Table(
    "unit_leaders",
    db.metadata,
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Versioned, db.Model):
    __tablename__ = "units"
    __table_args__ = (CheckConstraint(f"kind IN {UNIT_KINDS!r}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")

    leaders = relationship("User", secondary=unit_leaders, back_populates="units", order_by="User.name")

    @property
    def kind_label(self) -> str:
        return _(UNIT_KIND_LABELS[self.kind])

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"
