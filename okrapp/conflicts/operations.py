"""Scanning the organisation's incentives, links and key results, and keeping conflict items.

A save only stamps the scan state (request_refresh); the scheduler's tick brings the items up to
date (refresh_if_pending). The refresh reads with plain selects, computes the grouping, and then
writes in one short transaction, so web saves never wait for a scan."""
import heapq
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import selectinload

from okrapp.conflicts.rules import items as grouping_rules
from okrapp.conflicts.goals import GoalInfo, current_key_results, database_scenario
from okrapp.conflicts.rules import detection as rules
from okrapp.core.extensions import db
from okrapp.core import formatting as fmt
from okrapp.conflicts.models import ConflictItem, ConflictItemClass, ConflictItemEvent, ConflictScanState
from okrapp.incentives import periods
from okrapp.incentives.models import BonusPlan, Incentive, PlanPeriod
from okrapp.okrs.metric_models import Metric
from okrapp.admin.models import Unit
from okrapp.conflicts.models import OPEN_STATUSES
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.transaction import operation
from okrapp.integrations import events
from okrapp.core.words import N_, _

STALE_AFTER = timedelta(hours=1)  # observed conflicts move with check-ins: refresh at least this often
PATHS_KEPT = 5  # per block, strongest first; the rest add nothing a reader can use


@dataclass
class RefreshReport:
    new: list = field(default_factory=list)
    reopened: list = field(default_factory=list)
    resolved_by_change: list = field(default_factory=list)
    still_open: int = 0
    skipped: bool = False  # a newer refresh had already written


# -- the scan state ----------------------------------------------------------------------------

def current_scan_state() -> ConflictScanState:
    """For pages: the state as stored, or an empty one (never written from a page view)."""
    return db.session.get(ConflictScanState, 1) or ConflictScanState(id=1, requests=0, handled=0, pairs=0,
                                                                      tension_pairs=0, items=0)


def scan_state() -> ConflictScanState:
    state = db.session.get(ConflictScanState, 1)
    if state is None:
        try:
            with db.session.begin_nested():
                db.session.add(ConflictScanState(id=1, requests=0, handled=0, pairs=0, tension_pairs=0, items=0))
        except IntegrityError:
            pass  # another process created it first
        state = db.session.get(ConflictScanState, 1)
    return state


def request_refresh() -> None:
    """What a save of an incentive, link or key result does: one UPDATE, no scan."""
    stamp = update(ConflictScanState).where(ConflictScanState.id == 1).values(
        requests=ConflictScanState.requests + 1, requested_at=utcnow()).execution_options(synchronize_session=False)
    if not db.session.execute(stamp).rowcount:
        scan_state()
        db.session.execute(stamp)


def refresh_if_pending(now: datetime | None = None) -> RefreshReport | None:
    """The scheduler's tick: refresh when something changed, or when the last scan grew old."""
    now = now or utcnow()
    state = db.session.scalar(select(ConflictScanState).where(ConflictScanState.id == 1)
                              .execution_options(populate_existing=True))
    due = state is None or state.pending or state.scanned_at is None or now - state.scanned_at >= STALE_AFTER
    if not due:
        return None
    return refresh_items()


# -- refreshing the items ----------------------------------------------------------------------

def refresh_items(actor=None) -> RefreshReport:
    """Bring stored items in line with a fresh scan: new ones open, vanished ones are resolved by
    change, and ones that come back reopen. Each keeps the date it was first seen.
    The plans for each coming period are scanned too, as the organisation would be on its first day:
    what they would bring that today's scan does not find is kept apart, as items coming with that
    period. Once the period starts such an item becomes one of today's, with its history."""
    scanned_at, started = utcnow(), time.perf_counter()
    seen = db.session.scalar(select(ConflictScanState.requests).where(ConflictScanState.id == 1)) or 0
    guards = {}
    scenario, info = database_scenario(guards=guards)
    grouping = grouping_rules.group(scenario, guards=guards)
    metric_ids = dict(db.session.execute(select(Metric.key, Metric.id)).all())
    today_keys = {found.key for found in grouping.items}
    coming = []
    for period in coming_periods():
        coming_guards = {}
        would_be, would_be_info = database_scenario(guards=coming_guards, horizon=period)
        found = grouping_rules.group(would_be, guards=coming_guards).items
        coming.append((period, [i for i in found if i.key not in today_keys], _Words(would_be, would_be_info)))

    state = db.session.scalar(select(ConflictScanState).where(ConflictScanState.id == 1).with_for_update()
                              .execution_options(populate_existing=True)) or scan_state()
    report = RefreshReport()
    if state.scanned_at is not None and state.scanned_at > scanned_at:
        report.skipped = True
        return report
    now = utcnow()
    current, by_horizon = {}, defaultdict(dict)
    for record in db.session.scalars(select(ConflictItem).options(selectinload(ConflictItem.classes))):
        if record.horizon_id is None:
            current[record.key] = record
        else:
            by_horizon[record.horizon_id][base_key(record.key)] = record
    still_coming = {period.id for period, _, _ in coming}
    for horizon_id in [h for h in by_horizon if h not in still_coming]:
        for key, record in by_horizon.pop(horizon_id).items():
            if key in today_keys and key not in current:  # its period started: one of today's now
                record.key, record.horizon = key, None
                current[key] = record
            else:
                by_horizon[None][key] = record
    _reconcile(current, grouping.items, _Words(scenario, info), metric_ids, now, actor, report)
    for period, found, words in coming:
        _reconcile(by_horizon.pop(period.id, {}), found, words, metric_ids, now, actor, RefreshReport(), period)
    for leftovers in by_horizon.values():
        _reconcile(leftovers, [], None, metric_ids, now, actor, RefreshReport())
    state.handled, state.scanned_at, state.finished_at = seen, scanned_at, utcnow()
    state.seconds = round(time.perf_counter() - started, 3)
    state.pairs, state.tension_pairs, state.items = grouping.pairs, grouping.tension_pairs, len(grouping.items)
    db.session.flush()
    events.conflicts_scanned(opened=report.new + report.reopened, settled=report.resolved_by_change)
    return report


def coming_periods(today: date | None = None) -> list[PlanPeriod]:
    """Periods not yet started with a plan still to be decided or scheduled."""
    today = today or local_today()
    return list(db.session.scalars(select(PlanPeriod).where(
        PlanPeriod.starts_on > today, PlanPeriod.id.in_(select(BonusPlan.period_id).where(
            BonusPlan.status.in_(periods.COMING)))).order_by(PlanPeriod.starts_on, PlanPeriod.id)))


def coming_key(period_id: int, key: str) -> str:
    return f"{period_id}>{key}"


def base_key(key: str) -> str:
    """The item key without its coming period."""
    return key.partition(">")[2] or key


def _reconcile(existing: dict, found_items, words, metric_ids, now, actor, report: RefreshReport,
               horizon: PlanPeriod | None = None) -> None:
    """existing: {item key: record} of one list (today's, or one coming period's), updated to found_items."""
    for found in found_items:
        record = existing.pop(found.key, None)
        is_new = record is None
        if is_new:
            key = coming_key(horizon.id, found.key) if horizon is not None else found.key
            record = ConflictItem(key=key, horizon=horizon, first_seen_at=now, last_seen_at=now, status="open",
                                  present=True)
            db.session.add(record)
            report.new.append(record)
        elif not record.present:
            record.present, record.last_seen_at = True, now
            if record.status in ("resolved", "resolved_by_change"):
                record.status, record.resolved_at = "open", None
                record.events.append(ConflictItemEvent(at=now, actor=actor, action="reopened",
                                                       note=_("Detected again after a change.")))
                report.reopened.append(record)
        _describe(record, found, words, metric_ids)
        if is_new:  # after _describe, so that the event carries the summary
            record.events.append(ConflictItemEvent(at=now, actor=actor, action="detected", note=record.summary))
        report.still_open += record.status in OPEN_STATUSES
    for record in existing.values():
        if record.present:
            record.present = False
            if record.status != "resolved":
                record.status, record.resolved_at = "resolved_by_change", now
                record.events.append(ConflictItemEvent(
                    at=now, actor=actor, action="resolved_by_change",
                    note=_("No longer detected since the decision.") if record.settled_by_id else
                    _("No longer detected after a change.")))
                report.resolved_by_change.append(record)


class _Words:
    """Labels for metrics, units and goals; the sentences items are told in."""

    def __init__(self, scenario: rules.Scenario, info: dict[str, GoalInfo]):
        self.labels = {key: m.label for key, m in scenario.metrics.items()}
        self.signs = {(l.source, l.target): l.sign for l in scenario.links}
        self.info = info

    def units(self, goals) -> list[str]:
        return sorted({self.info[g.id].unit_name for g in goals if g.id in self.info})

    def parties(self, goals) -> dict:
        """How many key results (of how many objectives) and other incentives an item works against."""
        krs = [g for g in goals if not g.is_incentive]
        return {"key_results": len(krs), "incentives": sum(1 for g in goals if g.is_incentive),
                "objectives": len({self.info[g.id].objective_id for g in krs if g.id in self.info})}


def _describe(record: ConflictItem, found: grouping_rules.Item, words: _Words, metric_ids: dict[str, int]) -> None:
    labels = words.labels
    record.kind, record.severity, record.level = found.kind, found.severity, found.level
    record.kinds, record.pairs, record.tension_pairs = ",".join(found.kinds), found.pairs, found.tension_pairs
    record.metric_id = metric_ids[found.metric]
    record.direction = found.direction
    record.other_metric_id = metric_ids.get(found.other_metric) if found.other_metric else None
    cause = found.cause
    others = [g for c in found.classes if not _same_class(c, cause) for g in c.goals]
    record.title = grouping_rules.title_of(found, labels)
    if cause is not None:
        facts = {"kind": "criterion", "units": words.units(cause.goals), "tension": found.is_tension,
                 **words.parties(others)}
    else:
        facts = {"kind": "key_results", **words.parties(others)}
    record.facts = json.dumps(facts)
    record.summary = fmt.conflict_summary(facts)  # kept worded too: exports, agendas and snapshots read it
    owners = words.units(cause.goals) if cause is not None else []
    blocks = []
    for block in found.blocks:
        paths = block.paths[:PATHS_KEPT]
        stored = {
            "a": block.a.key, "b": block.b.key, "kind": block.kind, "strength": block.strength,
            "severity": block.severity, "pairs": block.pairs, "harms": list(block.harms),
            "paths": [list(p) for p in paths],
            "signs": [[words.signs.get((x, y), 1) for x, y in zip(p, p[1:])] for p in paths],
            "rho": block.rho, "weeks": len(block.periods),
            "explanation": grouping_rules.explain_block(block, labels, words.signs, owners, "week")}
        # what pages need to word the explanation again in the reader's language (explain_stored)
        if block.periods:
            stored["span"] = [block.periods[0], block.periods[-1]]
        told = grouping_rules.told_path(block)
        if told and told not in paths:
            stored["told"] = list(told)
            stored["told_signs"] = [words.signs.get((x, y), 1) for x, y in zip(told, told[1:])]
        blocks.append(stored)
    record.blocks = json.dumps(blocks)
    record.explanation = blocks[0]["explanation"]
    wanted = {(metric_ids[c.metric], c.direction, c.is_incentive): "cause" if _same_class(c, cause) else "party"
              for c in found.classes}
    kept = {(c.metric_id, c.direction, c.is_incentive): c for c in record.classes}
    for key in set(kept) - set(wanted):
        record.classes.remove(kept[key])
    for key, role in wanted.items():
        if key in kept:
            kept[key].role = role
        else:
            record.classes.append(ConflictItemClass(metric_id=key[0], direction=key[1], is_incentive=key[2], role=role))


def _same_class(c: grouping_rules.GoalClass, cause: grouping_rules.GoalClass | None) -> bool:
    return cause is not None and (c.metric, c.direction, c.is_incentive) == (cause.metric, cause.direction, True)


# -- the pairs behind an item, on demand -------------------------------------------------------

@dataclass(frozen=True)
class EvidencePair:
    first: str
    second: str
    kind: str
    severity: float
    block: int  # index into the item's blocks


def item_evidence(item: ConflictItem, limit: int = 50, offset: int = 0) -> tuple[list[EvidencePair], int]:
    """A page of the pairs of goals the item stands for, worst first, and their total. Only the
    requested page is produced: within a block, goals sorted by weight give pairs in falling
    severity, so a heap walks the blocks' pairs in order without building all of them."""
    blocks = [b for b in item.block_list if item.level == "tension" or b["kind"] != "tension"]
    goals = _class_goals({key for b in blocks for key in (b["a"], b["b"])}, item.horizon)
    sides = [(sorted(goals.get(b["a"], ()), key=lambda g: (-g[1], g[0])),
              sorted(goals.get(b["b"], ()), key=lambda g: (-g[1], g[0]))) for b in blocks]
    total = sum(len(a) * len(b) for a, b in sides)
    heap, seen = [], set()

    def push(index, i, j):
        a, b = sides[index]
        if i < len(a) and j < len(b) and (index, i, j) not in seen:
            seen.add((index, i, j))
            severity = a[i][1] * b[j][1] * blocks[index]["strength"]
            heapq.heappush(heap, (-severity, a[i][0], b[j][0], index, i, j))

    for index in range(len(blocks)):
        push(index, 0, 0)
    found = []
    while heap and len(found) < offset + limit:
        negative, first, second, index, i, j = heapq.heappop(heap)
        found.append(EvidencePair(first, second, blocks[index]["kind"], -negative, index))
        push(index, i + 1, j)
        push(index, i, j + 1)
    return found[offset:offset + limit], total


def _class_goals(keys: set[str], horizon: PlanPeriod | None = None) -> dict[str, list[tuple[str, float]]]:
    """Goal labels and weights of the given classes ("I:<metric>:+"), in two queries; of the coming
    period's would-be set for an item coming with it."""
    wanted, guards = defaultdict(set), {}
    for key in keys:
        base, _at, guard = key.partition("@")
        guard = guard.rstrip("<>=")
        kind, metric, sign = base[0], base[2:-2], base[-1]
        wanted[kind].add((metric, 1 if sign == "+" else -1))
        if guard:
            guards[(metric, 1 if sign == "+" else -1)] = guard
    metric_ids = dict(db.session.execute(select(Metric.key, Metric.id)).all())
    by_id = {v: k for k, v in metric_ids.items()}
    goals = defaultdict(list)
    if wanted["I"]:
        ids = [metric_ids[m] for m, _ in wanted["I"] if m in metric_ids]
        for name, metric_id, direction, weight, unit_name, guard_id, comparator in db.session.execute(
                select(Incentive.name, Incentive.metric_id, Incentive.direction, Incentive.weight, Unit.name,
                       Incentive.guard_metric_id, Incentive.guard_comparator).join(Unit, Incentive.unit_id == Unit.id)
                .where(periods.in_force(horizon.starts_on if horizon else local_today(), coming=horizon is not None),
                       Incentive.metric_id.in_(ids))):
            sign = 1 if direction == "increase" else -1
            if (by_id[metric_id], sign) in wanted["I"]:
                guard = (by_id.get(guard_id), comparator or ">=") if guard_id else (None, "")
                goals[grouping_rules.class_key(by_id[metric_id], sign, True, *guard)].append(
                    (f"{unit_name}: {name}", weight))
    if wanted["K"]:
        ids = [metric_ids[m] for m, _ in wanted["K"] if m in metric_ids]
        for row in current_key_results(horizon.starts_on if horizon else local_today(), metric_ids=ids):
            sign = 1 if row.target > row.baseline else -1
            if (by_id[row.metric_id], sign) in wanted["K"]:
                goals[grouping_rules.class_key(by_id[row.metric_id], sign, False)].append(
                    (f"{row.title} ({row.objective})", row.share))
    return goals


# -- what leadership decides -------------------------------------------------------------------

ACTIONS = {
    # action: (new status, note required, button, what happened); the words translated where shown: _(label)
    "acknowledge": ("acknowledged", False, N_("Acknowledge"), N_("Acknowledged.")),
    "review": ("in_review", False, N_("Send to the next priority review"), N_("Sent to the next priority review.")),
    "accept": ("accepted", True, N_("Accept as a deliberate trade-off"), N_("Accepted as a deliberate trade-off.")),
    "resolve": ("resolved", True, N_("Resolve with a decision"), N_("Resolved with a decision.")),
    "reopen": ("open", False, N_("Reopen"), N_("Reopened.")),
}


def act_on_item(item: ConflictItem, action: str, actor, note: str = "", meeting=None) -> None:
    """meeting: for "review", the review it goes to (the next scheduled one when not given)."""
    if action not in ACTIONS:
        raise ServiceError(_("Unknown action %(action)s.", action=repr(action)))
    status, needs_note = ACTIONS[action][:2]
    note = note.strip()
    if needs_note and not note:
        raise ServiceError(_("Say why the trade-off is accepted.") if action == "accept" else _("Say the decision."),
                           field="note")
    if action == "reopen" and item.settled_by_id is not None and item.status in ("resolved", "accepted"):
        raise ServiceError(_("A review decision settled this conflict; only a later decision in a review reopens it."))
    now = utcnow()
    if action == "review":
        meeting = meeting or next_review(now)
        if meeting is None:
            raise ServiceError(_("There is no upcoming priority review to send this to; plan one first."))
        item.review_meeting = meeting
    elif action != "acknowledge":
        item.review_meeting = None
    item.status = status
    item.resolved_at = now if status in ("resolved", "accepted") else None
    item.re_review_on = local_today() + timedelta(days=TRADE_OFF_REVIEW_DAYS) if action == "accept" else None
    if action == "reopen":
        item.settled_by = None
    if note:
        item.note = note
    item.events.append(ConflictItemEvent(at=now, actor=actor, action=action, note=note))
    flush_or_stale(_("This conflict was updated meanwhile (a scan or another executive). Nothing of yours was "
                     "saved; look at it again and decide."))
    if action in ("review", "accept", "resolve"):
        events.conflict("escalated" if action == "review" else "settled", item, note)


@operation
def decide(item: ConflictItem, action: str, actor, note: str, seen_version: str | None) -> None:
    """act_on_item from the item's page, as one unit of work; refused when the item changed since the
    page showed it (seen_version), so nobody decides on what they did not see."""
    if seen_version and seen_version.isdigit() and int(seen_version) != item.version:
        raise StaleEdit(_("This conflict changed since you opened it. Nothing of yours was saved; "
                          "look at it again and decide."))
    act_on_item(item, action, actor, note)


TRADE_OFF_REVIEW_DAYS = 90


def flush_or_stale(message: str) -> None:
    """The scheduler's refresh (or another executive) may have rewritten a conflict item since it was
    loaded: roll back, keep nothing, and say so."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit(message) from None


def next_review(now: datetime):
    from okrapp.reviews.models import ReviewMeeting
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled",
                                                         ReviewMeeting.starts_at > now)
                             .order_by(ReviewMeeting.starts_at).limit(1))
