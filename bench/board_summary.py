"""Composing a board summary at scale: 200 units, 1,000 objectives, 5,000 key results, 500,000
check-ins, 500 conflict items. Times compose() for the past month (values as of its end, read from
the check-in history) and the running month, and counts the queries each needs (the same at every
size). The last line printed is a JSON object.

Usage: python bench/board_summary.py [--small] [--repeat N]"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dashboard import build, database_url  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed_compose(app, period: str, repeat: int) -> dict:
    from sqlalchemy import event

    from okrapp.core.extensions import db
    from okrapp.board import operations as board
    times, queries = [], []
    with app.app_context():
        count = [0]
        listener = lambda *a, **k: count.__setitem__(0, count[0] + 1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        for _ in range(repeat):
            count[0] = 0
            started = time.perf_counter()
            figures, _, _ = board.compose(period)
            times.append((time.perf_counter() - started) * 1000)
            queries.append(count[0])
            db.session.remove()
        event.remove(db.engine, "before_cursor_execute", listener)
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "queries": max(queries),
            "objectives": len(figures["objectives"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = dict(units=200, objectives=1000, krs_per_objective=5, check_ins_per_kr=100, conflict_items=500)
    if args.small:
        sizes = dict(units=20, objectives=100, krs_per_objective=5, check_ins_per_kr=10, conflict_items=50)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database_url(Path(tmp))
        try:
            built = build(url, Path(tmp), sizes)
            from datetime import datetime

            from config import DevConfig
            from okrapp import create_app
            from okrapp.core.extensions import db
            from okrapp.okrs.models import Objective
            clock = datetime(2026, 11, 23, 12, 0)
            config = type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                                                        "OKRAPP_CLOCK": lambda: clock})
            app = create_app(config)
            with app.app_context():  # the objectives existed all through the cycle
                db.session.execute(db.update(Objective).values(created_at=datetime(2026, 10, 1)))
                db.session.commit()
            result = {"sizes": sizes, "build_seconds": built.get("build_seconds"),
                      "past_month": timed_compose(app, "2026-10", args.repeat),
                      "running_month": timed_compose(app, "2026-11", args.repeat),
                      "database": url.split(":", 1)[0]}
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
