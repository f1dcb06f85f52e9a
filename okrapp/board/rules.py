"""The figures of a board summary, computed once and used by the email, the archive and the
board's home page, so the numbers agree everywhere.

A summary covers the window (previous summary's end, this summary's end]: half open, so an item
first seen in the very second a summary ends is counted by that summary and never by the next.
Every figure is as of the window's end, not as of the day the summary is composed.

A board reads a page, not a register: at 1,000 objectives the summary names the first
BOARD_OBJECTIVES by priority in full, counts the rest by status and names those of them falling
fastest; lists of results and focus items are cut the same way, each with how many were left off
(`more`). Every objective's score is kept (`scores`), so the next summary's changes are exact.

The figures are data, kept in no reader's language: labels they hold are the English source words
(composed under `words.using("en")`), and `SHOWN` words them for each reader when a page or a mail
shows them."""
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from types import SimpleNamespace

from okrapp.core.formatting import conflict_line, day
from okrapp.core.words import N_, _, _l
from okrapp.domain.scoring import overall_score
from okrapp.core.formatting import change_text
from okrapp.reviews.rules import without_day

TOP_RISKS = 5
BOARD_OBJECTIVES = 10  # objectives shown in full, in priority order
BOARD_LIST = 10  # partner results and focus items shown
FALLING = 5  # of the objectives not shown in full, the fastest falling are named
FALL_FLOOR = -0.0005  # a change of less than 0.05 points is no change
NOTE_MAX = 600  # a covering note is a few sentences, not a second report
OPEN_LEVELS = ("high", "medium", "low")  # tensions are not counted as open conflicts
AGE_BANDS = ((30, "under_30"), (90, "30_to_90"), (None, "over_90"))  # days open
AGE_BAND_LABELS = {"under_30": _l("under 30 days"), "30_to_90": _l("30–90 days"), "over_90": _l("over 90 days")}
SETTLEMENT_LABELS = {"confirmed": N_("confirmed: no longer detected"),
                     "still_detected": N_("decided, but still detected"), "accepted": N_("accepted as a trade-off"), "scheduled": N_("scheduled: settled from %(day)s"),
                     None: N_("settled")}
LEVEL_LABELS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low"), "tension": _l("tension")}


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
class ConflictLine:
    id: int
    title: str
    level: str
    severity: float
    status: str
    decision: str = ""
    summary: str = ""
    effective_on: date | None = None  # when the decision that settled it takes effect
    facts: dict | None = None  # what the summary says, for each reader's language (formatting.conflict_summary)


@dataclass(frozen=True)
class PriorityChange:
    objective: str
    old_rank: int | None
    new_rank: int
    by: str
    at: datetime
    in_review: bool


@dataclass(frozen=True)
class SettledLine:
    """A conflict item a decision settled, and what the scan says about it since."""
    title: str
    level: str
    settlement: str | None  # "confirmed", "still_detected", "accepted", "scheduled" or None
    effective_on: date | None = None  # when the decision that settled it takes effect


@dataclass(frozen=True)
class DecisionLine:
    kind: str
    text: str  # why: the decision's own words
    owner: str
    due_on: date | None
    at: datetime
    changes: tuple = ()  # what it changed: facts (core.formatting.change), or sentences of old rows
    settled: tuple[SettledLine, ...] = ()
    meeting_on: date | None = None
    effective_on: date | None = None
    about: str = ""  # the incentive (unit) or key result it is about


@dataclass(frozen=True)
class OpenItem:
    """A conflict item open at the summary's end, for the count by level and age."""
    title: str
    level: str
    first_seen_at: datetime


@dataclass
class SummaryFigures:
    title: str
    covers_from: str | None
    covers_to: str
    overall: dict
    objectives: list[dict] = field(default_factory=list)  # the first BOARD_OBJECTIVES by priority
    scores: dict = field(default_factory=dict)  # every objective's score by id (str), for the next changes
    objectives_rest: dict = field(default_factory=dict)  # the others: how many, by status
    falling: list[dict] = field(default_factory=list)  # the others whose score fell most
    more: dict = field(default_factory=dict)  # list name -> how many were left off it
    top_risks: list[dict] = field(default_factory=list)
    conflicts_open_by_level: dict = field(default_factory=dict)
    conflicts_opened: list[dict] = field(default_factory=list)
    conflicts_resolved: list[dict] = field(default_factory=list)
    priority_changes: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    partner_results: list[dict] = field(default_factory=list)
    next_focus: dict = field(default_factory=dict)
    decided: list[dict] = field(default_factory=list)  # "What the leadership decided", first in the mail
    scheduled: list[dict] = field(default_factory=list)  # changes decided by the end, taking effect later
    open_by_age: list[dict] = field(default_factory=list)  # per level: count, age bands, oldest item
    as_of: str | None = None  # the day the figures are as of (the period's last day, or today if running)
    note: str = ""  # the executive's covering note, shown at the top
    seen_later: dict = field(default_factory=dict)  # level -> items open now, first seen after covers_to

    def as_dict(self) -> dict:
        """Shallow: the fields already hold plain lists and dicts (dataclasses.asdict would deep-copy
        every key result line again, seconds at 5,000 key results)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def summary_figures(*, title: str, covers_from: datetime | None, covers_to: datetime,
                    objectives: list[ObjectiveLine], previous: dict | None, opened: list[ConflictLine],
                    resolved: list[ConflictLine], rank_changes: list[PriorityChange], decisions: list[DecisionLine],
                    next_reviews: list[datetime], in_review: list[ConflictLine],
                    open_by_level: dict[str, int] | None = None, open_items: list[OpenItem] | None = None,
                    as_of: date | None = None, note: str = "",
                    scheduled: list[DecisionLine] | None = None, seen_later: dict | None = None) -> SummaryFigures:
    """previous: the figures of the previous summary (for the change of each score).
    open_items: the items open at covers_to; their ages are counted at covers_to.
    scheduled: decisions taken by covers_to (in this window or before) whose changes take effect
    after as_of; listed apart, as changes still to come."""
    before = _previous_scores(previous)
    overall = overall_score(o.score for o in objectives)
    previous_overall = (previous or {}).get("overall", {}).get("score")
    figures = SummaryFigures(title=title, covers_from=_instant(covers_from) if covers_from else None,
                             covers_to=_instant(covers_to),
                             overall={"score": _r(overall), "change": _change(overall, previous_overall)},
                             as_of=as_of.isoformat() if as_of else None, note=note, seen_later=dict(seen_later or {}))
    by_rank = sorted(objectives, key=lambda o: (o.rank, o.id))
    lines = [{"id": o.id, "rank": o.rank, "title": o.title, "score": _r(o.score), "status": o.status,
              "change": _change(o.score, before.get(str(o.id)))} for o in by_rank]
    figures.scores = {str(o.id): _r(o.score) for o in by_rank}
    for line, o in zip(lines[:BOARD_OBJECTIVES], by_rank):
        figures.objectives.append({**line, "key_results": [_kr(k) for k in o.key_results]})
    rest = lines[BOARD_OBJECTIVES:]
    figures.objectives_rest = {"count": len(rest), **{name: sum(1 for line in rest if line["status"] == name)
                                                      for name in ("on_track", "at_risk", "off_track")}}
    figures.objectives_rest["no_data"] = len(rest) - sum(figures.objectives_rest[n] for n in
                                                         ("on_track", "at_risk", "off_track"))
    fell = [line for line in rest if line["change"] is not None and line["change"] < FALL_FLOOR]
    figures.falling = sorted(fell, key=lambda line: (line["change"], line["rank"]))[:FALLING]
    risks = [k for o in objectives for k in o.key_results if k.status == "off_track"]
    figures.top_risks = [_kr(k) for k in sorted(risks, key=lambda k: (k.progress, k.id))[:TOP_RISKS]]
    if open_items is not None:
        figures.open_by_age = open_by_level_and_age(open_items, covers_to)
        open_by_level = {line["level"]: line["count"] for line in figures.open_by_age}
    figures.conflicts_open_by_level = dict(open_by_level or {})
    figures.conflicts_opened = [_conflict(f, as_of) for f in sorted(opened, key=lambda f: -f.severity)]
    figures.conflicts_resolved = [_conflict(f, as_of) for f in resolved]
    figures.priority_changes = [{"objective": c.objective, "old_rank": c.old_rank, "new_rank": c.new_rank,
                                 "by": c.by, "at": c.at.isoformat(timespec="minutes"), "in_review": c.in_review}
                                for c in sorted(rank_changes, key=lambda c: c.at)]
    figures.decisions = [{"kind": d.kind, "text": d.text, "owner": d.owner,
                          "due_on": d.due_on.isoformat() if d.due_on else None,
                          "at": d.at.isoformat(timespec="minutes")}
                         for d in sorted(decisions, key=lambda d: d.at)]
    figures.decided = [decided(d) for d in sorted(decisions, key=lambda d: d.at)]
    figures.scheduled = scheduled_changes(scheduled or [], as_of)
    partner = [_kr(k) for o in by_rank for k in o.key_results if k.partner_involved]
    focus = [{"kind": "objective", "rank": o.rank, "title": o.title} for o in by_rank
             if o.status in ("off_track", "at_risk")]
    focus = [{"kind": "conflict", "title": f.title} for f in in_review] + focus  # sent to a review comes first
    figures.partner_results, figures.more["partner_results"] = partner[:BOARD_LIST], max(0, len(partner) - BOARD_LIST)
    figures.next_focus = {"reviews": [r.isoformat(timespec="minutes") for r in next_reviews],
                          "items": [focus_line(item) for item in focus[:BOARD_LIST]],  # as worded when made
                          "lines": focus[:BOARD_LIST]}
    figures.more["focus"] = max(0, len(focus) - BOARD_LIST)
    return figures


def _previous_scores(previous: dict | None) -> dict[str, float | None]:
    """Every objective's score in the previous summary (older summaries kept only the listed ones)."""
    if not previous:
        return {}
    if "scores" in previous:
        return previous["scores"]
    return {str(o["id"]): o["score"] for o in previous.get("objectives", [])}


def decided(d: DecisionLine) -> dict:
    """One decision as the board reads it: what changed, why, and the conflicts it settled."""
    settled = [{"title": s.title, "level": s.level, "settlement": s.settlement,
                "label": settled_label(s.settlement, s.effective_on),
                "effective_on": s.effective_on.isoformat() if s.effective_on else None} for s in d.settled]
    return {"kind": d.kind, "about": d.about, "why": d.text, "changes": list(d.changes), "owner": d.owner,
            "due_on": d.due_on.isoformat() if d.due_on else None, "at": d.at.isoformat(timespec="minutes"),
            "meeting_on": d.meeting_on.isoformat() if d.meeting_on else None,
            "effective_on": d.effective_on.isoformat() if d.effective_on else None,
            "settled": settled, "settled_count": len(settled),
            "confirmed": sum(1 for s in d.settled if s.settlement == "confirmed"),
            "still_detected": sum(1 for s in d.settled if s.settlement == "still_detected"),
            "scheduled": sum(1 for s in d.settled if s.settlement == "scheduled")}


def settled_label(settlement: str | None, effective_on: date | str | None = None) -> str:
    """How a settled item fared, in the language of the moment."""
    label = SETTLEMENT_LABELS.get(settlement, SETTLEMENT_LABELS[None])
    return _(label, day=day(effective_on)) if settlement == "scheduled" else _(label)


def focus_line(item: dict | str) -> str:
    """One thing the next period's reviews will focus on (a summary made before these were kept as
    data holds the sentence)."""
    if isinstance(item, str):
        return item
    if item.get("kind") == "conflict":
        return _("Conflict: %(title)s", title=item["title"])
    return _("Objective %(rank)s: %(title)s", rank=item["rank"], title=item["title"])


def level_label(level: str) -> str:
    """A conflict level (high, medium, low, tension) in the language of the moment."""
    return str(LEVEL_LABELS.get(level, level))


# A decision's kind is kept as its form's label, an imperative ("Start a pilot"); where the board reads what
# was decided, a noun ("Pilot started") says it (Finnish "Aloita kokeilu" read as an order).
KIND_NOUNS = {"Change an incentive": N_("Incentive changed"), "Change a target": N_("Target changed"),
              "Reprioritise": N_("Priorities changed"), "Start a pilot": N_("Pilot started"),
              "Decide a pilot's outcome": N_("Pilot outcome decided"), "Resolve a conflict": N_("Conflict resolved"),
              "Accept a trade-off": N_("Trade-off accepted"), "Decide a unit's proposal": N_("Unit's proposal decided"),
              "Decide a coming bonus plan": N_("Bonus plan decided"), "Assign an action": N_("Action assigned")}


def source_label(label) -> str:
    """A label the figures keep in English (a decision's kind) in the language of the moment, as a noun."""
    return _(KIND_NOUNS.get(str(label), str(label))) if label else ""


def conflict_text(line: dict) -> str:
    """A conflict's summary worded now from its facts; as stored when the summary kept no facts."""
    return conflict_line(line)


def settled_text(settled: dict, decision: dict) -> str:
    """A settled item's label worded now; a summary made before the item kept its date uses the decision's."""
    return settled_label(settled.get("settlement"), settled.get("effective_on") or decision.get("effective_on"))


# what the page and mail templates word the figures with, in the reader's language
SHOWN = SimpleNamespace(settled=settled_text, focus=focus_line, level=level_label, kind=source_label,
                        conflict=conflict_text, age_bands=AGE_BAND_LABELS, change=change_text)


def scheduled_changes(decisions: list[DecisionLine], as_of: date | None) -> list[dict]:
    """What the decisions change later than as_of, one line per change, soonest first: the board
    reads it as still to come, never as done. A change that names its date already ("… retired from
    1 Jan 2027") loses it here, as the line says when it takes effect. Changes stay facts, worded
    when shown (SHOWN.change)."""
    lines = []
    for d in sorted(decisions, key=lambda d: (d.effective_on or date.min, d.at)):
        if d.effective_on is None or (as_of is not None and d.effective_on <= as_of):
            continue
        for change in d.changes or (d.about or d.text,):
            lines.append({"change": without_day(change, day(d.effective_on)), "kind": d.kind,
                          "about": d.about, "effective_on": d.effective_on.isoformat()})
    return lines


def _conflict(line: ConflictLine, as_of: date | None) -> dict:
    """A conflict line of the summary; "scheduled": the day the decision settling it takes effect,
    when that is after as_of (a resolution still to come, not one done)."""
    later = line.effective_on is not None and as_of is not None and line.effective_on > as_of
    fields_ = {name: value for name, value in asdict(line).items() if name != "effective_on"}
    return fields_ | {"severity": _r(line.severity), "scheduled": line.effective_on.isoformat() if later else None}


def open_by_level_and_age(items: list[OpenItem], at: datetime) -> list[dict]:
    """Per level (high first): how many are open, how long they have been open (in bands), and
    the oldest, so the board sees what is being left to age, not just how much is open."""
    lines = []
    for level in OPEN_LEVELS:
        mine = sorted((i for i in items if i.level == level), key=lambda i: (i.first_seen_at, i.title))
        bands = {name: 0 for _, name in AGE_BANDS}
        for item in mine:
            bands[age_band(days_open(item.first_seen_at, at))] += 1
        oldest = mine[0] if mine else None
        lines.append({"level": level, "count": len(mine), "ages": bands,
                      "oldest": {"title": oldest.title, "days": days_open(oldest.first_seen_at, at)} if oldest else None})
    return lines


def days_open(since: datetime, at: datetime) -> int:
    return max(0, (at - since).days)


def age_band(days: int) -> str:
    for limit, name in AGE_BANDS:
        if limit is None or days < limit:
            return name
    return AGE_BANDS[-1][1]


def _instant(value: datetime) -> str:
    """Full precision: a summary's end must compare exactly with the times of what it counts."""
    return value.isoformat(timespec="microseconds")


KR_FIELDS = tuple(f.name for f in fields(KeyResultLine))


def _kr(k: KeyResultLine) -> dict:
    line = {name: getattr(k, name) for name in KR_FIELDS}
    line["progress"] = _r(k.progress)
    return line


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)
