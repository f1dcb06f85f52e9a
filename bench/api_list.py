"""The API's list of key results at scale: 200 units, 1,000 objectives, 5,000 key results. Times
GET /api/v1/key-results through the app (a test client, no network) for a page without filters, a
deep page, a unit's, and the status filters (which score every match), and counts the SQL statements
each needs (the same at every size). The last line printed is a JSON object.

Usage: python bench/api_list.py [--small] [--repeat N]"""
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

QUERIES = {"first_page": "per_page=50", "deep_page": "per_page=200&page=20", "unit": "unit=1&per_page=200",
           "at_risk": "at_risk=true&per_page=200", "on_track_page_3": "status=on_track&per_page=50&page=3"}


def timed(app, token: str, repeat: int) -> dict:
    from sqlalchemy import event

    from okrapp.core.extensions import db
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/me", headers=headers)  # the token's last use is written once a minute, not in the timings
    results = {}
    with app.app_context():
        count = [0]
        listener = lambda *a, **k: count.__setitem__(0, count[0] + 1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        for name, query in QUERIES.items():
            times, statements, total = [], [], 0
            for _ in range(repeat):
                count[0] = 0
                started = time.perf_counter()
                response = client.get(f"/api/v1/key-results?{query}", headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                statements.append(count[0])
                assert response.status_code == 200, response.get_data(as_text=True)
                total = response.json["total"]
            results[name] = {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                             "statements": max(statements), "total": total}
        event.remove(db.engine, "before_cursor_execute", listener)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = dict(units=200, objectives=1000, krs_per_objective=5, check_ins_per_kr=2, conflict_items=0)
    if args.small:
        sizes = dict(units=20, objectives=100, krs_per_objective=5, check_ins_per_kr=2, conflict_items=0)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database_url(Path(tmp))
        try:
            built = build(url, Path(tmp), sizes)
            from config import DevConfig
            from okrapp import create_app
            from okrapp.accounts import tokens
            from okrapp.accounts.models import User
            from okrapp.core.extensions import db
            config = type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
            app = create_app(config)
            with app.app_context():
                executive = db.session.scalar(db.select(User).where(User.role == "executive"))
                _, token = tokens.create_token(executive, "bench")
                db.session.commit()
            result = {"sizes": sizes, "build_seconds": built.get("build_seconds"),
                      "key_results": timed(app, token, args.repeat), "database": url.split(":", 1)[0]}
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
