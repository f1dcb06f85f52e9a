"""Properties of the detection rules over random graphs (hypothesis)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrapp.conflicts.rules.detection import Goal, Link, Metric, Scenario, scan

METRICS = [f"m{i}" for i in range(7)]


@st.composite
def scenarios(draw):
    pairs = draw(st.lists(st.tuples(st.sampled_from(METRICS), st.sampled_from(METRICS))
                          .filter(lambda p: p[0] != p[1]), unique=True, max_size=18))
    links = [Link(a, b, draw(st.sampled_from([1, -1])), draw(st.sampled_from([0.2, 0.5, 0.9, 1.0]))) for a, b in pairs]
    n = draw(st.integers(min_value=2, max_value=5))
    goals = [Goal(f"g{i}", draw(st.sampled_from(METRICS)), draw(st.sampled_from([1, -1])),
                  draw(st.sampled_from([0.3, 0.6, 1.0])), draw(st.sampled_from(["Sales", "Delivery", None])))
             for i in range(n)]
    return Scenario({m: Metric(m) for m in METRICS}, tuple(links), tuple(goals))


def pairs(result):
    return {(f.a, f.b): f for f in result.conflicts}


def flip(goal):
    return Goal(goal.id, goal.metric, -goal.direction, goal.weight, goal.owner, goal.objective)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_reversing_one_goal_turns_its_harm_into_help(scenario):
    """Every goal g harmed, g reversed no longer harms; and what g did not harm, reversed g now may."""
    g = scenario.goals[0]
    before = pairs(scan(scenario))
    after = pairs(scan(Scenario(scenario.metrics, scenario.links, (flip(g), *scenario.goals[1:]))))
    harmed_before = {key for key, f in before.items() if g.id in f.harms}
    harmed_after = {key for key, f in after.items() if g.id in f.harms}
    assert not harmed_before & harmed_after
    assert all(before[key].kind in ("direct", "indirect") for key in harmed_before)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(min_value=1, max_value=6))
def test_unrelated_metrics_and_links_change_nothing(scenario, extra):
    island = [f"x{i}" for i in range(extra)]
    links = [Link(a, b, 1, 0.5) for a, b in zip(island, island[1:] + island[:1]) if a != b]
    bigger = Scenario({**scenario.metrics, **{m: Metric(m) for m in island}}, (*scenario.links, *links), scenario.goals)
    assert scan(bigger) == scan(scenario)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=3, max_value=9))
def test_any_complete_graph_with_cycles_finishes(n):
    metrics = [f"c{i}" for i in range(n)]
    links = [Link(a, b, 1 if (i + j) % 2 else -1, 0.5) for i, a in enumerate(metrics) for j, b in enumerate(metrics) if a != b]
    goals = [Goal(f"g{i}", m, 1, 1.0, "U") for i, m in enumerate(metrics)]
    result = scan(Scenario({m: Metric(m) for m in metrics}, tuple(links), tuple(goals)), max_depth=4)
    assert len(result.conflicts) + len(result.tensions) <= n * (n - 1) // 2
