"""Conflict items: what leadership sees, decides and is told about — one item per cause, not per pair.

The pair engine (conflicts.scan) compares every two goals, so its output grows with incentives ×
key results. But goals that push the same metric the same way, and are both incentives or both
key results, behave identically in it: only ids and weights differ. Their pairs come in *blocks*,
one per two such goal classes; a block's pairs share kind, harm and paths, and each pair's
severity is the two weights times the block's strength. Scanning one representative per class
(weight 1) therefore finds every block, and the pairs are recovered on demand by expanding a block.

An item gathers blocks under one cause:
- an *incentive criterion*: a metric pushed one way by a bonus, in one unit or many. It holds every
  block in which its incentives harm the other side (or, when no incentive harms, every block it is
  part of: then a shared result works against the bonus);
- two *key-result metrics* that pull against each other (by links or as observed): one item per
  pair of metrics.
The number of items grows with distinct criteria and metric pairs, never with units × key results.
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

from okrapp.conflicts.rules.detection import DEFAULT_MAX_DEPTH, Goal, Scenario, scan
from okrapp.conflicts.rules.sentences import observed_sentence, which
from okrapp.core.formatting import names
from okrapp.core.words import _, _l, ngettext

# Severity = weight of one goal × weight of the other × strength of the effect (FORMAT.md).
# Weights are a bonus share and a key result's share of its objective; strength is 1 on the
# same metric, the product of link strengths along a path, or |ρ| when measured.
LEVELS = (  # (name, floor, what it means: worded when shown)
    ("high", 0.10, _l("Severity 0.10 or more: a large share of a bonus works strongly against a key result that "
                      "carries much of its objective (e.g. %(share)s of a bonus × a third of an objective × strength "
                      "0.6).", share="50 %")),
    ("medium", 0.03, _l("Severity 0.03 to 0.10: a real pull against a shared result, weaker or on a smaller share.")),
    ("low", 0.0, _l("Severity under 0.03: a weak or distant effect; folded away unless asked for.")),
)
LEVEL_NAMES = tuple(level[0] for level in LEVELS)
TENSION = "tension"  # an item with only tensions: a single path opposes, the net effect does not
MAJOR_LEVELS = ("high", "medium")


def level_of(severity: float, *, tension: bool = False) -> str:
    if tension:
        return TENSION
    for name, floor, _meaning in LEVELS:
        if severity >= floor - 1e-12:
            return name
    return LEVELS[-1][0]


class GoalClass(NamedTuple):
    key: str  # "I:<metric>:+", "K:<metric>:-", or "I:<metric>:+@<guard metric>"
    metric: str
    direction: int
    is_incentive: bool
    goals: tuple[Goal, ...]  # strongest weight first
    guard: str | None = None  # incentives paid only while this counter-metric holds
    comparator: str = ""  # ">=": paid while the guard stays at least its threshold; "<=": at most

    @property
    def top_weight(self) -> float:
        return self.goals[0].weight


class Block(NamedTuple):
    """All pairs between two goal classes: one kind, one harm, one set of paths."""

    a: GoalClass
    b: GoalClass
    kind: str  # direct, indirect, observed or tension
    strength: float  # the severity of a pair of weight-1 goals
    harms: tuple[str, ...]  # class keys
    paths: tuple[tuple[str, ...], ...]  # strongest first
    rho: float | None
    periods: tuple[str, ...] = ()  # observed: the periods both metrics were measured in

    @property
    def pairs(self) -> int:
        return len(self.a.goals) * len(self.b.goals)

    @property
    def severity(self) -> float:
        return self.a.top_weight * self.b.top_weight * self.strength

    @property
    def is_tension(self) -> bool:
        return self.kind == TENSION


@dataclass(frozen=True)
class Item:
    key: str  # "criterion:<metric>:+" or "metrics:<metric>|<metric>"
    kind: str  # "criterion" or "key_results"
    metric: str
    direction: int | None  # the criterion's push; None for a key-result pair
    other_metric: str | None  # the second metric of a key-result pair
    blocks: tuple[Block, ...]  # strongest first

    @property
    def conflict_blocks(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if not b.is_tension)

    @property
    def is_tension(self) -> bool:
        return not self.conflict_blocks

    @property
    def severity(self) -> float:
        blocks = self.conflict_blocks or self.blocks
        return max(b.severity for b in blocks)

    @property
    def level(self) -> str:
        return level_of(self.severity, tension=self.is_tension)

    @property
    def pairs(self) -> int:
        return sum(b.pairs for b in self.conflict_blocks)

    @property
    def tension_pairs(self) -> int:
        return sum(b.pairs for b in self.blocks if b.is_tension)

    @property
    def kinds(self) -> tuple[str, ...]:
        present = {b.kind for b in self.blocks}
        return tuple(k for k in ("direct", "indirect", "observed", TENSION) if k in present)

    @property
    def classes(self) -> tuple[GoalClass, ...]:
        seen = {}
        for block in self.blocks:
            seen.setdefault(block.a.key, block.a)
            seen.setdefault(block.b.key, block.b)
        return tuple(seen.values())

    @property
    def cause(self) -> GoalClass | None:
        """The criterion's incentives, guarded or not, as one class."""
        if self.kind != "criterion":
            return None
        mine = [c for c in self.classes if c.is_incentive and c.metric == self.metric and c.direction == self.direction]
        goals = tuple(sorted((g for c in mine for g in c.goals), key=lambda g: (-g.weight, g.id)))
        return GoalClass(class_key(self.metric, self.direction, True), self.metric, self.direction, True, goals)


@dataclass(frozen=True)
class Grouping:
    items: tuple[Item, ...]  # worst first
    pairs: int  # conflicting pairs of goals, as the pair engine counts them
    tension_pairs: int


def class_key(metric: str, direction: int, is_incentive: bool, guard: str | None = None, comparator: str = "") -> str:
    key = f"{'I' if is_incentive else 'K'}:{metric}:{'+' if direction > 0 else '-'}"
    return f"{key}@{guard}{comparator}" if guard else key


def goal_classes(goals: Iterable[Goal], guards: Mapping[str, tuple[str, str]] | None = None) -> dict[str, GoalClass]:
    """guards: for a guarded incentive's goal id, (guard metric, ">=" or "<=")."""
    guards = guards or {}
    members = defaultdict(list)
    for goal in goals:
        members[class_key(goal.metric, goal.direction, goal.is_incentive, *guards.get(goal.id, (None, "")))].append(goal)
    classes = {}
    for key, found in members.items():
        found.sort(key=lambda g: (-g.weight, g.id))
        first = found[0]
        guard, comparator = guards.get(first.id, (None, ""))
        classes[key] = GoalClass(key, first.metric, first.direction, first.is_incentive, tuple(found), guard,
                                 comparator)
    return classes


def guarded(block: "Block", signs: Mapping[tuple[str, str], int]) -> bool:
    """A guardrail settles a block when the guarded incentives are the only side that harms, and
    every opposing path from them runs through the guarded metric in the direction the guard stops:
    "paid only while CSAT ≥ 80" stops a push that lowers CSAT, not one that raises it."""
    for side, other in ((block.a, block.b), (block.b, block.a)):
        if side.guard and side.key in block.harms and other.key not in block.harms:
            own = [p for p in block.paths if p[0] == side.metric]
            if own and all(_stopped_by_guard(p, side, signs) for p in own):
                return True
    return False


def _stopped_by_guard(path: Sequence[str], side: GoalClass, signs) -> bool:
    movement = side.direction
    for i in range(1, len(path)):
        movement *= signs.get((path[i - 1], path[i]), 1)
        if path[i] == side.guard:
            return movement < 0 if side.comparator == ">=" else movement > 0
    return False


def group(scenario: Scenario, max_depth: int = DEFAULT_MAX_DEPTH,
          guards: Mapping[str, tuple[str, str]] | None = None) -> Grouping:
    """The items of a scenario, from one scan of one representative goal per class. guards: the
    counter-metric of each guarded incentive (by goal id); blocks a guardrail settles are left out."""
    classes = goal_classes(scenario.goals, guards)
    representatives = tuple(Goal(key, c.metric, c.direction, 1.0, "" if c.is_incentive else None)
                            for key, c in classes.items())
    result = scan(Scenario(scenario.metrics, scenario.links, representatives, scenario.observations,
                           scenario.period_word), max_depth)
    signs = {(link.source, link.target): link.sign for link in scenario.links}
    measured = defaultdict(set)
    for obs in scenario.observations:
        measured[obs.metric].add(obs.period)
    gathered = defaultdict(list)
    pairs = tension_pairs = 0
    for found in (*result.conflicts, *result.tensions):
        a, b = classes[found.a], classes[found.b]
        periods = tuple(sorted(measured[a.metric] & measured[b.metric])) if found.kind == "observed" else ()
        block = Block(a, b, found.kind, found.severity, found.harms, found.paths, found.rho, periods)
        if guarded(block, signs):
            continue
        if block.is_tension:
            tension_pairs += block.pairs
        else:
            pairs += block.pairs
        for key in _item_keys(block):
            gathered[key].append(block)
    items = [_item(key, blocks) for key, blocks in gathered.items()]
    items.sort(key=lambda i: (i.is_tension, -i.severity, i.key))
    return Grouping(tuple(items), pairs, tension_pairs)


def _item_keys(block: Block) -> list[str]:
    criteria = [c for c in (block.a, block.b) if c.is_incentive]
    if not criteria:
        first, second = sorted((block.a.metric, block.b.metric))
        return [f"metrics:{first}|{second}"]
    harming = [c for c in criteria if c.key in block.harms]
    return [f"criterion:{c.metric}:{'+' if c.direction > 0 else '-'}" for c in (harming or criteria)]


def _item(key: str, blocks: list[Block]) -> Item:
    blocks.sort(key=lambda b: (b.is_tension, -b.severity, b.a.key, b.b.key))
    kind, _colon, rest = key.partition(":")
    if kind == "criterion":
        metric, _colon, sign = rest.rpartition(":")
        return Item(key, kind, metric, 1 if sign == "+" else -1, None, tuple(blocks))
    first, _bar, second = rest.partition("|")
    return Item(key, "key_results", first, None, second, tuple(blocks))


# -- pairs, on demand --------------------------------------------------------------------------

class Pair(NamedTuple):
    a: Goal
    b: Goal
    kind: str
    severity: float
    block: Block


def item_pairs(item: Item, *, include_tensions: bool = False) -> list[Pair]:
    """Every pair of goals the item stands for, worst first: what the pair engine would list."""
    found = []
    for block in item.blocks:
        if block.is_tension and not include_tensions:
            continue
        for g in block.a.goals:
            for h in block.b.goals:
                a, b = (g, h) if g.id < h.id else (h, g)
                found.append(Pair(a, b, block.kind, g.weight * h.weight * block.strength, block))
    found.sort(key=lambda p: (p.a.id, p.b.id))
    found.sort(key=lambda p: p.severity, reverse=True)
    return found


# -- words -------------------------------------------------------------------------------------

def title_of(item: Item, labels: Mapping[str, str]) -> str:
    """"Cost per delivery ↓" for a criterion (its incentives' name when they share one), "CSAT ↔ NPS"
    for two key-result metrics."""
    cause = item.cause
    if cause is not None:
        names = {g.name for g in cause.goals}
        name = names.pop() if len(names) == 1 else labels.get(item.metric, item.metric)
        return f"{name} {arrow(item.direction)}"[:300]
    second = item.other_metric
    return f"{labels.get(item.metric, item.metric)} ↔ {labels.get(second, second)}"[:300]


def arrow(direction: int) -> str:
    return "↑" if direction > 0 else "↓"


def describe_steps(path: Sequence[str], push: int, labels, signs) -> str:
    """", which raises Delivery lead time, which lowers CSAT": where a push on path[0] travels."""
    parts = []
    movement = push
    for i in range(1, len(path)):
        movement *= signs.get((path[i - 1], path[i]), 1)
        parts.append(which(movement, labels.get(path[i], path[i])))
    return "".join(parts)


def _subject(mover: GoalClass, owners: Sequence[str], labels, metric: str) -> str:
    """"Sales is rewarded for raising X", "Sales and Care are …", "Key results on X aim at lowering X"."""
    raising = mover.direction > 0
    if mover.is_incentive and owners:
        units = names(list(owners))
        if raising:
            return ngettext("%(units)s is rewarded for raising %(metric)s", "%(units)s are rewarded for raising %(metric)s",
                            len(owners), units=units, metric=metric)
        return ngettext("%(units)s is rewarded for lowering %(metric)s", "%(units)s are rewarded for lowering %(metric)s",
                        len(owners), units=units, metric=metric)
    if mover.is_incentive:
        return (_("A unit is rewarded for raising %(metric)s", metric=metric) if raising else
                _("A unit is rewarded for lowering %(metric)s", metric=metric))
    on = labels.get(mover.metric, mover.metric)
    return (_("Key results on %(on)s aim at raising %(metric)s", on=on, metric=metric) if raising else
            _("Key results on %(on)s aim at lowering %(metric)s", on=on, metric=metric))


def _ending(moved: GoalClass, labels, same_metric: bool, tension: bool) -> str:
    """"; key results on CSAT need it raised." — or, on the same metric, that the goals pull apart directly."""
    raised = moved.direction > 0
    if same_metric:
        if moved.is_incentive:
            endings = {(True, False): _("; incentives on the same metric need it raised: the goals pull against each "
                                        "other directly."),
                       (True, True): _("; incentives on the same metric need it raised: the goals partly pull against "
                                       "each other directly."),
                       (False, False): _("; incentives on the same metric need it lowered: the goals pull against each "
                                         "other directly."),
                       (False, True): _("; incentives on the same metric need it lowered: the goals partly pull "
                                        "against each other directly.")}
        else:
            endings = {(True, False): _("; key results on the same metric need it raised: the goals pull against each "
                                        "other directly."),
                       (True, True): _("; key results on the same metric need it raised: the goals partly pull against "
                                       "each other directly."),
                       (False, False): _("; key results on the same metric need it lowered: the goals pull against "
                                         "each other directly."),
                       (False, True): _("; key results on the same metric need it lowered: the goals partly pull "
                                        "against each other directly.")}
        return endings[(raised, tension)]
    metric = labels.get(moved.metric, moved.metric)
    if moved.is_incentive:
        return (_("; incentives on %(metric)s need it raised.", metric=metric) if raised else
                _("; incentives on %(metric)s need it lowered.", metric=metric))
    return (_("; key results on %(metric)s need it raised.", metric=metric) if raised else
            _("; key results on %(metric)s need it lowered.", metric=metric))


def explain_block(block: Block, labels, signs, owners: Sequence[str] = (), word: str = "period") -> str:
    """One sentence about the block's strongest evidence, in the words of the people involved. owners:
    the units paying the incentives that push, when the push is a bonus."""
    if block.kind == "observed":
        return observed_sentence(_class_label(block.a, labels), _class_label(block.b, labels), block.periods,
                                 block.rho, word)
    mover, moved, path = _told(block)
    sentence = _subject(mover, owners, labels, labels.get(path[0], path[0])) + \
        describe_steps(path, mover.direction, labels, signs)
    return sentence + _ending(moved, labels, len(path) == 1, block.kind == TENSION)


def told_path(block: Block) -> tuple[str, ...]:
    """The path explain_block tells of (not always among the strongest few kept)."""
    return () if block.kind == "observed" else tuple(_told(block)[2])


def _told(block: Block) -> tuple[GoalClass, GoalClass, Sequence[str]]:
    mover, moved = _mover(block)
    path = next((p for p in block.paths if p[0] == mover.metric), block.paths[0])
    if path[0] != mover.metric:
        mover, moved = moved, mover
    return mover, moved, path


def explain_stored(stored: Mapping, labels: Mapping[str, str], owners: Sequence[str] = (), word: str = "week") -> str:
    """explain_block for a block as conflicts.operations stores it (JSON), in the language of the moment;
    the stored sentence when the block lacks the facts (stored before they were kept)."""
    fallback = stored.get("explanation", "")
    try:
        a, b = stored_class(stored["a"]), stored_class(stored["b"])
        kept = [tuple(p) for p in stored["paths"]]
        signs = {}
        for path, path_signs in [*zip(kept, stored.get("signs", [])), (stored.get("told") or (),
                                                                       stored.get("told_signs") or ())]:
            signs.update({(x, y): s for x, y, s in zip(path, path[1:], path_signs)})
        if stored.get("told"):
            kept.insert(0, tuple(stored["told"]))
        periods: tuple[str, ...] = ()
        if stored["kind"] == "observed":
            span, weeks = stored.get("span"), stored.get("weeks") or 0
            if not span or weeks < 1 or stored.get("rho") is None:
                return fallback
            periods = (span[0], *([span[-1]] * (weeks - 1)))
        elif not kept:
            return fallback
        block = Block(a, b, stored["kind"], stored.get("strength", 0.0), tuple(stored.get("harms", ())),
                      tuple(kept), stored.get("rho"), periods)
    except (KeyError, IndexError, TypeError, ValueError):
        return fallback
    return explain_block(block, labels, signs, owners, word)


def stored_class(key: str) -> GoalClass:
    """The class a key names ("I:<metric>:+@<guard>>="), without its goals."""
    head, _at, guard = key.partition("@")
    kind, _colon, rest = head.partition(":")
    metric, _colon, sign = rest.rpartition(":")
    if kind not in ("I", "K") or sign not in ("+", "-") or not metric:
        raise ValueError(key)
    comparator = guard[-2:] if guard[-2:] in (">=", "<=") else ""
    return GoalClass(key, metric, 1 if sign == "+" else -1, kind == "I", (),
                     (guard[:-2] if comparator else guard) or None, comparator)


def _mover(block: Block) -> tuple[GoalClass, GoalClass]:
    if block.harms and block.harms[0] == block.b.key:
        return block.b, block.a
    return block.a, block.b


def _class_label(c: GoalClass, labels) -> str:
    metric = labels.get(c.metric, c.metric)
    if c.is_incentive:
        return _("%(metric)s (incentives, %(arrow)s)", metric=metric, arrow=arrow(c.direction))
    return _("%(metric)s (key results, %(arrow)s)", metric=metric, arrow=arrow(c.direction))
