"""The scan's full output, pinned: every pair, kind, severity, harm, path (in order) and explanation.

The engine is tuned for speed and memory (bench/conflicts.py); these digests were computed before
the tuning began, so any change to what the scan reports, however small, fails here. Observed
findings are pinned without their explanation sentence, whose wording is maintained separately.
"""
import hashlib
import json
import random
from pathlib import Path

import pytest

from okrapp.conflicts.rules.detection import Goal, Link, Metric, Scenario, scan
from okrapp.conflicts.rules.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "conflict-scenarios"
OBSERVED_KEYS = {"a", "b", "kind", "severity", "harms", "paths", "rho"}


def company(n_metrics, n_links, n_incentives, n_key_results, seed=7):
    """bench/conflicts.py's stress graph, smaller, and with goals crowded on a few metrics so that
    many goals share a metric (same and opposite directions) and severities tie."""
    rng = random.Random(seed)
    keys = [f"m{i}" for i in range(n_metrics)]
    metrics = {k: Metric(k, f"Metric {k[1:]}") for k in keys}
    pairs = {(keys[i], keys[(i + 1) % n_metrics]) for i in range(n_metrics)}  # a ring: long cycles
    while len(pairs) < n_links:
        a, b = rng.choice(keys), rng.choice(keys)
        if a != b:
            pairs.add((a, b))
    links = tuple(Link(a, b, rng.choice((1, -1)), round(rng.uniform(0.1, 1.0), 2)) for a, b in sorted(pairs))
    crowded = keys[:max(2, n_metrics // 20)]
    units = [f"Unit {i}" for i in range(20)]
    goals = [Goal(f"inc-{i}", rng.choice(crowded if i % 2 else keys), rng.choice((1, -1)),
                  round(rng.uniform(0.1, 1.0), 1), rng.choice(units), name=f"Bonus {i}" if i % 3 else None)
             for i in range(n_incentives)]
    goals += [Goal(f"KR-{i}", rng.choice(crowded if i % 3 == 0 else keys), rng.choice((1, -1)),
                   round(rng.uniform(0.1, 1.0), 1), None, f"Objective {i // 5}", name=f"Key result {i}" if i % 2 else None)
              for i in range(n_key_results)]
    return Scenario(metrics, links, tuple(goals))


def canonical(result) -> str:
    data = result.as_dict()
    data["conflicts"] = [{k: v for k, v in f.items() if k in OBSERVED_KEYS} if f["kind"] == "observed" else f
                         for f in data["conflicts"]]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(result) -> tuple[str, str]:
    """sha256 of the canonical JSON output, and of every severity to 12 significant digits."""
    exact = json.dumps([[f.a, f.b, f.kind, f"{f.severity:.12e}"] for f in (*result.conflicts, *result.tensions)])
    return (hashlib.sha256(canonical(result).encode()).hexdigest(), hashlib.sha256(exact.encode()).hexdigest())


def test_stress_graph_output_is_unchanged():
    result = scan(company(800, 4_000, 200, 60), max_depth=4)
    assert (len(result.conflicts), len(result.tensions)) == PINNED_COUNTS
    first, last = result.conflicts[0], result.conflicts[-1]
    assert first.as_dict() == PINNED_FIRST
    assert last.as_dict() == PINNED_LAST
    assert result.tensions[0].as_dict() == PINNED_FIRST_TENSION
    assert digest(result) == PINNED_STRESS


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_other_depths_output_is_unchanged(depth):
    result = scan(company(150, 600, 40, 20, seed=depth), max_depth=depth)
    assert digest(result) == PINNED_DEPTHS[depth]


@pytest.mark.parametrize("name", sorted(p.name[:-len(".expected.json")] for p in SCENARIOS.glob("*.expected.json")))
def test_shared_scenario_output_is_unchanged(name):
    result = scan(load_scenario((SCENARIOS / f"{name}.json").read_text()))
    assert digest(result) == PINNED_SCENARIOS[name]


PINNED_COUNTS = (16948, 3642)
PINNED_FIRST = {'a': 'KR-40',
 'b': 'KR-7',
 'explanation': 'KR-40 aims at lowering Metric 175, which lowers Metric 148, which lowers Metric 160, which '
                'lowers Metric 95, which raises Metric 140; “Key result 7” (KR-7) needs it lowered.',
 'harms': ['KR-40'],
 'kind': 'indirect',
 'paths': [['m175', 'm148', 'm160', 'm95', 'm140'], ['m175', 'm148', 'm318', 'm140']],
 'severity': 0.966128}
PINNED_LAST = {'a': 'inc-17',
 'b': 'inc-195',
 'explanation': 'Unit 0 is rewarded for raising Metric 26, which raises Metric 67, which raises Metric 68, which '
                'lowers Metric 14; Unit 15 (Bonus 17) needs it raised.',
 'harms': ['inc-195'],
 'kind': 'indirect',
 'paths': [['m26', 'm67', 'm68', 'm14']],
 'severity': 2e-06}
PINNED_FIRST_TENSION = {'a': 'inc-123',
 'b': 'inc-40',
 'explanation': 'Unit 10 is rewarded for raising Metric 33, which lowers Metric 435, which lowers Metric 642, '
                'which raises Metric 796, which lowers Metric 10; Unit 18 (inc-123) needs it raised.',
 'harms': [],
 'kind': 'tension',
 'paths': [['m33', 'm435', 'm642', 'm796', 'm10'], ['m33', 'm27', 'm28', 'm9', 'm10']],
 'severity': 0.474445}
PINNED_STRESS = ('b3a73f5dbc40534ee168fbf1e537dfa16b59869287d871beaab6636a3cda0138', '7d81c85c5b0013ab6ed709c0cb57c687a457bfd0e0bd715bca5864543e93c098')
PINNED_DEPTHS = {
    1: ('c605ea3dc3a8489a1c401c4faa7baab388ca05591d985ebc5e41802d992eee77', '3eb81e9daaa2a43537a195707a74227769c0f09b50fd1e977da06818194cf34b'),
    2: ('6ec8c5cd388f1c79ef0a68606648146779f067418ca0cb3489e695c74eb78115', 'f644a25223bf6abf34e253e61a23cb779595a0eb72a76b610e337ebf3fb73656'),
    3: ('e6f0e6f73cf6a1c9282bb920f5d44a4cf8f1063d2fff75a239e815ed6535b1da', 'e187169a94992b1f07fb05f34f6dc09e5347b23a85901948e69270e10c75d5be'),
    5: ('57422a43a229a3b909805116863179d55bd6dd64a3b9d97d1c57157692534f00', 'a34331b8ebfe70bb6909b1fd43c0a16efa77dc3a1bafe10531de3be500a16821'),
}
PINNED_SCENARIOS = {
    'direct-opposition': ('b3ed6b28cdfc31fdd17457bb680448238c809aa9cf36ccef9c4c0cf110f88bc8', 'c502cec0d55b989256e86170b68d964bcacfd80a5db9cb25c26583cba4c93f77'),
    'loop': ('388d383c2a48dd2f23cd61b51a02dcb3112017b091f05516f36992f2d67c4322', 'f5f4baa5146602f39087ef4a3833147d89a4ae0508075a58833d874e1941058a'),
    'observed': ('31f8bcb30c94e942fd06df6476a6cedbefab9ca7802a970f1715e7ffb66011ed', '3caa1b57d45bd9b5e5eee0d909deacd409e6606c168c6015b3c49142880cba3e'),
    'sales-vs-delivery': ('82d9244fa24561e07d597e573492f80055f72052e4305728752f3e428c4d7aa1', '47ba9ebcf53440009e575c32d10a5734a2c255a25b937ef6293856bb9a92e714'),
}
