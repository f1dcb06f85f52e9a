"""Grouping pairs into items: the items stand for exactly the engine's pairs, and grow with causes."""
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrapp.conflicts.rules.items import LEVELS, Block, GoalClass, group, item_pairs, level_of
from okrapp.conflicts.rules.detection import Goal, Link, Metric, Observation, Scenario, scan
from okrapp.conflicts.rules.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "conflict-scenarios"
METRICS = [f"m{i}" for i in range(6)]


@st.composite
def scenarios(draw):
    pairs = draw(st.lists(st.tuples(st.sampled_from(METRICS), st.sampled_from(METRICS))
                          .filter(lambda p: p[0] != p[1]), unique=True, max_size=14))
    links = [Link(a, b, draw(st.sampled_from([1, -1])), draw(st.sampled_from([0.2, 0.5, 0.9, 1.0]))) for a, b in pairs]
    n = draw(st.integers(min_value=2, max_value=9))
    goals = [Goal(f"g{i}", draw(st.sampled_from(METRICS)), draw(st.sampled_from([1, -1])),
                  draw(st.sampled_from([0.1, 0.3, 0.6, 1.0])), draw(st.sampled_from(["Sales", "Delivery", None])))
             for i in range(n)]
    observations = []
    if draw(st.booleans()):
        for metric in METRICS[:3]:
            values = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0, 5.0, 8.0]), min_size=6, max_size=6))
            observations += [Observation(metric, f"2026-0{i + 1}", v) for i, v in enumerate(values)]
    return Scenario({m: Metric(m) for m in METRICS}, tuple(links), tuple(goals), tuple(observations))


def engine_pairs(result, tensions=False):
    found = result.tensions if tensions else result.conflicts
    return {(f.a, f.b): (f.kind, round(f.severity, 9)) for f in found}


def grouped_pairs(grouping, tensions=False):
    found = {}
    for item in grouping.items:
        for p in item_pairs(item, include_tensions=True):
            if (p.kind == "tension") == tensions:
                found[(p.a.id, p.b.id)] = (p.kind, round(p.severity, 9))
    return found


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(scenarios())
def test_items_stand_for_exactly_the_pairs_the_engine_finds(scenario):
    result, grouping = scan(scenario), group(scenario)
    assert grouped_pairs(grouping) == engine_pairs(result)
    assert grouped_pairs(grouping, tensions=True) == engine_pairs(result, tensions=True)
    assert grouping.pairs == len(result.conflicts)
    assert grouping.tension_pairs == len(result.tensions)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(scenarios())
def test_item_severity_is_its_worst_pair(scenario):
    for item in group(scenario).items:
        worst = item_pairs(item, include_tensions=item.is_tension)[0]
        assert abs(item.severity - worst.severity) < 1e-12


def copies(scenario, n):
    """The same goals carried by n units (incentives) and n objectives (key results)."""
    goals = []
    for i in range(n):
        for g in scenario.goals:
            goals.append(Goal(f"{g.id}#{i}", g.metric, g.direction, g.weight, f"{g.owner} {i}" if g.owner else None))
    return Scenario(scenario.metrics, scenario.links, tuple(goals), scenario.observations)


def test_items_grow_with_causes_not_with_units():
    scenario = load_scenario((SCENARIOS / "sales-vs-delivery.json").read_text())
    one, forty = group(scenario), group(copies(scenario, 40))
    assert [i.key for i in one.items] == [i.key for i in forty.items]
    assert forty.pairs == 40 * 40 * one.pairs
    assert len(scan(copies(scenario, 40)).conflicts) == forty.pairs


def test_a_criterion_in_many_units_is_one_item_that_counts_its_units_and_harmed_results():
    metrics = {k: Metric(k, k.title()) for k in ("orders", "lead_time", "csat", "nps")}
    links = (Link("orders", "lead_time", 1, 0.8), Link("lead_time", "csat", -1, 0.5), Link("csat", "nps", 1, 0.5))
    goals = [Goal(f"INC-{i}", "orders", 1, 0.5, f"Sales {i}") for i in range(5)]
    goals += [Goal(f"KR-{i}", "csat" if i < 3 else "nps", 1, 0.25, None) for i in range(6)]
    grouping = group(Scenario(metrics, links, tuple(goals)))
    assert [i.key for i in grouping.items] == ["criterion:orders:+"]
    item = grouping.items[0]
    assert item.pairs == 5 * 6
    assert len(item.cause.goals) == 5
    assert {c.metric for c in item.classes} == {"orders", "csat", "nps"}
    assert abs(item.severity - 0.5 * 0.25 * 0.8 * 0.5) < 1e-12


def test_key_results_pulling_apart_are_one_item_per_metric_pair():
    metrics = {k: Metric(k) for k in ("a", "b")}
    goals = (Goal("KR-1", "a", 1, 1.0), Goal("KR-2", "a", -1, 0.5), Goal("KR-3", "a", -1, 0.5),
             Goal("KR-4", "b", 1, 1.0))
    grouping = group(Scenario(metrics, (Link("a", "b", -1, 0.5),), goals))
    keys = sorted(i.key for i in grouping.items)
    assert keys == ["metrics:a|a", "metrics:a|b"]


def test_when_only_a_key_result_harms_the_bonus_the_item_is_still_the_bonus():
    metrics = {k: Metric(k) for k in ("effort", "handling")}
    goals = (Goal("INC-1", "handling", -1, 0.6, "Care"), Goal("KR-1", "effort", -1, 0.5))
    grouping = group(Scenario(metrics, (Link("effort", "handling", -1, 0.7),), goals))
    assert [i.key for i in grouping.items] == ["criterion:handling:-"]


def test_levels_have_stated_boundaries():
    floors = {name: floor for name, floor, _ in LEVELS}
    assert level_of(floors["high"]) == "high"
    assert level_of(floors["high"] - 0.0001) == "medium"
    assert level_of(floors["medium"]) == "medium"
    assert level_of(floors["medium"] - 0.0001) == "low"
    assert level_of(0.5, tension=True) == "tension"


def test_tension_only_items_rank_after_every_conflict():
    metrics = {k: Metric(k) for k in ("a", "b", "c", "d")}
    links = (Link("a", "b", 1, 0.9), Link("b", "c", 1, 0.9), Link("a", "c", -1, 0.1))
    goals = (Goal("INC-1", "a", 1, 1.0, "X"), Goal("KR-1", "c", 1, 1.0), Goal("INC-2", "d", 1, 0.1, "Y"),
             Goal("KR-2", "d", -1, 0.1))
    grouping = group(Scenario(metrics, links, goals))
    flags = [i.is_tension for i in grouping.items]
    assert flags == sorted(flags)
    assert any(flags) and not all(flags)


def test_observed_block_explains_weekly_changes_not_levels():
    """Both metrics rise every week; the rises are anti-correlated — the sentence must not say
    one 'moved the other way' as a level."""
    metrics = {k: Metric(k, k.upper()) for k in ("nps", "orders")}
    up_fast_slow = [10, 20, 22, 32, 34, 44, 46]
    up_slow_fast = [10, 12, 22, 24, 34, 36, 46]
    observations = [Observation("nps", f"2026-W{i + 10}", v) for i, v in enumerate(up_fast_slow)]
    observations += [Observation("orders", f"2026-W{i + 10}", v) for i, v in enumerate(up_slow_fast)]
    goals = (Goal("INC-1", "orders", 1, 1.0, "Sales"), Goal("KR-1", "nps", 1, 1.0))
    scenario = Scenario(metrics, (), goals, tuple(observations), period_word="week")
    found = scan(scenario).conflicts
    assert [f.kind for f in found] == ["observed"]
    text = found[0].explanation
    assert "7 weeks (2026-W10 to 2026-W16)" in text
    assert "week-to-week changes" in text and "ρ = -1.00" in text
    assert "moved the other way" not in text
    assert json.loads(json.dumps(found[0].as_dict()))["rho"] == -1.0
    block = group(scenario).items[0].blocks[0]
    assert block.periods[0] == "2026-W10" and len(block.periods) == 7


def test_block_and_class_shapes():
    c = GoalClass("I:a:+", "a", 1, True, (Goal("x", "a", 1, 0.5, "U"), Goal("y", "a", 1, 0.2, "V")))
    d = GoalClass("K:b:+", "b", 1, False, (Goal("z", "b", 1, 0.4),))
    block = Block(c, d, "indirect", 0.5, ("I:a:+",), (("a", "b"),), None)
    assert block.pairs == 2
    assert abs(block.severity - 0.5 * 0.4 * 0.5) < 1e-12
