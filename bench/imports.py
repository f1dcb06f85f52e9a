"""KPI sheet import at the row limit: 5,000 rows over 1,000 units, as a Finnish Excel CSV.

Times the preview (parse + validate), the confirm (bulk insert; it only asks for a conflict
refresh), and the refresh the scheduler then runs (conflict detection's cost, not the import's),
through
the service layer on a SQLite file (or a fresh PostgreSQL database when OKRAPP_DATABASE_URL names a
server), and checks a file over the row limit is refused in well under a second.

Then every hostile file of tests/hostile_sheets.py (a sheet declaring the whole grid, a million
rows, a wide row, zips over the size budgets, UTF-16 text...) and the files at the edge of the
budgets are read, each in a child process of its own: one line per file with the outcome, the time
and the peak memory the reading added (resident set, getrusage). Last line: JSON.

Usage: python bench/imports.py [--rows N] [--hostile-only]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dashboard import database_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--hostile-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        figures = {}
        if not args.hostile_only:
            url, drop = database_url(workdir)
            try:
                figures = run(url, workdir, args.rows)
            finally:
                drop()
        figures["files"] = hostile_files(workdir)
        figures["slowest_file_s"] = max(f["s"] for f in figures["files"].values())
        figures["most_memory_mb"] = max(f["peak_mb"] for f in figures["files"].values())
        print(json.dumps(figures))


CHILD = """
import json, resource, sys, time
import openpyxl.reader.excel  # loaded once per worker, not per upload
from okrapp.domain import sheets


def rss(field):
    with open("/proc/self/status") as status:
        return int(status.read().split(field + ":")[1].split()[0])


data = open(sys.argv[1], "rb").read()
try:  # the peak resident set from here on: Linux resets VmHWM on "5" (else: ru_maxrss, since start)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before, peak = rss("VmRSS"), lambda: rss("VmHWM")
except OSError:
    before, peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, lambda: resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    table = sheets.read_table(data)
    outcome = f"read {len(table.rows)} rows"
except sheets.SheetError as error:
    outcome = f"refused: {error}"
seconds = time.perf_counter() - started
print(json.dumps({"s": round(seconds, 3), "peak_mb": round((peak() - before) / 1024, 1), "outcome": outcome}))
"""


def hostile_files(workdir: Path) -> dict:
    """Each hostile (and budget-edge) file read by sheets.read_table in a fresh process."""
    from tests.hostile_sheets import EDGE, HOSTILE
    figures = {}
    for name, build in {**HOSTILE, **EDGE}.items():
        path = workdir / "sheet"
        path.write_bytes(build())
        result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        if result.returncode:
            raise RuntimeError(f"{name}: {result.stderr[-2000:]}")
        figure = json.loads(result.stdout.strip().splitlines()[-1])
        figure["bytes"] = path.stat().st_size
        figures[name] = figure
        print(f"{name:<40} {figure['bytes']:>9} B {figure['s']:>7.3f} s {figure['peak_mb']:>6.1f} MB  "
              f"{figure['outcome'][:90]}")
    return figures


def run(url: str, workdir: Path, rows: int) -> dict:
    os.environ["OKRAPP_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade

    from config import DevConfig
    from okrapp import create_app
    from okrapp.core.extensions import db
    from okrapp.admin.models import Unit
    from okrapp.conflicts import operations as conflicts
    from okrapp.incentives import operations as incentives
    config = type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    app = create_app(config)
    with app.app_context():
        upgrade()
        units = max(1, rows // 5)
        db.session.execute(Unit.__table__.insert(), [{"name": f"Unit {i:04d}", "kind": "business_unit",
                                                      "description": ""} for i in range(units)])
        db.session.commit()
        natural = [("revenue", "kasvu"), ("csat", "kasvu"), ("nps", "kasvu"), ("churn_rate", "lasku"), ("clv", "kasvu")]
        lines = ["Yksikkö;Nimi;Mittari;Suunta;Paino;Tavoite"]
        for i in range(rows):
            key, direction = natural[i % 5]
            lines.append(f"Unit {i // 5:04d};KPI {i};{key};{direction};0,{1 + i % 2};1 234,5")
        data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
        started = time.perf_counter()
        report = incentives.preview_sheet(data)
        preview_s = time.perf_counter() - started
        assert report.ok, report.problems[:5]
        started = time.perf_counter()
        created = incentives.import_sheet(data, None, "2026")  # the insert; it only asks for a refresh
        db.session.commit()
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        conflicts.refresh_items()  # what the scheduler's next tick does
        db.session.commit()
        refresh_s = time.perf_counter() - started
        big = data + b"Unit 0000;x;csat;kasvu;0,1;\r\n" * 20000
        started = time.perf_counter()
        refused = incentives.preview_sheet(big)
        refuse_s = time.perf_counter() - started
        assert not refused.ok
        return {"rows": rows, "bytes": len(data), "preview_s": round(preview_s, 3), "confirm_insert_s": round(insert_s, 3),
                "conflict_refresh_s": round(refresh_s, 3),
                "imported": created, "oversized_refused_s": round(refuse_s, 4),
                "oversized_message": refused.problems[0][1]}


if __name__ == "__main__":
    main()
