"""KPI sheet import at the row limit: 5,000 rows over 1,000 units, as a Finnish Excel CSV.

Times the preview (parse + validate), the confirm (bulk insert; it only asks for a conflict
refresh), and the refresh the scheduler then runs (conflict detection's cost, not the import's),
through
the service layer on a SQLite file (or a fresh PostgreSQL database when OKRAPP_DATABASE_URL names a
server), and checks a file over the row limit is refused in well under a second. Last line: JSON.

Usage: python bench/imports.py [--rows N]"""
import argparse
import json
import os
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = database_url(workdir)
        try:
            print(json.dumps(run(url, workdir, args.rows)))
        finally:
            drop()


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
