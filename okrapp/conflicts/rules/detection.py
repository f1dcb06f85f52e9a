"""Incentive conflict detection, exactly as tests/data/conflict-scenarios/FORMAT.md defines it.

A goal (a unit's incentive or a shared key result) pushes its metric up or down. The push
travels along signed, weighted influence links; only simple paths of at most max_depth links
count, so cycles in the graph are fine. Goal g harms goal h when g's net effect on h's metric
runs against h's direction. Two goals conflict when either harms the other (`direct` on the
same metric, `indirect` otherwise); measured data can show an `observed` conflict that no link
explains. A pair without conflict but with a single opposing path is a `tension`.
"""
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations, compress, count
from operator import attrgetter, eq
from typing import Iterable, Mapping, Sequence

from okrapp.conflicts.rules.sentences import observed_sentence, opening, which
from okrapp.core.words import _

EPSILON = 1e-9
DEFAULT_MAX_DEPTH = 4
MIN_OBSERVED_PERIODS = 6
OBSERVED_RHO = -0.6
KINDS = ("direct", "indirect", "observed")


@dataclass(frozen=True)
class Metric:
    key: str
    name: str = ""
    unit: str = ""

    @property
    def label(self) -> str:
        return self.name or self.key


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    sign: int  # +1 or -1
    strength: float = 1.0


@dataclass(frozen=True)
class Goal:
    id: str
    metric: str
    direction: int  # +1 increase, -1 decrease
    weight: float = 1.0
    owner: str | None = None  # the unit of an incentive; None for a shared key result
    objective: str | None = None
    name: str | None = None  # what people call it; explanations use it when given

    @property
    def is_incentive(self) -> bool:
        return self.owner is not None


@dataclass(frozen=True)
class Observation:
    metric: str
    period: str
    value: float


@dataclass(frozen=True)
class Scenario:
    metrics: Mapping[str, Metric]
    links: Sequence[Link]
    goals: Sequence[Goal]
    observations: Sequence[Observation] = ()
    period_word: str = "period"  # what one observation period is called in explanations ("week" in the app)


class Finding:
    """One pair of goals. A large scan makes hundreds of thousands of these, so a finding is lean
    (__slots__), shares its paths with the other findings of the same two metrics, and builds its
    explanation sentence only when someone reads it."""

    __slots__ = ("a", "b", "kind", "severity", "harms", "paths", "rho", "_text", "_context")
    _fields = ("a", "b", "kind", "severity", "harms", "paths", "explanation", "rho")

    def __init__(self, a: str, b: str, kind: str, severity: float, harms: tuple[str, ...],
                 paths: tuple[tuple[str, ...], ...], explanation: str | None = None, rho: float | None = None,
                 context: "_Context | None" = None):
        self.a, self.b, self.kind, self.severity, self.harms, self.paths = a, b, kind, severity, harms, paths
        self.rho, self._text, self._context = rho, explanation, context

    @property
    def explanation(self) -> str:
        """The sentence for the strongest path (paths[0]), moved by the goal on the path's first metric."""
        if self._text is None:
            self._text = self._context.explain(self)
        return self._text

    @property
    def key(self) -> tuple[str, str]:
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)

    def _astuple(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other):
        return self._astuple() == other._astuple() if isinstance(other, Finding) else NotImplemented

    def __hash__(self):  # the explanation follows from the rest: no need to build it here
        return hash((self.a, self.b, self.kind, self.severity, self.harms, self.paths, self.rho))

    def __repr__(self):
        return "Finding(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields) + ")"

    def as_dict(self) -> dict:
        data = {"a": self.a, "b": self.b, "kind": self.kind, "severity": round(self.severity, 6),
                "harms": list(self.harms), "paths": [list(p) for p in self.paths], "explanation": self.explanation}
        if self.rho is not None:
            data["rho"] = round(self.rho, 6)
        return data


@dataclass(frozen=True)
class ScanResult:
    conflicts: tuple[Finding, ...]
    tensions: tuple[Finding, ...]

    def as_dict(self) -> dict:
        with _without_cyclic_gc():
            return {"conflicts": [f.as_dict() for f in self.conflicts],
                    "tensions": [f.as_dict() for f in self.tensions]}


class _Context:
    """What a finding needs to word its explanation later: the goals, metric labels and link signs
    (built on first use: a scan nobody reads the sentences of never pays for them)."""

    def __init__(self, scenario: "Scenario", goals: Sequence[Goal]):
        self.scenario = scenario
        self.goals = {g.id: g for g in goals}
        self.phrases: dict = {}  # cached sentence openings and endings per goal
        self._labels: dict[str, str] | None = None
        self._signs: dict[tuple[str, str], int] | None = None

    @property
    def labels(self) -> dict[str, str]:
        if self._labels is None:
            self._labels = {key: m.label for key, m in self.scenario.metrics.items()}
        return self._labels

    @property
    def signs(self) -> dict[tuple[str, str], int]:
        if self._signs is None:
            self._signs = {(l.source, l.target): l.sign for l in self.scenario.links}
        return self._signs

    def explain(self, finding: Finding) -> str:
        path = finding.paths[0]
        first, second = self.goals[finding.a], self.goals[finding.b]
        mover, moved = (first, second) if first.metric == path[0] else (second, first)
        return _explain(mover, moved, path, self)


def scan(scenario: Scenario, max_depth: int = DEFAULT_MAX_DEPTH) -> ScanResult:
    """All findings, worst first."""
    with _without_cyclic_gc():
        return _scan(scenario, max_depth)


@contextmanager
def _without_cyclic_gc():
    """A large scan allocates millions of objects, none in a reference cycle, and the cyclic garbage
    collector would walk the growing heap over and over for nothing (a third of the scan's time,
    three quarters of as_dict's). Reference counting still frees everything."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _scan(scenario: Scenario, max_depth: int) -> ScanResult:
    goals = sorted(scenario.goals, key=lambda g: g.id)
    context = _Context(scenario, goals)
    by_metric = defaultdict(list)
    for goal in goals:
        by_metric[goal.metric].append(goal)
    successors, last_hop = _adjacency(scenario.links, by_metric.keys())
    reach = {m: _reach_from(m, successors, last_hop, max_depth) for m in by_metric}
    conflicts = _direct(by_metric, context)
    tensions = []
    _linked(by_metric, reach, context, conflicts, tensions)
    # every finding holds its pair as a < b, so (a, b) is its key
    observed = _observed(goals, scenario, {(f.a, f.b) for f in conflicts} if scenario.observations else set())
    if observed:
        conflicts.extend(observed)
        conflicting = {(f.a, f.b) for f in observed}  # linked findings never repeat a pair: only these can
        tensions = [t for t in tensions if (t.a, t.b) not in conflicting]  # an observed conflict outranks a tension
    return ScanResult(_by_severity(conflicts), _by_severity(tensions))


def _by_severity(findings: list[Finding]) -> tuple[Finding, ...]:
    """Worst first, ties by pair. Sorting on the severity alone is several times cheaper than on
    (a, b) or a tuple key; the runs of equal severity are then put in pair order."""
    severity = attrgetter("severity")
    findings.sort(key=severity, reverse=True)
    severities = list(map(severity, findings))
    ties = compress(count(1), map(eq, severities, severities[1:]))  # i: findings[i] ties with findings[i - 1]
    runs = []  # [first, last] index of each run of equal severity
    for i in ties:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i - 1, i])
    for first, last in runs:
        findings[first:last + 1] = sorted(findings[first:last + 1], key=attrgetter("a", "b"))
    return tuple(findings)


def _direct(by_metric: Mapping[str, list[Goal]], context: _Context) -> list[Finding]:
    """Goals on the same metric pushing it opposite ways; the lower id is a, and explains."""
    found = []
    for metric, goals in by_metric.items():
        path = ((metric,),)
        for i, g in enumerate(goals):  # sorted by id
            for h in goals[i + 1:]:
                if h.id > g.id and h.direction != g.direction:
                    found.append(Finding(g.id, h.id, "direct", g.weight * h.weight, (g.id, h.id), path, None, None,
                                         context))
    return found


def _adjacency(links: Iterable[Link], goal_metrics) -> tuple[dict, dict]:
    """node -> ((target, signed strength, target is a goal metric, the target's last hops), ...), and
    node -> its last hops: ((goal metric, signed strength), ...). Precomputed once, so the walk looks
    nothing up per step."""
    goal_metrics = set(goal_metrics)
    out, last = defaultdict(list), defaultdict(list)
    for link in links:
        out[link.source].append((link.target, link.sign * link.strength))
        if link.target in goal_metrics:
            last[link.source].append((link.target, link.sign * link.strength))
    empty = ()
    last_hop = {node: tuple(hops) for node, hops in last.items()}
    successors = {node: tuple((target, step, target in goal_metrics, last_hop.get(target, empty))
                              for target, step in steps) for node, steps in out.items()}
    return successors, last_hop


def _reach_from(start: str, successors, last_hop, max_depth: int) -> dict[str, list]:
    """Net signed strength and the paths from start to every goal metric, over simple paths of
    at most max_depth links (a path never visits a metric twice, so cycles end).

    target -> [net, value, path, value, path, ...] with paths in walk order, which is also the order
    the net is summed in."""
    reached: dict[str, list] = {}
    if max_depth == 1:
        for target, step in last_hop.get(start, ()):
            _record(reached, target, step, (start, target))
    elif max_depth > 1:
        _walk(reached, {start}, successors, start, 1.0, (start,), max_depth)
    return reached


def _record(reached: dict, target: str, value: float, path: tuple) -> None:
    entry = reached.get(target)
    if entry is None:
        reached[target] = [value, value, path]
    else:
        entry[0] += value
        entry.append(value)
        entry.append(path)


def _walk(reached: dict, on_path: set, successors, node: str, signed: float, prefix: tuple, remaining: int) -> None:
    """Depth first from node (the end of prefix), remaining links at most. A plain function, not a
    closure: a recursive closure is a reference cycle that would keep `reached` alive."""
    if remaining > 2:
        for target, step, is_goal, _ in successors.get(node, ()):
            if target in on_path:
                continue
            value = signed * step
            path = (*prefix, target)
            if is_goal:
                _record(reached, target, value, path)
            on_path.add(target)
            _walk(reached, on_path, successors, target, value, path, remaining - 1)
            on_path.discard(target)
        return
    # the last two links, inlined (most of the work): only goal metrics can matter on the very last
    get = reached.get
    for target, step, is_goal, finals in successors.get(node, ()):
        if target in on_path:
            continue
        value = signed * step
        if is_goal:
            entry = get(target)
            if entry is None:
                reached[target] = [value, value, (*prefix, target)]
            else:
                entry[0] += value
                entry += (value, (*prefix, target))
        for final, last_step in finals:
            if final == target or final in on_path:
                continue
            last = value * last_step
            entry = get(final)
            if entry is None:
                reached[final] = [last, last, (*prefix, target, final)]
            else:
                entry[0] += last
                entry += (last, (*prefix, target, final))


def _linked(by_metric, reach: dict[str, dict[str, list]], context: _Context, conflicts: list, tensions: list) -> None:
    """Every pair of goals on two metrics that one reaches from the other. What a pair amounts to
    depends only on the two metrics and whether the goals push alike (push): worked out once per
    metric pair and push, shared by all goal pairs on them. Each metric's reach is dropped once its
    pairs are done; a pair reachable both ways is taken when its first metric comes up."""
    harmed_by = {g.id: (g.id,) for goals in by_metric.values() for g in goals}  # one harms tuple per goal
    for metric in list(reach):
        entries = reach.pop(metric)
        goals = by_metric[metric]
        for target, forward in entries.items():
            other = reach.get(target)
            back = other.pop(metric, None) if other is not None else None
            partners = by_metric[target]
            if back is None and len(forward) == 3 and abs(forward[0]) > EPSILON:
                # the common case, one path one way (_outcome inlined): g harms h when its push runs
                # against the path, and nothing happens otherwise
                net, paths = forward[0], None
                for g in goals:
                    for h in partners:
                        g_on_h = g.direction * h.direction * net
                        if g_on_h < -EPSILON:
                            paths = paths or (forward[2],)
                            a, b = (g.id, h.id) if g.id < h.id else (h.id, g.id)
                            conflicts.append(Finding(a, b, "indirect", g.weight * h.weight * -g_on_h,
                                                     harmed_by[g.id], paths, None, None, context))
                continue
            outcomes = {}
            for h in partners:
                for g in goals:
                    push = g.direction * h.direction
                    outcome = outcomes.get(push, False)
                    if outcome is False:
                        outcome = outcomes[push] = _outcome(forward, back, push)
                    if outcome is None:
                        continue
                    kind, size, who, paths = outcome
                    a, b = (g.id, h.id) if g.id < h.id else (h.id, g.id)
                    harms = harmed_by[g.id] if who == "g" else harmed_by[h.id] if who == "h" else \
                        (a, b) if who == "both" else ()
                    finding = Finding(a, b, kind, g.weight * h.weight * size, harms, paths, None, None, context)
                    (conflicts if who else tensions).append(finding)


def _outcome(forward: list, back: list | None, push: int):
    """(kind, size, who harms: "g", "h", "both" or None, paths strongest first) for goal g on a metric
    reaching h's metric (forward: that reach entry, back: the reverse one if any), or None.
    push: g's direction times h's.

    Paths weaker than EPSILON are left out of the list, unless they are all there is (a net harm
    summed from such paths, or a tension along one): then they are the evidence."""
    g_on_h = push * forward[0]
    h_on_g = push * back[0] if back is not None else 0.0
    g_harms, h_harms = g_on_h < -EPSILON, h_on_g < -EPSILON
    if g_harms or h_harms:
        kind, size = "indirect", max(-e for e in (g_on_h, h_on_g) if e < -EPSILON)
        who = "both" if g_harms and h_harms else "g" if g_harms else "h"
        ways = (forward if g_harms else None, back if h_harms else None)
    else:  # no harm either way: a tension when a single path opposes
        kind, size, who, ways = "tension", None, None, (forward, back)
    paths = _opposing(ways, push, EPSILON) or _opposing(ways, push, 0.0)
    if not paths:
        return None
    if size is None:
        size = max(strength for strength, _ in paths)
    if len(paths) > 1:
        paths.sort(key=lambda item: (-item[0], item[1]))
    return kind, size, who, tuple(path for _, path in paths)


def _opposing(entries, push: int, floor: float) -> list[tuple[float, tuple]]:
    """(strength, path) of the single paths in the reach entries (None: none) along which the push
    works against by more than floor."""
    return [(abs(entry[i]), entry[i + 1]) for entry in entries if entry is not None
            for i in range(1, len(entry), 2) if push * entry[i] < -floor]


def _observed(goals: Sequence[Goal], scenario: Scenario, taken: set) -> list[Finding]:
    series = defaultdict(dict)
    for obs in scenario.observations:
        series[obs.metric][obs.period] = obs.value
    candidates = [g for g in goals if len(series.get(g.metric, ())) >= MIN_OBSERVED_PERIODS]
    found = []
    for g, h in combinations(candidates, 2):
        if (g.id, h.id) in taken or g.metric == h.metric:
            continue
        periods = sorted(set(series[g.metric]) & set(series[h.metric]))
        if len(periods) < MIN_OBSERVED_PERIODS:
            continue
        rho = spearman(_progress(series[g.metric], periods, g.direction),
                       _progress(series[h.metric], periods, h.direction))
        if rho is not None and rho <= OBSERVED_RHO + EPSILON:
            found.append(Finding(g.id, h.id, "observed", g.weight * h.weight * abs(rho), (g.id, h.id), (),
                                 observed_sentence(_label(g), _label(h), periods, rho, scenario.period_word), rho))
    return found


def _progress(values: Mapping[str, float], periods: Sequence[str], direction: int) -> list[float]:
    return [(values[b] - values[a]) * direction for a, b in zip(periods, periods[1:])]


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho with average ranks for ties; None when either series is constant."""
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy) ** 0.5


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _label(goal: Goal) -> str:
    if goal.is_incentive:
        return f"{goal.owner} ({goal.name or goal.id})"
    return f"“{goal.name}” ({goal.id})" if goal.name else goal.id


def _explain(mover: Goal, moved: Goal, path: Sequence[str], ctx: _Context) -> str:
    """"Sales is rewarded for raising Orders per rep, which raises Lead time, which lowers CSAT;
    KR-1 needs it raised." One sentence a manager understands; the steps of a path are its clauses."""
    labels, signs = ctx.labels, ctx.signs
    start = ctx.phrases.get(("open", mover.id, path[0]))
    if start is None:
        incentive = mover.owner is not None
        start = ctx.phrases[("open", mover.id, path[0])] = opening(
            mover.owner if incentive else _label(mover), mover.direction, labels.get(path[0], path[0]), incentive)
    ending = ctx.phrases.get(("end", moved.id))
    if ending is None:
        ending = ctx.phrases[("end", moved.id)] = (
            _("; %(goal)s needs it raised.", goal=_label(moved)) if moved.direction > 0 else
            _("; %(goal)s needs it lowered.", goal=_label(moved)))
    parts = [start]
    movement = mover.direction
    for i in range(1, len(path)):
        movement *= signs[(path[i - 1], path[i])]
        parts.append(which(movement, labels.get(path[i], path[i])))
    parts.append(ending)
    return "".join(parts)
