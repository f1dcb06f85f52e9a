"""Conflict detection rules (FORMAT.md), pure: no app, no database."""
import json
from pathlib import Path

import pytest

from okrapp.conflicts.rules.detection import Goal, Link, Metric, Observation, Scenario, scan, spearman
from okrapp.conflicts.rules.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "conflict-scenarios"


def scenario_names():
    return sorted(p.name[:-len(".expected.json")] for p in SCENARIOS.glob("*.expected.json"))


@pytest.mark.parametrize("name", scenario_names())
def test_shared_scenario_gives_exactly_its_expected_pairs(name):
    result = scan(load_scenario((SCENARIOS / f"{name}.json").read_text()))
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text())
    found = sorted([*sorted((f.a, f.b)), f.kind] for f in result.conflicts)
    assert found == sorted(expected["conflicts"])
    assert sorted([*sorted((f.a, f.b)), f.kind] for f in result.tensions) == sorted(expected.get("tensions", []))


def build(metrics, links=(), goals=(), observations=()):
    return Scenario({m: Metric(m, m.replace("_", " ").capitalize()) for m in metrics},
                    tuple(Link(*link) for link in links), tuple(goals), tuple(observations))


def by_pair(result):
    return {tuple(sorted((f.a, f.b))): f for f in (*result.conflicts, *result.tensions)}


def test_format_example_severity_paths_and_explanation():
    scenario = load_scenario(json.dumps({
        "metrics": [{"key": "orders_per_rep", "name": "Orders per sales rep"},
                    {"key": "delivery_lead_time", "name": "Delivery lead time", "unit": "days"},
                    {"key": "csat", "name": "Customer satisfaction", "unit": "%"}],
        "links": [{"from": "orders_per_rep", "to": "delivery_lead_time", "sign": "+", "strength": 0.8},
                  {"from": "delivery_lead_time", "to": "csat", "sign": "-", "strength": 0.5}],
        "incentives": [{"id": "sales-volume", "unit": "Sales", "metric": "orders_per_rep", "direction": "increase",
                        "weight": 0.6}],
        "key_results": [{"id": "KR-1", "objective": "Customers get what they ordered, on time", "metric": "csat",
                         "direction": "increase", "weight": 1.0}]}))
    [finding] = scan(scenario).conflicts
    assert finding.as_dict() == {
        "a": "KR-1", "b": "sales-volume", "kind": "indirect", "severity": 0.24, "harms": ["sales-volume"],
        "paths": [["orders_per_rep", "delivery_lead_time", "csat"]],
        "explanation": "Sales is rewarded for raising Orders per sales rep, which raises Delivery lead time, "
                       "which lowers Customer satisfaction; KR-1 needs it raised."}


def test_net_effect_sums_paths_and_can_cancel_to_a_tension():
    # a -> c directly (+0.5) and a -> b -> c (-0.5 x 1.0): net zero, so no harm, but one path opposes
    scenario = build(["a", "b", "c"], [("a", "c", 1, 0.5), ("a", "b", 1, 1.0), ("b", "c", -1, 0.5)],
                     [Goal("g", "a", 1, 1.0, "U"), Goal("h", "c", 1, 1.0, "V")])
    result = scan(scenario)
    assert result.conflicts == ()
    [tension] = result.tensions
    assert tension.kind == "tension" and tension.paths == (("a", "b", "c"),)


def test_direct_conflict_has_severity_of_weights():
    scenario = build(["d"], goals=[Goal("up", "d", 1, 0.4, "Sales"), Goal("down", "d", -1, 0.5, "Finance")])
    [finding] = scan(scenario).conflicts
    assert (finding.kind, finding.severity, set(finding.harms)) == ("direct", pytest.approx(0.2), {"up", "down"})
    assert finding.explanation == "Finance is rewarded for lowering D; Sales (up) needs it raised."


def test_a_single_opposing_path_weaker_than_epsilon_is_still_a_tension():
    # a -> b -> c -> d -> e at strength 0.001 each: 1e-12, within 1e-9 of zero, so no harm; but it opposes
    chain = [("a", "b", -1, 0.001), ("b", "c", 1, 0.001), ("c", "d", 1, 0.001), ("d", "e", 1, 0.001)]
    goals = [Goal("g", "a", 1, 1.0, "U"), Goal("h", "e", 1, 1.0)]
    for links in (chain, [*chain, ("a", "e", 1, 0.5)]):  # alone, and beside a path that helps
        result = scan(build(["a", "b", "c", "d", "e"], links, goals))
        [tension] = result.tensions
        assert result.conflicts == () and tension.paths == (("a", "b", "c", "d", "e"),)
        assert tension.severity == pytest.approx(1e-12, rel=1e-9)


def test_a_harm_summed_from_paths_each_weaker_than_epsilon_lists_them_all():
    # three paths of -5e-10 each: none counts alone, together -1.5e-9 is a harm
    links = [("a", x, -1, 2.5e-5) for x in "xyz"] + [(x, "e", 1, 2e-5) for x in "xyz"]
    [finding] = scan(build(["a", "e", "x", "y", "z"], links, [Goal("g", "a", 1, 1.0, "U"), Goal("h", "e", 1, 1.0)])).conflicts
    assert (finding.kind, finding.harms) == ("indirect", ("g",))
    assert finding.paths == (("a", "x", "e"), ("a", "y", "e"), ("a", "z", "e"))
    assert finding.severity == pytest.approx(1.5e-9, rel=1e-6)


def test_findings_of_goals_on_the_same_metrics_share_their_paths():
    scenario = build(["x", "y"], [("x", "y", -1, 0.9)],
                     [Goal("KR-a", "x", 1, 1), Goal("KR-b", "y", 1, 1), Goal("inc", "x", 1, 0.5, "Sales")])
    first, second = sorted(scan(scenario).conflicts, key=lambda f: f.a)
    assert first.paths == second.paths == (("x", "y"),) and first.paths is second.paths
    assert second.explanation == "Sales is rewarded for raising X, which lowers Y; KR-b needs it raised."


def test_same_metric_same_direction_is_no_conflict():
    scenario = build(["d"], goals=[Goal("a", "d", 1, 1, "X"), Goal("b", "d", 1, 1, "Y")])
    assert scan(scenario).conflicts == () and scan(scenario).tensions == ()


def test_paths_longer_than_max_depth_do_not_count():
    chain = ["m0", "m1", "m2", "m3", "m4", "m5"]
    links = [(a, b, 1, 1.0) for a, b in zip(chain, chain[1:])]
    goals = [Goal("g", "m0", 1, 1, "U"), Goal("KR", "m5", -1, 1)]
    assert scan(build(chain, links, goals), max_depth=4).conflicts == ()
    assert [f.kind for f in scan(build(chain, links, goals), max_depth=5).conflicts] == ["indirect"]


def test_key_result_against_key_result_is_checked():
    scenario = build(["x", "y"], [("x", "y", -1, 0.9)], [Goal("KR-a", "x", 1, 1), Goal("KR-b", "y", 1, 1)])
    [finding] = scan(scenario).conflicts
    assert finding.harms == ("KR-a",)
    assert finding.explanation == "KR-a aims at raising X, which lowers Y; KR-b needs it raised."


def test_observed_needs_six_shared_periods():
    obs = [Observation("u", f"p{i}", v) for i, v in enumerate([1, 3, 2, 5, 4, 7])]
    obs += [Observation("n", f"p{i}", v) for i, v in enumerate([9, 7, 8, 5, 6, 3])]
    goals = [Goal("up", "u", 1, 0.5, "AM"), Goal("KR", "n", 1, 1.0)]
    [finding] = scan(build(["u", "n"], goals=goals, observations=obs)).conflicts
    assert finding.kind == "observed" and finding.rho == pytest.approx(-1.0)
    assert finding.severity == pytest.approx(0.5)
    fewer = [o for o in obs if o.period != "p5"]
    assert scan(build(["u", "n"], goals=goals, observations=fewer)).conflicts == ()


def test_constant_series_yields_no_observed_conflict():
    obs = [Observation("u", f"p{i}", 5.0) for i in range(8)]
    obs += [Observation("n", f"p{i}", float(i % 3)) for i in range(8)]
    goals = [Goal("up", "u", 1, 1, "AM"), Goal("KR", "n", 1, 1)]
    assert scan(build(["u", "n"], goals=goals, observations=obs)).conflicts == ()


def test_linked_kind_wins_over_observed():
    obs = [Observation("u", f"p{i}", v) for i, v in enumerate([1, 3, 2, 5, 4, 7])]
    obs += [Observation("n", f"p{i}", v) for i, v in enumerate([9, 7, 8, 5, 6, 3])]
    goals = [Goal("up", "u", 1, 1, "AM"), Goal("KR", "n", 1, 1)]
    [finding] = scan(build(["u", "n"], [("u", "n", -1, 0.3)], goals, obs)).conflicts
    assert finding.kind == "indirect"


def test_spearman_uses_average_ranks_for_ties():
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None


def test_results_sort_by_severity():
    scenario = build(["a", "b", "c"], [("a", "b", -1, 0.9), ("a", "c", -1, 0.2)],
                     [Goal("g", "a", 1, 1, "U"), Goal("KR-b", "b", 1, 1), Goal("KR-c", "c", 1, 1)])
    assert [f.b for f in scan(scenario).conflicts] == ["g", "g"]
    assert [f.severity for f in scan(scenario).conflicts] == [pytest.approx(0.9), pytest.approx(0.2)]


BAD_INPUTS = [
    ({"links": [{"from": "csatt", "to": "nps", "sign": "+"}]}, 'links[0]: unknown metric "csatt"'),
    ({"links": [{"from": "csat", "to": "nps", "sign": "up"}]}, 'links[0]: sign must be "+" or "-", not "up"'),
    ({"links": [{"from": "csat", "to": "nps", "sign": "+", "strength": 0}]}, "links[0]: strength must be a number in (0, 1], not 0"),
    ({"links": [{"from": "csat", "to": "nps", "sign": "+", "strength": 1.5}]}, "links[0]: strength must be a number in (0, 1], not 1.5"),
    ({"links": [{"from": "csat", "to": "csat", "sign": "+"}]}, 'links[0]: a metric cannot influence itself ("csat")'),
    ({"links": [{"from": "csat", "to": "nps", "sign": "+"}, {"from": "csat", "to": "nps", "sign": "-"}]},
     'links[1]: duplicate link "csat" -> "nps"'),
    ({"incentives": [{"id": "x", "unit": "S", "metric": "csat", "direction": "increase"},
                     {"id": "x", "unit": "S", "metric": "nps", "direction": "increase"}]}, 'incentives[1]: duplicate goal id "x"'),
    ({"key_results": [{"id": "k", "metric": "csat", "direction": "up"}]},
     'key_results[0]: direction must be "increase" or "decrease", not "up"'),
    ({"incentives": [{"id": "x", "unit": "S", "metric": "csat", "direction": "increase", "weight": 2}]},
     "incentives[0]: weight must be a number in (0, 1], not 2"),
    ({"incentives": [{"id": "x", "metric": "csat", "direction": "increase"}]}, "incentives[0]: unit is missing"),
    ({"metrics": [{"key": "csat"}, {"key": "csat"}]}, 'metrics[1]: duplicate metric key "csat"'),
    ({"observations": [{"metric": "csat", "period": "2026-01", "value": "high"}]},
     'observations[0]: value must be a number, not "high"'),
    ({"extra": 1}, 'unknown field "extra"'),
]


@pytest.mark.parametrize("change, problem", BAD_INPUTS)
def test_bad_input_names_the_entry(change, problem):
    data = {"metrics": [{"key": "csat"}, {"key": "nps"}], "links": [], "incentives": [], "key_results": []}
    data.update(change)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(json.dumps(data))
    assert problem in caught.value.problems


def test_broken_json_is_one_clear_problem():
    with pytest.raises(ScenarioError) as caught:
        load_scenario('{"metrics": [')
    assert caught.value.problems[0].startswith("not valid JSON:")


def test_every_problem_is_reported_at_once():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(json.dumps({"metrics": [{"key": "a"}], "links": [{"from": "a", "to": "zz", "sign": "?"}],
                                  "key_results": [{"id": "k", "metric": "q", "direction": "increase"}]}))
    assert len(caught.value.problems) == 3


@pytest.mark.parametrize("name", scenario_names())
def test_shared_scenario_severities_are_pinned(name):
    result = scan(load_scenario((SCENARIOS / f"{name}.json").read_text()))
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text())["severities"]
    found = {"|".join(sorted((f.a, f.b))): f.severity for f in (*result.conflicts, *result.tensions)}
    assert found == pytest.approx(expected, abs=1e-6)


def test_indirect_severity_takes_the_largest_harmful_effect_and_both_weights():
    """g harms h at strength 0.8, h harms g back at 0.3: the pair is as bad as the worse direction,
    scaled by the weights of both goals."""
    scenario = build(["a", "b"], [("a", "b", 1, 0.8), ("b", "a", 1, 0.3)],
                     [Goal("g", "a", 1, 0.5, "Sales"), Goal("h", "b", -1, 0.4, "Delivery")])
    [finding] = scan(scenario).conflicts
    assert finding.kind == "indirect" and finding.harms == ("g", "h")
    assert finding.severity == pytest.approx(0.5 * 0.4 * 0.8)


def test_severity_counts_the_harmed_goals_weight():
    light = build(["a", "b"], [("a", "b", -1, 0.5)], [Goal("g", "a", 1, 0.6, "Sales"), Goal("h", "b", 1, 0.25)])
    heavy = build(["a", "b"], [("a", "b", -1, 0.5)], [Goal("g", "a", 1, 0.6, "Sales"), Goal("h", "b", 1, 1.0)])
    assert scan(light).conflicts[0].severity == pytest.approx(0.6 * 0.25 * 0.5)
    assert scan(heavy).conflicts[0].severity == pytest.approx(0.6 * 1.0 * 0.5)


def series(metric, changes):
    values, total = [0.0], 0.0
    for change in changes:
        total += change
        values.append(total)
    return [Observation(metric, f"2026-0{i + 1}", v) for i, v in enumerate(values)]


@pytest.mark.parametrize("other, found", [
    ([3, 5, 4, 1, 2], True),   # Σd² = 32: ρ = -0.6 exactly, which counts
    ([3, 4, 5, 1, 2], False),  # Σd² = 30: ρ = -0.5, not enough
])
def test_observed_rho_boundary(other, found):
    goals = [Goal("g", "a", 1, 1.0, "Sales"), Goal("h", "b", 1, 1.0)]
    scenario = build(["a", "b"], (), goals, series("a", [1, 2, 3, 4, 5]) + series("b", other))
    result = scan(scenario)
    assert bool(result.conflicts) is found
    if found:
        assert result.conflicts[0].rho == pytest.approx(-0.6)
        assert result.conflicts[0].as_dict()["rho"] == pytest.approx(-0.6)
