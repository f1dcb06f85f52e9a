"""The agenda of a priority review, from the state of the organisation and the last review."""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

STALE_WITHOUT_REVIEW = timedelta(days=14)
CONFIDENCE_DROP = 2


@dataclass(frozen=True)
class ObjectiveState:
    id: int
    title: str
    rank: int
    score: float | None
    status: str | None
    previous_score: float | None = None  # at the last review


@dataclass(frozen=True)
class KeyResultState:
    id: int
    title: str
    objective: str
    unit: str
    status: str
    progress: float
    last_check_in_at: datetime | None
    confidence: int | None
    previous_confidence: int | None


@dataclass(frozen=True)
class FindingState:
    id: int
    title: str
    kind: str
    severity: float
    status: str
    first_seen_at: datetime


@dataclass(frozen=True)
class ActionState:
    id: int
    text: str
    owner: str
    due_on: date | None


@dataclass
class Agenda:
    generated_at: str
    since: str | None
    priorities: list[dict] = field(default_factory=list)
    at_risk: list[dict] = field(default_factory=list)
    stale: list[dict] = field(default_factory=list)
    confidence_drops: list[dict] = field(default_factory=list)
    new_conflicts: list[dict] = field(default_factory=list)
    open_actions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def build_agenda(objectives, key_results, findings, actions, since: datetime | None, now: datetime,
                 today: date) -> Agenda:
    """since: when the last review took place (None before the first one)."""
    agenda = Agenda(generated_at=now.isoformat(timespec="minutes"), since=since.isoformat(timespec="minutes") if since else None)
    for o in sorted(objectives, key=lambda o: o.rank):
        trend = None if o.score is None or o.previous_score is None else round(o.score - o.previous_score, 4)
        agenda.priorities.append({"id": o.id, "rank": o.rank, "title": o.title, "score": o.score, "status": o.status,
                                  "trend": trend})
    severity_order = {"off_track": 0, "at_risk": 1}
    for kr in sorted((k for k in key_results if k.status in severity_order),
                     key=lambda k: (severity_order[k.status], k.progress)):
        agenda.at_risk.append(_kr(kr))
    stale_before = since if since is not None else now - STALE_WITHOUT_REVIEW
    for kr in key_results:
        if kr.last_check_in_at is None or kr.last_check_in_at < stale_before:
            agenda.stale.append(_kr(kr))
        if (kr.confidence is not None and kr.previous_confidence is not None
                and kr.previous_confidence - kr.confidence >= CONFIDENCE_DROP):
            agenda.confidence_drops.append({**_kr(kr), "from": kr.previous_confidence, "to": kr.confidence})
    for f in sorted(findings, key=lambda f: -f.severity):
        if f.status == "in_review" or since is None or f.first_seen_at >= since:
            agenda.new_conflicts.append({"id": f.id, "title": f.title, "kind": f.kind,
                                         "severity": round(f.severity, 4), "status": f.status,
                                         "first_seen": f.first_seen_at.date().isoformat()})
    for a in sorted(actions, key=lambda a: (a.due_on is None, a.due_on or today)):
        agenda.open_actions.append({"id": a.id, "text": a.text, "owner": a.owner,
                                    "due_on": a.due_on.isoformat() if a.due_on else None,
                                    "overdue": bool(a.due_on and a.due_on < today)})
    return agenda


def _kr(kr: KeyResultState) -> dict:
    return {"id": kr.id, "title": kr.title, "objective": kr.objective, "unit": kr.unit, "status": kr.status,
            "progress": round(kr.progress, 4),
            "last_check_in": kr.last_check_in_at.date().isoformat() if kr.last_check_in_at else None}
