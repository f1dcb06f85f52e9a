"""The figures of a board summary, computed once and used by the email, the archive and the
board's home page, so the numbers agree everywhere."""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from .scoring import overall_score

TOP_RISKS = 5


@dataclass(frozen=True)
class KeyResultLine:
    id: int
    title: str
    unit: str
    unit_kind: str
    metric_unit: str
    baseline: float
    target: float
    current: float
    progress: float
    status: str
    partner_involved: bool = False  # a partner is accountable or contributes


@dataclass(frozen=True)
class ObjectiveLine:
    id: int
    rank: int
    title: str
    score: float | None
    status: str | None
    key_results: tuple[KeyResultLine, ...] = ()


@dataclass(frozen=True)
class FindingLine:
    id: int
    title: str
    kind: str
    severity: float
    status: str
    decision: str = ""


@dataclass(frozen=True)
class PriorityChange:
    objective: str
    old_rank: int | None
    new_rank: int
    by: str
    at: datetime
    in_review: bool


@dataclass(frozen=True)
class DecisionLine:
    kind: str
    text: str
    owner: str
    due_on: date | None
    at: datetime


@dataclass
class SummaryFigures:
    title: str
    covers_from: str | None
    covers_to: str
    overall: dict
    objectives: list[dict] = field(default_factory=list)
    top_risks: list[dict] = field(default_factory=list)
    conflicts_opened: list[dict] = field(default_factory=list)
    conflicts_resolved: list[dict] = field(default_factory=list)
    priority_changes: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    partner_results: list[dict] = field(default_factory=list)
    next_focus: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def summary_figures(*, title: str, covers_from: datetime | None, covers_to: datetime,
                    objectives: list[ObjectiveLine], previous: dict | None, opened: list[FindingLine],
                    resolved: list[FindingLine], rank_changes: list[PriorityChange], decisions: list[DecisionLine],
                    next_reviews: list[datetime], in_review: list[FindingLine]) -> SummaryFigures:
    """previous: the figures of the previous summary (for the change of each score)."""
    before = {o["id"]: o["score"] for o in (previous or {}).get("objectives", [])}
    overall = overall_score(o.score for o in objectives)
    previous_overall = (previous or {}).get("overall", {}).get("score")
    figures = SummaryFigures(title=title, covers_from=covers_from.isoformat(timespec="minutes") if covers_from else None,
                             covers_to=covers_to.isoformat(timespec="minutes"),
                             overall={"score": _r(overall), "change": _change(overall, previous_overall)})
    for o in sorted(objectives, key=lambda o: o.rank):
        figures.objectives.append({
            "id": o.id, "rank": o.rank, "title": o.title, "score": _r(o.score), "status": o.status,
            "change": _change(o.score, before.get(o.id)),
            "key_results": [_kr(k) for k in o.key_results]})
    risks = [k for o in objectives for k in o.key_results if k.status == "off_track"]
    figures.top_risks = [_kr(k) for k in sorted(risks, key=lambda k: (k.progress, k.id))[:TOP_RISKS]]
    figures.conflicts_opened = [asdict(f) | {"severity": _r(f.severity)} for f in sorted(opened, key=lambda f: -f.severity)]
    figures.conflicts_resolved = [asdict(f) | {"severity": _r(f.severity)} for f in resolved]
    figures.priority_changes = [{"objective": c.objective, "old_rank": c.old_rank, "new_rank": c.new_rank,
                                 "by": c.by, "at": c.at.date().isoformat(), "in_review": c.in_review}
                                for c in sorted(rank_changes, key=lambda c: c.at)]
    figures.decisions = [{"kind": d.kind, "text": d.text, "owner": d.owner,
                          "due_on": d.due_on.isoformat() if d.due_on else None, "at": d.at.date().isoformat()}
                         for d in sorted(decisions, key=lambda d: d.at)]
    figures.partner_results = [_kr(k) for o in objectives for k in o.key_results if k.partner_involved]
    focus = [f"Objective {o.rank}: {o.title}" for o in sorted(objectives, key=lambda o: o.rank)
             if o.status in ("off_track", "at_risk")]
    focus += [f"Conflict: {f.title}" for f in in_review]
    figures.next_focus = {"reviews": [r.isoformat(timespec="minutes") for r in next_reviews], "items": focus}
    return figures


def _kr(k: KeyResultLine) -> dict:
    return asdict(k) | {"progress": _r(k.progress)}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
