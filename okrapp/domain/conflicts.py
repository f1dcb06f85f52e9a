"""Incentive conflict detection, exactly as tests/data/conflict-scenarios/FORMAT.md defines it.

A goal (a unit's incentive or a shared key result) pushes its metric up or down. The push
travels along signed, weighted influence links; only simple paths of at most max_depth links
count, so cycles in the graph are fine. Goal g harms goal h when g's net effect on h's metric
runs against h's direction. Two goals conflict when either harms the other (`direct` on the
same metric, `indirect` otherwise); measured data can show an `observed` conflict that no link
explains. A pair without conflict but with a single opposing path is a `tension`.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from operator import itemgetter
from typing import Iterable, Mapping, NamedTuple, Sequence

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


class Finding(NamedTuple):
    """One pair of goals. A named tuple: a large scan makes hundreds of thousands of these."""

    a: str
    b: str
    kind: str  # direct, indirect, observed, or tension
    severity: float
    harms: tuple[str, ...]
    paths: tuple[tuple[str, ...], ...]
    explanation: str
    rho: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)

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
        return {"conflicts": [f.as_dict() for f in self.conflicts], "tensions": [f.as_dict() for f in self.tensions]}


@dataclass
class _Context:
    metrics: Mapping[str, Metric]
    signs: dict[tuple[str, str], int]
    # source metric -> goal metric -> [net, [(signed, path), ...], has a + path, has a - path]
    reach: dict[str, dict[str, list]]
    labels: dict[str, str]
    phrases: dict = field(default_factory=dict)  # cached sentence openings and endings per goal


def scan(scenario: Scenario, max_depth: int = DEFAULT_MAX_DEPTH) -> ScanResult:
    goals = sorted(scenario.goals, key=lambda g: g.id)
    goal_metrics = {g.metric for g in goals}
    graph, last_hop = _adjacency(scenario.links, goal_metrics)
    ctx = _Context(scenario.metrics, {(l.source, l.target): l.sign for l in scenario.links},
                   {m: _reach_from(m, graph, last_hop, goal_metrics, max_depth) for m in goal_metrics},
                   {key: m.label for key, m in scenario.metrics.items()})
    by_metric = defaultdict(list)
    for goal in goals:
        by_metric[goal.metric].append(goal)

    conflicts, tensions = [], []
    for g in goals:
        for h in by_metric[g.metric]:
            if h.id > g.id and h.direction != g.direction:
                conflicts.append(Finding(g.id, h.id, "direct", g.weight * h.weight, (g.id, h.id), ((g.metric,),),
                                         _explain(g, h, (g.metric,), ctx)))
        for metric, forward in ctx.reach[g.metric].items():
            back = ctx.reach[metric].get(g.metric)
            for h in by_metric[metric]:
                if back is not None and h.id < g.id:
                    continue  # both sides see this pair: the lower id takes it
                finding = _linked_finding(g, h, forward, back, ctx)
                if finding is not None:
                    (tensions if finding.kind == "tension" else conflicts).append(finding)
    # every finding holds its pair as a < b, so (a, b) is its key
    conflicts.extend(_observed(goals, scenario, {(f.a, f.b) for f in conflicts}))
    conflicting = {(f.a, f.b) for f in conflicts}
    tensions = [t for t in tensions if (t.a, t.b) not in conflicting]  # an observed conflict outranks a tension
    return ScanResult(_by_severity(conflicts), _by_severity(tensions))


def _by_severity(findings: list[Finding]) -> tuple[Finding, ...]:
    """Worst first, ties by pair; two stable sorts are much cheaper than a tuple key here."""
    findings.sort(key=itemgetter(0, 1))
    findings.sort(key=itemgetter(3), reverse=True)
    return tuple(findings)


def _adjacency(links: Iterable[Link], goal_metrics: set[str]):
    """Successors with signed strength; and, for the last hop, only those that are goal metrics."""
    graph, last_hop = defaultdict(list), defaultdict(list)
    for link in links:
        graph[link.source].append((link.target, link.sign * link.strength))
        if link.target in goal_metrics:
            last_hop[link.source].append((link.target, link.sign * link.strength))
    return graph, last_hop


def _reach_from(start: str, graph, last_hop, goal_metrics: set[str], max_depth: int) -> dict[str, list]:
    """Net signed strength and the paths from start to every goal metric, over simple paths of
    at most max_depth links (a path never visits a metric twice, so cycles end)."""
    reached: dict[str, list] = {}
    path = [start]
    on_path = {start}

    def record(target, value):
        entry = reached.get(target)
        if entry is None:
            entry = reached[target] = [0.0, [], False, False]
        entry[0] += value
        entry[1].append((value, (*path, target)))
        entry[2 if value > 0 else 3] = True

    def walk(node: str, signed: float, depth: int) -> None:
        for target, step in graph.get(node, ()):
            if target in on_path:
                continue
            value = signed * step
            if target in goal_metrics:
                record(target, value)
            on_path.add(target)
            path.append(target)
            if depth + 1 < max_depth:
                walk(target, value, depth + 1)
            else:  # the last hop, inlined: only goal metrics can matter there
                for final, last_step in last_hop.get(target, ()):
                    if final not in on_path:
                        record(final, value * last_step)
            path.pop()
            on_path.discard(target)

    if max_depth == 1:
        for target, step in last_hop.get(start, ()):
            record(target, step)
    elif max_depth > 1:
        walk(start, 1.0, 1)
    return reached


def _opposing(mover: Goal, moved: Goal, entry) -> list:
    """Single paths (from entry) along which mover's push works against moved."""
    if entry is None:
        return []
    push = mover.direction * moved.direction
    return [(mover, moved, (abs(v), p)) for v, p in entry[1] if push * v < -EPSILON]


def _linked_finding(g: Goal, h: Goal, forward, back, ctx: _Context) -> Finding | None:
    """g and h on different metrics; forward: g's metric reaching h's; back: the reverse, if any."""
    push = g.direction * h.direction
    g_on_h = push * forward[0]
    h_on_g = push * back[0] if back is not None else 0.0
    first, second = (g, h) if g.id < h.id else (h, g)
    if g_on_h < -EPSILON or h_on_g < -EPSILON:
        harming = [x for x, e in ((g, g_on_h), (h, h_on_g)) if e < -EPSILON]
        paths = (_opposing(g, h, forward) if g_on_h < -EPSILON else []) + \
                (_opposing(h, g, back) if h_on_g < -EPSILON else [])
        size = max(-e for e in (g_on_h, h_on_g) if e < -EPSILON)
        return _with_paths(first, second, "indirect", g.weight * h.weight * size,
                           tuple(sorted(x.id for x in harming)), paths, ctx)
    # no harm either way: a tension when a single path opposes (flags 2/3: has a +/- path)
    if not (forward[3 if push > 0 else 2] or (back is not None and back[3 if push > 0 else 2])):
        return None
    paths = _opposing(g, h, forward) + _opposing(h, g, back)
    size = max(strength for _, _, (strength, _) in paths)
    return _with_paths(first, second, "tension", g.weight * h.weight * size, (), paths, ctx)


def _with_paths(g, h, kind, severity, harms, paths, ctx) -> Finding:
    """paths: (mover, moved, (strength, path)); strongest first, explained by the strongest."""
    if len(paths) > 1:
        paths.sort(key=lambda item: (-item[2][0], item[2][1]))
    mover, moved, (_, strongest) = paths[0]
    text = _explain(mover, moved, strongest, ctx)
    return Finding(g.id, h.id, kind, severity, harms, tuple(p for _, _, (_, p) in paths), text)


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
            text = (f"Measured over {len(periods)} periods, when {_label(g)} moved its way {_label(h)} moved "
                    f"the other way (Spearman ρ = {rho:.2f}), whether or not a link explains it.")
            found.append(Finding(g.id, h.id, "observed", g.weight * h.weight * abs(rho), (g.id, h.id), (), text, rho))
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


_VERBS = {"ing": ("lowering", "raising"), "ed": ("lowered", "raised"), "s": ("lowers", "raises")}


def _verb(direction: int, suffix: str) -> str:
    return _VERBS[suffix][direction > 0]


def _label(goal: Goal) -> str:
    if goal.is_incentive:
        return f"{goal.owner} ({goal.name or goal.id})"
    return f"“{goal.name}” ({goal.id})" if goal.name else goal.id


def _explain(mover: Goal, moved: Goal, path: Sequence[str], ctx: _Context) -> str:
    """"Sales is rewarded for raising Orders per rep, which raises Lead time, which lowers CSAT;
    KR-1 needs it raised." One sentence a manager understands."""
    labels, signs, raises = ctx.labels, ctx.signs, _VERBS["s"]
    opening = ctx.phrases.get(("open", mover.id, path[0]))
    if opening is None:
        subject = f"{mover.owner} is rewarded for" if mover.owner is not None else f"{_label(mover)} aims at"
        opening = ctx.phrases[("open", mover.id, path[0])] = \
            f"{subject} {_verb(mover.direction, 'ing')} {labels.get(path[0], path[0])}"
    ending = ctx.phrases.get(("end", moved.id))
    if ending is None:
        ending = ctx.phrases[("end", moved.id)] = f"; {_label(moved)} needs it {_verb(moved.direction, 'ed')}."
    parts = [opening]
    movement = mover.direction
    for i in range(1, len(path)):
        movement *= signs[(path[i - 1], path[i])]
        parts.append(f", which {raises[movement > 0]} {labels.get(path[i], path[i])}")
    parts.append(ending)
    return "".join(parts)
