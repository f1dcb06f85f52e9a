"""Scanning the organisation's own incentives, links and key results, and keeping findings."""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain import conflicts as rules
from ..extensions import db
from ..models import (CheckIn, ConflictFinding, Cycle, FindingEvent, Incentive, KeyResult, Metric, MetricLink,
                      Objective, Unit)
from ..models.incentive import OPEN_STATUSES
from ..timeutil import local_today, utcnow
from . import ServiceError

OBSERVATION_WEEKS = 26


@dataclass
class GoalInfo:
    label: str
    unit_ids: set[int]


@dataclass
class RefreshReport:
    new: list = field(default_factory=list)
    reopened: list = field(default_factory=list)
    resolved_by_change: list = field(default_factory=list)
    still_open: int = 0


def database_scenario() -> tuple[rules.Scenario, dict[str, GoalInfo]]:
    """The organisation as a scenario: active incentives and the key results of cycles not yet over;
    observations are weekly means of the check-ins on the goals' metrics."""
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    domain_metrics = {m.key: rules.Metric(m.key, m.name, m.unit) for m in metrics.values()}
    links = tuple(rules.Link(metrics[l.source_id].key, metrics[l.target_id].key, l.sign, l.strength)
                  for l in db.session.scalars(select(MetricLink)))
    goals, info = [], {}
    for inc in db.session.scalars(select(Incentive).where(Incentive.active.is_(True)).options(joinedload(Incentive.unit))):
        goal = rules.Goal(inc.goal_id, metrics[inc.metric_id].key, 1 if inc.direction == "increase" else -1,
                          inc.weight, inc.unit.name, name=inc.name)
        goals.append(goal)
        info[goal.id] = GoalInfo(f"{inc.unit.name}: {inc.name}", {inc.unit_id})
    for kr, share in _current_key_results():
        goal = rules.Goal(f"KR-{kr.id}", metrics[kr.metric_id].key, 1 if kr.target > kr.baseline else -1, share,
                          objective=kr.objective.title, name=kr.title)
        goals.append(goal)
        info[goal.id] = GoalInfo(f"{kr.title} ({kr.objective.cycle.name})", {kr.accountable_unit_id})
    observations = _observations({g.metric for g in goals}, metrics)
    return rules.Scenario(domain_metrics, links, tuple(goals), tuple(observations)), info


def _current_key_results():
    """Key results of cycles that have not ended, each weighted by its share of its objective."""
    krs = db.session.scalars(
        select(KeyResult).join(Objective).join(Cycle).where(Cycle.ends_on >= local_today())
        .options(joinedload(KeyResult.objective).joinedload(Objective.cycle))).all()
    totals = defaultdict(float)
    for kr in krs:
        totals[kr.objective_id] += kr.weight
    return [(kr, kr.weight / totals[kr.objective_id]) for kr in krs]


def _observations(goal_metrics: set[str], metrics: dict[int, Metric]) -> list[rules.Observation]:
    ids = [m.id for m in metrics.values() if m.key in goal_metrics]
    since = utcnow() - timedelta(weeks=OBSERVATION_WEEKS)
    rows = db.session.execute(
        select(KeyResult.metric_id, CheckIn.created_at, CheckIn.value).join(CheckIn.key_result)
        .where(KeyResult.metric_id.in_(ids), CheckIn.created_at >= since)).all()
    weekly = defaultdict(list)
    for metric_id, at, value in rows:
        year, week, _ = at.isocalendar()
        weekly[(metrics[metric_id].key, f"{year}-W{week:02d}")].append(value)
    return [rules.Observation(key, period, sum(v) / len(v)) for (key, period), v in weekly.items()]


def scan_database(max_depth: int = rules.DEFAULT_MAX_DEPTH):
    scenario, info = database_scenario()
    return rules.scan(scenario, max_depth), scenario, info


def refresh_findings(actor=None) -> RefreshReport:
    """Bring stored findings in line with a fresh scan: new ones open, vanished ones are resolved
    by change, and ones that come back reopen. Each keeps the date it was first seen."""
    result, scenario, info = scan_database()
    now = utcnow()
    existing = {f.pair_key: f for f in db.session.scalars(select(ConflictFinding).options(
        selectinload(ConflictFinding.units)))}
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    signs = {(l.source, l.target): l.sign for l in scenario.links}
    report = RefreshReport()
    for found in (*result.conflicts, *result.tensions):
        key = f"{found.a}|{found.b}"
        record = existing.pop(key, None)
        if record is None:
            record = ConflictFinding(pair_key=key, goal_a=found.a, goal_b=found.b, first_seen_at=now, status="open")
            db.session.add(record)
            record.events.append(FindingEvent(at=now, actor=actor, action="detected", note=found.explanation))
            report.new.append(record)
        elif not record.present:
            record.present = True
            if record.status in ("resolved", "resolved_by_change"):
                record.status, record.resolved_at = "open", None
                record.events.append(FindingEvent(at=now, actor=actor, action="reopened",
                                                  note="Detected again after a change."))
                report.reopened.append(record)
        _describe(record, found, info, signs, units)
        record.last_seen_at = now
        report.still_open += record.status in OPEN_STATUSES
    for record in existing.values():
        if record.present:
            record.present = False
            if record.status != "resolved":
                record.status, record.resolved_at = "resolved_by_change", now
                record.events.append(FindingEvent(at=now, actor=actor, action="resolved_by_change",
                                                  note="No longer detected after a change."))
                report.resolved_by_change.append(record)
    db.session.flush()
    return report


def _describe(record: ConflictFinding, found: rules.Finding, info, signs, units) -> None:
    record.kind, record.severity, record.explanation = found.kind, found.severity, found.explanation
    record.harms = json.dumps(list(found.harms))
    record.paths = json.dumps([list(p) for p in found.paths])
    record.path_signs = json.dumps([[signs.get((a, b), 1) for a, b in zip(p, p[1:])] for p in found.paths])
    a, b = info.get(found.a), info.get(found.b)
    record.label_a = (a.label if a else found.a)[:300]
    record.label_b = (b.label if b else found.b)[:300]
    unit_ids = (a.unit_ids if a else set()) | (b.unit_ids if b else set())
    record.units = [units[i] for i in sorted(unit_ids) if i in units]


ACTIONS = {
    # action: (new status, note required, button, what happened)
    "acknowledge": ("acknowledged", False, "Acknowledge", "Acknowledged"),
    "review": ("in_review", False, "Send to the next priority review", "Sent to the next priority review"),
    "accept": ("accepted", True, "Accept as a deliberate trade-off", "Accepted as a deliberate trade-off"),
    "resolve": ("resolved", True, "Resolve with a decision", "Resolved with a decision"),
    "reopen": ("open", False, "Reopen", "Reopened"),
}


def act_on_finding(finding: ConflictFinding, action: str, actor, note: str = "") -> None:
    if action not in ACTIONS:
        raise ServiceError(f"Unknown action {action!r}.")
    status, needs_note, _, _ = ACTIONS[action]
    note = note.strip()
    if needs_note and not note:
        what = "why the trade-off is accepted" if action == "accept" else "the decision"
        raise ServiceError(f"Say {what}.", field="note")
    now = utcnow()
    finding.status = status
    finding.resolved_at = now if status in ("resolved", "accepted") else None
    if note:
        finding.note = note
    finding.events.append(FindingEvent(at=now, actor=actor, action=action, note=note))
    db.session.flush()

