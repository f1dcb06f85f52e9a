"""`okrapp conflicts scan` on scenario files and on the database."""
import json
from pathlib import Path

import pytest

from okrapp.core.extensions import db
from okrapp.incentives.operations import save_incentive

from tests.factories import make_key_result, make_unit, make_user, metric

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "conflict-scenarios"


@pytest.mark.parametrize("name", ["direct-opposition", "loop", "observed", "sales-vs-delivery"])
def test_scan_file_json_matches_expected(runner, name):
    result = runner.invoke(args=["conflicts", "scan", str(SCENARIOS / f"{name}.json"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text())
    assert sorted([*sorted((c["a"], c["b"])), c["kind"]] for c in data["conflicts"]) == sorted(expected["conflicts"])
    assert data["tensions"] == []
    severities = [c["severity"] for c in data["conflicts"]]
    assert severities == sorted(severities, reverse=True)
    assert all(c["explanation"].endswith(".") and c["harms"] for c in data["conflicts"])


def test_scan_file_table_output(runner):
    result = runner.invoke(args=["conflicts", "scan", str(SCENARIOS / "sales-vs-delivery.json")])
    assert result.exit_code == 1
    assert "Conflicts (4):" in result.output
    assert "Sales is rewarded for raising Orders per rep, which raises Delivery lead time" in result.output


def test_scan_without_conflicts_exits_0(runner, tmp_path):
    path = tmp_path / "calm.json"
    path.write_text(json.dumps({"metrics": [{"key": "csat"}], "links": [], "incentives": [],
                                "key_results": [{"id": "KR", "metric": "csat", "direction": "increase"}]}))
    result = runner.invoke(args=["conflicts", "scan", str(path)])
    assert (result.exit_code, result.output.strip()) == (0, "No conflicts and no tensions.")


def test_scan_bad_file_exits_2_with_one_line_per_problem(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({
        "metrics": [{"key": "csat"}, {"key": "nps"}],
        "links": [{"from": "csatt", "to": "nps", "sign": "+"}, {"from": "nps", "to": "nps", "sign": "-"},
                  {"from": "csat", "to": "nps", "sign": "+", "strength": 3}],
        "incentives": [{"id": "x", "unit": "S", "metric": "csat", "direction": "increase", "weight": 0}],
        "key_results": [{"id": "x", "metric": "nps", "direction": "increase"}]}))
    result = runner.invoke(args=["conflicts", "scan", str(path), "--json"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f'{path}: links[0]: unknown metric "csatt"',
        f'{path}: links[1]: a metric cannot influence itself ("nps")',
        f"{path}: links[2]: strength must be a number in (0, 1], not 3",
        f"{path}: incentives[0]: weight must be a number in (0, 1], not 0",
        f'{path}: key_results[0]: duplicate goal id "x"',
    ]


def test_scan_missing_file_and_bad_depth_exit_2(runner, tmp_path):
    assert runner.invoke(args=["conflicts", "scan", str(tmp_path / "nope.json")]).exit_code == 2
    result = runner.invoke(args=["conflicts", "scan", str(SCENARIOS / "loop.json"), "--max-depth", "0"])
    assert result.exit_code == 2 and "--max-depth" in result.output


def test_max_depth_limits_paths(runner):
    shallow = runner.invoke(args=["conflicts", "scan", str(SCENARIOS / "sales-vs-delivery.json"), "--json",
                                  "--max-depth", "1"])
    pairs = {tuple(sorted((c["a"], c["b"]))) for c in json.loads(shallow.output)["conflicts"]}
    assert ("KR-churn", "sales-volume") not in pairs  # needs three links


def test_scan_database(runner):
    unit = make_unit("Sales")
    by = make_user("executive")
    make_key_result(unit=unit, metric_key="csat", baseline=70, target=85, by=by)
    save_incentive(None, unit=unit, name="Discount to close", metric=metric("csat"), direction="decrease", weight=0.5,
                   target=None, period="2026", note="", by=by)
    db.session.commit()
    result = runner.invoke(args=["conflicts", "scan", "--json"])
    assert result.exit_code == 1
    [conflict] = json.loads(result.output)["conflicts"]
    assert conflict["kind"] == "direct"
    assert "Sales is rewarded for lowering Customer satisfaction (CSAT)" in conflict["explanation"]
