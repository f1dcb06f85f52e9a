"""Conflict items as stored: one row per cause (conflicts.rules.items), with its lifecycle.

The pairs behind an item are not stored: its blocks (pairs of goal classes, with kind, strength
and paths) are kept as JSON, and the pairs are expanded from them on demand. So the tables grow
with the number of causes, not with units × key results."""
import json
from datetime import UTC, date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.conflicts.rules.items import explain_stored
from okrapp.core.extensions import db
from okrapp.core.timeutil import app_zone, local_today, utcnow
from okrapp.core.words import N_, _, ngettext

ITEM_KINDS = ("criterion", "key_results")
LEVELS = ("high", "medium", "low", "tension")
ITEM_STATUSES = ("open", "acknowledged", "in_review", "accepted", "resolved", "resolved_by_change")
# the labels are translated where shown: _(label)
ITEM_STATUS_LABELS = {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "in_review": N_("Sent to review"),
                      "accepted": N_("Accepted trade-off"), "resolved": N_("Resolved"),
                      "resolved_by_change": N_("Resolved by change")}
OPEN_STATUSES = ("open", "acknowledged", "in_review")
EVENT_LABELS = {"detected": N_("Detected"), "reopened": N_("Reopened"), "resolved_by_change": N_("Resolved by a change"),
                "carried_over": N_("Carried over to the next review"), "acknowledge": N_("Acknowledged"),
                "review": N_("Sent to the next priority review"), "accept": N_("Accepted as a trade-off"),
                "resolve": N_("Resolved with a decision"), "reopen": N_("Reopened")}
# what the scan writes on its own events (conflicts.operations), worded again when shown
SCAN_NOTES = (N_("Detected again after a change."), N_("No longer detected since the decision."),
              N_("No longer detected after a change."))


class ConflictItem(db.Model):
    __tablename__ = "conflict_items"
    __table_args__ = (
        CheckConstraint(f"kind IN {ITEM_KINDS!r}", name="kind_known"),
        CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
        CheckConstraint(f"status IN {ITEM_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # "criterion:<metric>:+", "metrics:<a>|<b>"
    kind: Mapped[str] = mapped_column(String(12))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"), index=True)
    direction: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a criterion's push
    other_metric_id: Mapped[int | None] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")  # worded in English when found; pages word `facts`
    facts: Mapped[str] = mapped_column(Text, default="", server_default="")  # JSON: formatting.conflict_summary
    explanation: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[float] = mapped_column(Float, index=True)
    level: Mapped[str] = mapped_column(String(10), index=True)
    kinds: Mapped[str] = mapped_column(String(60), default="")  # "direct,indirect"
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    tension_pairs: Mapped[int] = mapped_column(Integer, default=0)
    blocks: Mapped[str] = mapped_column(Text, default="[]")  # JSON, strongest first; see conflicts.operations
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the latest decision or reason
    review_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id", ondelete="SET NULL"),
                                                          nullable=True, index=True)  # sent to this review
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id", ondelete="SET NULL",
                                                                 use_alter=True), nullable=True)
    re_review_on = mapped_column(Date, nullable=True)  # an accepted trade-off comes back to the agenda then
    # a conflict the plans for this coming period would bring (None: one of today's incentives)
    horizon_id: Mapped[int | None] = mapped_column(ForeignKey("plan_periods.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    first_seen_at = mapped_column(DateTime, default=utcnow, index=True)
    last_seen_at = mapped_column(DateTime, default=utcnow)
    resolved_at = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    metric = relationship("Metric", foreign_keys=[metric_id])
    other_metric = relationship("Metric", foreign_keys=[other_metric_id])
    review_meeting = relationship("ReviewMeeting")
    settled_by = relationship("ReviewDecision", foreign_keys=[settled_by_id], post_update=True)
    horizon = relationship("PlanPeriod")
    classes = relationship("ConflictItemClass", cascade="all, delete-orphan", back_populates="item")
    events = relationship("ConflictItemEvent", back_populates="item", order_by="ConflictItemEvent.id.desc()",
                          cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def summary_text(self) -> str:
        """The summary worded now from the stored facts (so in the reader's language once there is
        more than one), or as stored by a refresh older than the facts."""
        from okrapp.core.formatting import conflict_summary
        return conflict_summary(json.loads(self.facts)) if self.facts else self.summary

    @property
    def pairs_text(self) -> str:
        """"1 200 pairs of goals": the pairs behind the item (its tensions', for a tension)."""
        from okrapp.core.formatting import number
        n = self.tension_pairs if self.is_tension else self.pairs
        return ngettext("%(num)s pair of goals", "%(num)s pairs of goals", n, num=number(n))

    @property
    def status_label(self) -> str:
        return _(ITEM_STATUS_LABELS[self.status])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def settlement(self) -> str | None:
        """What the decision that addressed it has done by today, in the organisation's time zone."""
        return self.settlement_on(local_today())

    def settlement_on(self, today: date) -> str | None:
        """After a decision addressed it: "scheduled" while the change takes effect after today (the
        scan is expected to find it until then); "pending" while the change has not reached every
        unit; then whether the scan confirms it ("confirmed") or still finds it ("still_detected")."""
        if self.settled_by_id is None or self.status == "accepted":
            return None
        if self.present and self.settled_by is not None and self.settled_by.takes_effect_after(today):
            return "scheduled"
        if self.status in OPEN_STATUSES:
            return "pending" if self.present else "confirmed"
        return "still_detected" if self.present else "confirmed"

    @property
    def settled_since(self) -> datetime | None:
        """When the settling decision took hold: recorded, and its effective day begun (UTC). A scan
        before this moment cannot have seen the change."""
        if self.settled_by is None or self.settled_by.effective_on is None:
            return self.resolved_at
        start = datetime.combine(self.settled_by.effective_on, time(), tzinfo=app_zone())
        start = start.astimezone(UTC).replace(tzinfo=None)
        return max(start, self.resolved_at) if self.resolved_at else start

    @property
    def is_tension(self) -> bool:
        return self.level == "tension"

    @property
    def block_list(self) -> list[dict]:
        return json.loads(self.blocks or "[]")

    def worded_blocks(self, names: dict[str, str]) -> list[dict]:
        """The blocks with their explanation worded now, in the reader's language (the stored one is
        English): names, metric key -> name (conflicts.pages.metric_names)."""
        labels = {key: name or key for key, name in names.items()}
        facts = json.loads(self.facts) if self.facts else {}
        owners = facts.get("units") or [] if facts.get("kind") == "criterion" else []
        return [{**block, "explanation": explain_stored(block, labels, owners)} for block in self.block_list]

    def explanation_text(self, names: dict[str, str]) -> str:
        """The strongest block's explanation worded now; the stored sentence for an item without blocks."""
        blocks = self.worded_blocks(names)
        return blocks[0]["explanation"] if blocks else self.explanation


def current_items():
    """The where-clause of today's items: the ones coming with a future period are listed apart."""
    return ConflictItem.horizon_id.is_(None)


class ConflictItemClass(db.Model):
    """A class of goals (incentives or key results pushing one metric one way) an item involves:
    who may see an item is decided through these, without a row per unit."""

    __tablename__ = "conflict_item_classes"
    __table_args__ = (CheckConstraint("role IN ('cause', 'harmed', 'party')", name="role_known"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("conflict_items.id", ondelete="CASCADE"), primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id", ondelete="CASCADE"), primary_key=True)
    direction: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_incentive: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="party")

    item = relationship("ConflictItem", back_populates="classes")


class ConflictItemEvent(db.Model):
    __tablename__ = "conflict_item_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("conflict_items.id", ondelete="CASCADE"), index=True)
    at = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")

    item = relationship("ConflictItem", back_populates="events")
    actor = relationship("User")

    @property
    def note_text(self) -> str:
        """The note as the reader reads it: the scan's own notes (stored in the scan's language) are
        worded now; notes people typed stay as they are."""
        if self.action == "detected" and self.item is not None and self.item.facts:
            return self.item.summary_text
        if self.action in ("reopened", "resolved_by_change") and self.note in SCAN_NOTES:
            return _(self.note)
        return self.note

    @property
    def label(self) -> str:
        """What happened, as a whole phrase: the stored verb ("review") is not for people to read."""
        return _(EVENT_LABELS[self.action]) if self.action in EVENT_LABELS else self.action.replace("_", " ")


class ConflictScanState(db.Model):
    """One row: when the items were last brought up to date, and whether a change awaits a refresh.

    A save adds one to `requests` (and stamps requested_at); a refresh notes the count it saw before
    reading the organisation and stores it as `handled`. A save that commits while a scan runs
    therefore leaves requests != handled, and the next tick scans again: no save is missed, and
    none needs a clock to be told apart."""

    __tablename__ = "conflict_scan_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    requested_at = mapped_column(DateTime, nullable=True)
    scanned_at = mapped_column(DateTime, nullable=True)
    finished_at = mapped_column(DateTime, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    tension_pairs: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def pending(self) -> bool:
        return (self.requests or 0) != (self.handled or 0)
