"""What a board summary shows, loaded as of the end of its window.

A summary for October sent on 2 November must show October's figures: each key result's value
is the last check-in at or before the window's end, its target the one in force then, and the
objective's score and status follow from those (the same domain rule as the dashboard). Decisions,
rank changes and conflicts are those inside the window (start, end]. Every loader is one query
(or a fixed few), whatever the number of objectives, key results, check-ins or decisions."""
import json
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.board import rules
from okrapp.core import words
from okrapp.domain.scoring import KeyResultFigures, elapsed_share, score_key_result, score_objective
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, Objective, RankChange, TargetChange
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.incentives.models import Incentive
from okrapp.reviews.models import ReviewDecision
from okrapp.conflicts.models import OPEN_STATUSES
from okrapp.reviews.models import DECISION_KINDS
from okrapp.core.timeutil import to_local
from okrapp.okrs.scoreboard import current_cycle

RESOLVED_STATUSES = ("resolved", "resolved_by_change", "accepted")


def objectives(end: datetime, day: date) -> list[rules.ObjectiveLine]:
    """The objectives of the cycle running on day (the window's last day) that existed at end."""
    cycle = current_cycle(day)
    if cycle is None:
        return []
    loaded = db.session.scalars(
        select(Objective).where(Objective.cycle_id == cycle.id, Objective.created_at <= end,
                                or_(Objective.retired_at.is_(None), Objective.retired_at > end))
        .order_by(Objective.rank, Objective.id)
        .options(selectinload(Objective.key_results).options(
            joinedload(KeyResult.metric), joinedload(KeyResult.accountable_unit),
            selectinload(KeyResult.contributors)))).all()
    values, targets = _values_at(cycle.id, end), _targets_at(cycle.id, end)
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, day)
    lines = []
    for objective in loaded:
        krs = [(kr, _figures(kr, values.get(kr.id), targets.get(kr.id))) for kr in objective.key_results]
        score = score_objective([f for _, f in krs], elapsed)
        lines.append(rules.ObjectiveLine(
            objective.id, objective.rank, objective.title, score.progress if score else None,
            score.status if score else None, tuple(_kr_line(kr, f, score_key_result(f, elapsed)) for kr, f in krs)))
    return lines


def _figures(kr: KeyResult, measured: tuple[float, int] | None, target: float | None) -> KeyResultFigures:
    """Nothing measured by then: the value was still the baseline. A target changed since: the old one."""
    value, confidence = measured if measured else (kr.baseline, None)
    if target is None or target == kr.baseline:
        target = kr.target
    return KeyResultFigures(baseline=kr.baseline, target=target, current=value, weight=kr.weight,
                            commitment=kr.commitment, confidence=confidence)


def _kr_line(kr: KeyResult, figures: KeyResultFigures, score) -> rules.KeyResultLine:
    partner = kr.accountable_unit.kind == "partner" or any(u.kind == "partner" for u in kr.contributors)
    return rules.KeyResultLine(kr.id, kr.title, kr.accountable_unit.name, kr.accountable_unit.kind, kr.metric.unit,
                               figures.baseline, figures.target, figures.current, score.progress, score.status,
                               partner)


def _values_at(cycle_id: int, end: datetime) -> dict[int, tuple[float, int]]:
    """Each key result's last check-in at or before end, in one query: per key result one step down
    the (key result, time) index, rather than ranking the whole history."""
    last = (select(CheckIn.id).where(CheckIn.key_result_id == KeyResult.id, CheckIn.created_at <= end)
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1).correlate(KeyResult).scalar_subquery())
    rows = db.session.execute(select(CheckIn.key_result_id, CheckIn.value, CheckIn.confidence)
                              .select_from(KeyResult).join(Objective, Objective.id == KeyResult.objective_id)
                              .join(CheckIn, CheckIn.id == last).where(Objective.cycle_id == cycle_id))
    return {kr_id: (value, confidence) for kr_id, value, confidence in rows}


def _targets_at(cycle_id: int, end: datetime) -> dict[int, float]:
    """The target in force at end where it changed later: the old target of the first later change."""
    rows = db.session.execute(
        select(TargetChange.key_result_id, TargetChange.old_target)
        .join(KeyResult, KeyResult.id == TargetChange.key_result_id).join(Objective)
        .where(Objective.cycle_id == cycle_id, TargetChange.changed_at > end)
        .order_by(TargetChange.changed_at.desc(), TargetChange.id.desc()))
    return dict(rows.all())  # later rows overwrite earlier ones: the first change after end wins


def opened(start: datetime, end: datetime) -> list[rules.ConflictLine]:
    return _conflicts(ConflictItem.first_seen_at > start, ConflictItem.first_seen_at <= end,
                      ConflictItem.level != "tension")


def resolved(start: datetime, end: datetime) -> list[rules.ConflictLine]:
    return _conflicts(ConflictItem.resolved_at > start, ConflictItem.resolved_at <= end,
                      ConflictItem.status.in_(RESOLVED_STATUSES))


def in_review() -> list[rules.ConflictLine]:
    return _conflicts(ConflictItem.status == "in_review")


def _conflicts(*conditions) -> list[rules.ConflictLine]:
    return [rules.ConflictLine(i.id, i.title, i.level, i.severity, i.status, i.note, i.summary,
                               i.settled_by.effective_on if i.settled_by is not None else None,
                               facts=_facts(i.facts))
            for i in db.session.scalars(select(ConflictItem).where(current_items(), *conditions)
                                        .options(joinedload(ConflictItem.settled_by))
                                        .order_by(ConflictItem.severity.desc(), ConflictItem.id))]


def _facts(text: str) -> dict | None:
    """What a conflict's summary says, kept so each reader's mail words it (None: only the sentence)."""
    try:
        facts = json.loads(text) if text else None
    except ValueError:
        return None
    return facts if isinstance(facts, dict) else None


def open_items(end: datetime) -> list[rules.OpenItem]:
    """Items open at end: seen by then, and not settled by then (still open, or settled later)."""
    rows = db.session.execute(select(ConflictItem.title, ConflictItem.level, ConflictItem.first_seen_at).where(
        current_items(), ConflictItem.first_seen_at <= end, ConflictItem.level != "tension",
        or_(ConflictItem.status.in_(OPEN_STATUSES), ConflictItem.resolved_at > end)))
    return [rules.OpenItem(title, level, first_seen_at) for title, level, first_seen_at in rows]


def seen_later(end: datetime) -> dict[str, int]:
    """Items open now that were first seen after end, by level: a summary of a past period does not count
    them, and says so (the app shows them open while the summary read "0 open")."""
    rows = db.session.execute(select(ConflictItem.level, func.count()).where(
        current_items(), ConflictItem.first_seen_at > end, ConflictItem.level != "tension",
        ConflictItem.status.in_(OPEN_STATUSES)).group_by(ConflictItem.level))
    return {level: count for level, count in rows}


def rank_changes(start: datetime, end: datetime) -> list[rules.PriorityChange]:
    changes = db.session.scalars(select(RankChange).where(
        RankChange.changed_at > start, RankChange.changed_at <= end, RankChange.old_rank.is_not(None))
        .options(joinedload(RankChange.objective), joinedload(RankChange.changed_by))).all()
    return [rules.PriorityChange(c.objective.title, c.old_rank, c.new_rank, c.changed_by.name if c.changed_by else "",
                                 c.changed_at, c.meeting_id is not None) for c in changes]


def decisions(start: datetime, end: datetime, day: date) -> list[rules.DecisionLine]:
    """The window's decisions with what each changed and the conflict items it settled, as of day
    (the window's last day): an item a decision settles from a later date is scheduled then."""
    return _decision_lines(ReviewDecision.created_at > start, ReviewDecision.created_at <= end, day=day)


def scheduled(end: datetime, day: date) -> list[rules.DecisionLine]:
    """Decisions taken by end, in this window or before, whose changes take effect after day."""
    return _decision_lines(ReviewDecision.created_at <= end, ReviewDecision.effective_on > day, day=day)


def _decision_lines(*conditions, day: date) -> list[rules.DecisionLine]:
    rows = db.session.scalars(select(ReviewDecision).where(*conditions)
                              .order_by(ReviewDecision.created_at, ReviewDecision.id)
                              .options(joinedload(ReviewDecision.owner), joinedload(ReviewDecision.meeting),
                                       joinedload(ReviewDecision.incentive).joinedload(Incentive.unit),
                                       joinedload(ReviewDecision.key_result),
                                       selectinload(ReviewDecision.settles).joinedload(ConflictItem.settled_by))
                              ).unique().all()
    return [rules.DecisionLine(
        _source_words(DECISION_KINDS.get(d.kind, d.kind)), d.text, d.owner.name if d.owner else "", d.due_on, d.created_at,
        changes=tuple(d.change_facts), settled=tuple(_settled(i, day) for i in d.settles),
        meeting_on=to_local(d.meeting.starts_at).date() if d.meeting else None, effective_on=d.effective_on,
        about=_about(d)) for d in rows]


def _source_words(label) -> str:
    """A label as the figures keep it: in English, worded for each reader when shown (rules.SHOWN)."""
    with words.using(words.SOURCE):
        return str(label)


def _about(decision: ReviewDecision) -> str:
    """What the decision is about, named the way the incentives and key results pages name it (a
    decision on a criterion across units names it in its change sentences)."""
    if decision.incentive is not None:
        return f"{decision.incentive.name} ({decision.incentive.unit.name})"
    return decision.key_result.title if decision.key_result is not None else ""


def _settled(item: ConflictItem, day: date) -> rules.SettledLine:
    settlement = item.settlement_on(day) or ("accepted" if item.status == "accepted" else None)
    return rules.SettledLine(item.title, item.level, settlement,
                             item.settled_by.effective_on if item.settled_by is not None else None)
