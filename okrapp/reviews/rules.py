"""The agenda of a priority review, from the state of the organisation and the last review."""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta


STALE_WITHOUT_REVIEW = timedelta(days=14)
CONFIDENCE_DROP = 2
MAX_CONFLICTS = 12  # conflict items on one agenda, sent-to-this-review first; the rest behind "N more"
MAX_PRIORITIES = 15  # a leadership team ranks a short list; the rest are on the objectives page
MAX_KEY_RESULTS = 10  # per list of key results (at risk, stale, confidence drops), worst first


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
class ConflictState:
    id: int
    title: str
    summary: str
    level: str
    severity: float
    status: str
    first_seen_at: datetime
    sent_here: bool = False  # sent to the review this agenda is for
    flag: str = ""  # "trade_off_due": an accepted trade-off's re-review date has come; "still_detected"
    facts: dict | None = None  # what the summary says, worded in each reader's language (formatting.conflict_line)


@dataclass(frozen=True)
class PilotState:
    id: int
    title: str
    units: str
    starts_on: date
    ends_on: date
    status: str


@dataclass(frozen=True)
class ProposalState:
    id: int
    unit: str
    what: str
    why: str
    by: str


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
    sent_to_review: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)  # the worst other open items, new or not yet decided
    more_conflicts: int = 0
    more: dict = field(default_factory=dict)  # list name -> how many were left off it
    pilots: list[dict] = field(default_factory=list)
    proposals: list[dict] = field(default_factory=list)
    open_actions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def build_agenda(objectives, key_results, conflicts, actions, since: datetime | None, now: datetime,
                 today: date, pilots=(), proposals=(), meeting_day: date | None = None) -> Agenda:
    """since: when the last review took place (None before the first one)."""
    agenda = Agenda(generated_at=now.isoformat(timespec="minutes"), since=since.isoformat(timespec="minutes") if since else None)
    ranked = sorted(objectives, key=lambda o: o.rank)
    for o in ranked[:MAX_PRIORITIES]:
        trend = None if o.score is None or o.previous_score is None else round(o.score - o.previous_score, 4)
        agenda.priorities.append({"id": o.id, "rank": o.rank, "title": o.title, "score": o.score, "status": o.status,
                                  "trend": trend})
    severity_order = {"off_track": 0, "at_risk": 1}
    at_risk = sorted((k for k in key_results if k.status in severity_order),
                     key=lambda k: (severity_order[k.status], k.progress))
    stale_before = since if since is not None else now - STALE_WITHOUT_REVIEW
    stale = [k for k in key_results if k.last_check_in_at is None or k.last_check_in_at < stale_before]
    drops = sorted((k for k in key_results if k.confidence is not None and k.previous_confidence is not None
                    and k.previous_confidence - k.confidence >= CONFIDENCE_DROP),
                   key=lambda k: (k.confidence - k.previous_confidence, k.id))  # the largest drop first
    # At 200 units the full lists run to thousands of lines; a review needs the worst few, so only
    # those are turned into rows, and the rest counted.
    agenda.at_risk = [_kr(k) for k in at_risk[:MAX_KEY_RESULTS]]
    agenda.stale = [_kr(k) for k in stale[:MAX_KEY_RESULTS]]
    agenda.confidence_drops = [{**_kr(k), "from": k.previous_confidence, "to": k.confidence}
                               for k in drops[:MAX_KEY_RESULTS]]
    agenda.more = {"priorities": max(0, len(ranked) - MAX_PRIORITIES)} | {
        name: max(0, len(rows) - MAX_KEY_RESULTS) for name, rows in
        (("at_risk", at_risk), ("stale", stale), ("confidence_drops", drops))}
    _conflicts(agenda, conflicts, since, today)
    day = meeting_day or today
    for p in sorted(pilots, key=lambda p: (p.ends_on, p.id)):
        agenda.pilots.append({"id": p.id, "title": p.title, "units": p.units, "starts_on": p.starts_on.isoformat(),
                              "ends_on": p.ends_on.isoformat(), "status": p.status, "outcome_due": p.ends_on <= day})
    agenda.proposals = [{"id": p.id, "unit": p.unit, "what": p.what, "why": p.why, "by": p.by}
                        for p in sorted(proposals, key=lambda p: p.id)]
    for a in sorted(actions, key=lambda a: (a.due_on is None, a.due_on or today)):
        agenda.open_actions.append({"id": a.id, "text": a.text, "owner": a.owner,
                                    "due_on": a.due_on.isoformat() if a.due_on else None,
                                    "overdue": bool(a.due_on and a.due_on < today)})
    return agenda


def _conflicts(agenda: Agenda, conflicts, since: datetime | None, today: date) -> None:
    agenda.sent_to_review, agenda.conflicts, agenda.more_conflicts = conflict_sections(conflicts, since, today)


def conflict_sections(conflicts, since: datetime | None, today: date) -> tuple[list[dict], list[dict], int]:
    """Sent to this review first, then the worst open items; undecided ones stay, with their age,
    until a decision settles them. Tensions are not alarms and stay on the conflicts page.
    Returns (sent to this review, the others shown, how many more)."""
    worst_first = sorted(conflicts, key=lambda c: (not c.flag, -c.severity, c.id))  # asking for a decision first
    sent = [c for c in worst_first if c.sent_here]
    others = [c for c in worst_first if not c.sent_here and c.level != "tension"]
    shown_sent = [_conflict(c, since, today) for c in sent[:MAX_CONFLICTS]]
    room = MAX_CONFLICTS - len(shown_sent)
    shown = [_conflict(c, since, today) for c in others[:room]]
    return shown_sent, shown, len(others) - len(shown) + max(0, len(sent) - MAX_CONFLICTS)


def _conflict(c: ConflictState, since: datetime | None, today: date) -> dict:
    return {"id": c.id, "title": c.title, "summary": c.summary, "facts": c.facts, "level": c.level, "severity": round(c.severity, 4),
            "status": c.status, "flag": c.flag, "first_seen": c.first_seen_at.date().isoformat(),
            "age_days": (today - c.first_seen_at.date()).days, "new": since is None or c.first_seen_at >= since}


def _kr(kr: KeyResultState) -> dict:
    return {"id": kr.id, "title": kr.title, "objective": kr.objective, "unit": kr.unit, "status": kr.status,
            "progress": round(kr.progress, 4),
            "last_check_in": kr.last_check_in_at.isoformat(timespec="minutes") if kr.last_check_in_at else None}


# -- what a decision changed: kept as facts (core.formatting.change), worded when shown ---------------

def without_day(kept, day_text: str):
    """The change without its trailing date (a scheduled line says when itself): the fact's "from"
    form is swapped for the one without it; an old sentence loses " from <day>"."""
    if isinstance(kept, dict):
        say = kept.get("say") or ""
        if say.endswith(UNDATED_SUFFIX) and say.removesuffix(UNDATED_SUFFIX) in UNDATED:
            values = {k: v for k, v in (kept.get("values") or {}).items() if k != "day"}
            return {"say": say.removesuffix(UNDATED_SUFFIX), "values": values}
        return kept
    return str(kept).removesuffix(f" from {day_text}")


UNDATED_SUFFIX = " from %(day)s"
UNDATED = {"%(incentive)s (%(unit)s): %(change)s"}  # the forms a dated change falls back to
