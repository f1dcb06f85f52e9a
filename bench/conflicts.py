"""Conflict scan at company scale: 10,000 metrics, 50,000 links (average out-degree 5, cycles
included), 2,000 incentives and 500 key results, depth 4. Target: scan <= 2 s and <= 300 MB peak
for the whole process.

Prints a JSON object as its last line: seconds (the scan, wall clock), cpu_seconds (the scan,
this process's CPU time: steadier than wall time on a shared machine), process_seconds (the whole
run, imports and building the company included), peak_mb (the whole process's peak RSS),
load_average (1 min, at the end: other work on the machine slows every figure) and the sizes.
With --as-dict it also times turning every finding into JSON-ready dicts (which words all the
explanation sentences, left unbuilt by the scan itself).
Usage: python bench/conflicts.py [--metrics N] [--seed S] [--as-dict] [--tracemalloc]"""
import time

PROCESS_STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from okrapp.conflicts.rules.detection import Goal, Link, Metric, Scenario, scan  # noqa: E402


def synthetic_company(n_metrics=10_000, n_links=50_000, n_incentives=2_000, n_key_results=500, seed=7):
    rng = random.Random(seed)
    metrics = {f"m{i}": Metric(f"m{i}", f"Metric {i}") for i in range(n_metrics)}
    keys = list(metrics)
    pairs = set()
    # a ring guarantees long cycles; the rest is random with the same average out-degree
    for i in range(n_metrics):
        pairs.add((keys[i], keys[(i + 1) % n_metrics]))
    while len(pairs) < n_links:
        a, b = rng.choice(keys), rng.choice(keys)
        if a != b:
            pairs.add((a, b))
    links = tuple(Link(a, b, rng.choice((1, -1)), round(rng.uniform(0.1, 1.0), 2)) for a, b in sorted(pairs))
    units = [f"Unit {i}" for i in range(200)]
    goals = [Goal(f"inc-{i}", rng.choice(keys), rng.choice((1, -1)), round(rng.uniform(0.1, 1.0), 2),
                  rng.choice(units)) for i in range(n_incentives)]
    goals += [Goal(f"KR-{i}", rng.choice(keys), rng.choice((1, -1)), 1.0, None, f"Objective {i // 5}")
              for i in range(n_key_results)]
    return Scenario(metrics, links, tuple(goals))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--metrics", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=50_000)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python allocations (slower)")
    parser.add_argument("--as-dict", action="store_true", help="also time result.as_dict(), explanations included")
    args = parser.parse_args()
    scenario = synthetic_company(args.metrics, args.links, seed=args.seed)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.tracemalloc:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = scan(scenario, max_depth=args.depth)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    scan_peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    as_dict_seconds = None
    if args.as_dict:
        started = time.perf_counter()
        result.as_dict()
        as_dict_seconds = round(time.perf_counter() - started, 3)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scan: {len(result.conflicts)} conflicts, {len(result.tensions)} tensions in {seconds:.2f} s", file=sys.stderr)
    print(json.dumps({
        "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
        "process_seconds": round(time.perf_counter() - PROCESS_STARTED, 3), "as_dict_seconds": as_dict_seconds,
        "peak_mb": round(peak_rss, 1), "scan_mb": round(scan_peak_rss - base_rss, 1),
        "traced_mb": None if traced is None else round(traced, 1), "load_average": round(os.getloadavg()[0], 2),
        "metrics": len(scenario.metrics), "links": len(scenario.links),
        "incentives": sum(g.is_incentive for g in scenario.goals),
        "key_results": sum(not g.is_incentive for g in scenario.goals), "depth": args.depth,
        "conflicts": len(result.conflicts), "tensions": len(result.tensions)}))


if __name__ == "__main__":
    main()
