"""Reading a conflict scenario file (FORMAT.md): every problem is reported, one line per entry."""
import json
from numbers import Real

from okrapp.conflicts.rules.detection import Goal, Link, Metric, Observation, Scenario

TOP_LEVEL = {"metrics", "links", "incentives", "key_results", "observations"}
DIRECTIONS = {"increase": 1, "decrease": -1}
SIGNS = {"+": 1, "-": -1}


class ScenarioError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_scenario(text: str) -> Scenario:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError([f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]) from None
    return parse_scenario(data)


def parse_scenario(data) -> Scenario:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ScenarioError(["the file must hold a JSON object with metrics, links, incentives and key_results"])
    for key in sorted(set(data) - TOP_LEVEL):
        problems.append(f'unknown field "{key}"')
    metrics = _metrics(_entries(data, "metrics", problems, required=True), problems)
    links = _links(_entries(data, "links", problems), metrics, problems)
    goals = _goals(data, metrics, problems)
    observations = _observations(_entries(data, "observations", problems), metrics, problems)
    if problems:
        raise ScenarioError(problems)
    return Scenario(metrics, tuple(links), tuple(goals), tuple(observations))


def _entries(data, name, problems, required=False) -> list:
    if name not in data:
        if required:
            problems.append(f"{name}: missing")
        return []
    value = data[name]
    if not isinstance(value, list):
        problems.append(f"{name}: must be a list")
        return []
    return value


def _check_entry(where, entry, allowed, problems) -> bool:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be an object")
        return False
    for key in sorted(set(entry) - allowed):
        problems.append(f'{where}: unknown field "{key}"')
    return True


def _text(where, entry, key, problems, required=True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            problems.append(f"{where}: {key} is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} must be a non-empty string")
        return None
    return value


def _number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _unit_interval(where, entry, key, problems) -> float | None:
    """A weight or strength: a number in (0, 1], default 1."""
    value = entry.get(key, 1.0)
    if not _number(value) or not 0 < value <= 1:
        problems.append(f"{where}: {key} must be a number in (0, 1], not {json.dumps(value)}")
        return None
    return float(value)


def _metrics(entries, problems) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    for i, entry in enumerate(entries):
        where = f"metrics[{i}]"
        if not _check_entry(where, entry, {"key", "name", "unit"}, problems):
            continue
        key = _text(where, entry, "key", problems)
        name = _text(where, entry, "name", problems, required=False)
        unit = entry.get("unit", "")
        if not isinstance(unit, str):
            problems.append(f"{where}: unit must be text")
        if key is None:
            continue
        if key in metrics:
            problems.append(f'{where}: duplicate metric key "{key}"')
            continue
        metrics[key] = Metric(key, name or "", unit if isinstance(unit, str) else "")
    return metrics


def _known_metric(where, entry, field, metrics, problems) -> str | None:
    key = _text(where, entry, field, problems)
    if key is not None and key not in metrics:
        problems.append(f'{where}: unknown metric "{key}"')
        return None
    return key


def _links(entries, metrics, problems) -> list[Link]:
    links, pairs = [], set()
    for i, entry in enumerate(entries):
        where = f"links[{i}]"
        if not _check_entry(where, entry, {"from", "to", "sign", "strength", "rationale"}, problems):
            continue
        source = _known_metric(where, entry, "from", metrics, problems)
        target = _known_metric(where, entry, "to", metrics, problems)
        sign = entry.get("sign")
        if sign not in SIGNS:
            problems.append(f'{where}: sign must be "+" or "-", not {json.dumps(sign)}')
        strength = _unit_interval(where, entry, "strength", problems)
        if source and source == target:
            problems.append(f'{where}: a metric cannot influence itself ("{source}")')
            continue
        if (source, target) in pairs:
            problems.append(f'{where}: duplicate link "{source}" -> "{target}"')
            continue
        pairs.add((source, target))
        if source and target and sign in SIGNS and strength is not None:
            links.append(Link(source, target, SIGNS[sign], strength))
    return links


def _goals(data, metrics, problems) -> list[Goal]:
    goals, ids = [], set()
    specs = [("incentives", {"id", "unit", "metric", "direction", "weight", "name", "period", "target", "note"}),
             ("key_results", {"id", "objective", "metric", "direction", "weight", "name", "target"})]
    for name, allowed in specs:
        for i, entry in enumerate(_entries(data, name, problems)):
            where = f"{name}[{i}]"
            if not _check_entry(where, entry, allowed, problems):
                continue
            goal_id = _text(where, entry, "id", problems)
            owner = _text(where, entry, "unit", problems) if name == "incentives" else None
            objective = _text(where, entry, "objective", problems, required=False) if name == "key_results" else None
            metric = _known_metric(where, entry, "metric", metrics, problems)
            direction = entry.get("direction")
            if direction not in DIRECTIONS:
                problems.append(f'{where}: direction must be "increase" or "decrease", not {json.dumps(direction)}')
            weight = _unit_interval(where, entry, "weight", problems)
            if goal_id in ids:
                problems.append(f'{where}: duplicate goal id "{goal_id}"')
                continue
            ids.add(goal_id)
            if None in (goal_id, metric, weight) or direction not in DIRECTIONS or (name == "incentives" and not owner):
                continue
            goals.append(Goal(goal_id, metric, DIRECTIONS[direction], weight, owner, objective))
    return goals


def _observations(entries, metrics, problems) -> list[Observation]:
    observations, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"observations[{i}]"
        if not _check_entry(where, entry, {"metric", "period", "value"}, problems):
            continue
        metric = _known_metric(where, entry, "metric", metrics, problems)
        period = _text(where, entry, "period", problems)
        value = entry.get("value")
        if not _number(value):
            problems.append(f"{where}: value must be a number, not {json.dumps(value)}")
            continue
        if (metric, period) in seen:
            problems.append(f'{where}: duplicate observation of "{metric}" in period "{period}"')
        elif metric and period:
            seen.add((metric, period))
            observations.append(Observation(metric, period, float(value)))
    return observations
