"""Dashboard speed at scale: 200 units, 1,000 objectives, 5,000 key results, 500,000 check-ins.

Builds the company in a SQLite file (or in a fresh database on the PostgreSQL server that
OKRAPP_DATABASE_URL names), serves the app with a real WSGI server on loopback in its own process,
requests each dashboard page as the right user, and a static response of the same byte size from
the same server (the floor). Targets: every page's p50 within 3x the floor; executive home p95
under 150 ms. The last line printed is a JSON object.

Usage: python bench/dashboard.py [--requests N] [--small]"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"


def database_url(workdir: Path) -> tuple[str, callable]:
    base = os.environ.get("OKRAPP_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    url = make_url(base)
    name = f"okrapp_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return url.set(database=name).render_as_string(hide_password=False), drop


def build(url: str, workdir: Path, sizes: dict, then=None, **company) -> dict:
    """The company, with an executive, a unit leader (of the first unit) and a board member.
    then(users) adds what a benchmark needs besides, returning sizes to report."""
    os.environ["OKRAPP_INSTANCE_PATH"] = str(workdir)
    from datetime import date
    from flask_migrate import upgrade

    from config import DevConfig
    from okrapp import create_app
    from okrapp.core.extensions import db
    from okrapp.admin.models import Unit
    from okrapp.accounts import people
    from okrapp.admin import operations as admin
    from okrapp.demo.synthetic import build_company
    config = type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    app = create_app(config)
    with app.app_context():
        upgrade()
        cycle = admin.save_cycle(None, "2026 Q4", date(2026, 10, 1), date(2026, 12, 31))
        users = {role: people.create_user(f"{role}@bench.okrapp", role.title(), role, PASSWORD)
                 for role in ("executive", "unit_leader", "board")}
        db.session.commit()
        started = time.perf_counter()
        built = build_company(cycle, **sizes, **company, author_id=users["unit_leader"].id)
        first_unit = db.session.get(Unit, db.session.scalar(db.select(Unit.id).order_by(Unit.id)))
        first_unit.leaders.append(users["unit_leader"])
        built |= then(users) if then else {}
        db.session.commit()
        built["build_seconds"] = round(time.perf_counter() - started, 1)
        db.session.remove()
    return built


SERVER = r'''
import os, sys
sys.path.insert(0, {root!r})
os.environ["OKRAPP_INSTANCE_PATH"] = {instance!r}
from flask import g, request
from sqlalchemy import event
from werkzeug.serving import make_server
from config import DevConfig
from okrapp import create_app
from okrapp.core.extensions import db
config = type("BenchConfig", (DevConfig,), {{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "bench",
                                             "OKRAPP_BASE_URL": "http://127.0.0.1"}})
app = create_app(config)
counter = [0]
with app.app_context():
    event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counter.__setitem__(0, counter[0] + 1))

@app.before_request
def _start():
    counter[0] = 0

@app.after_request
def _count(response):
    response.headers["X-Query-Count"] = str(counter[0])
    return response

@app.get("/__floor/<int:size>")
def floor(size):
    return b"x" * size, 200, {{"Content-Type": "text/html; charset=utf-8"}}

server = make_server("127.0.0.1", 0, app, threaded=False)
print(server.server_port, flush=True)
server.serve_forever()
'''


class Session:
    """A browser-like client: one keep-alive connection, cookies, CSRF-aware login."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, path, body=None, content_type="application/x-www-form-urlencoded"):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response, data

    def login(self, email):
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        response, _ = self.request("POST", "/login", urlencode({"csrf_token": token, "email": email,
                                                                "password": PASSWORD}))
        assert response.status == 302, "login failed"

    def timed(self, path, n):
        times, size, queries = [], 0, None
        for _ in range(n):
            started = time.perf_counter()
            response, data = self.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, (path, response.status)
            size, queries = len(data), int(response.headers.get("X-Query-Count", "0"))
        return times, size, queries


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    args = parser.parse_args()
    sizes = dict(units=200, objectives=1000, krs_per_objective=5, check_ins_per_kr=100, conflict_items=500)
    if args.small:
        sizes = dict(units=20, objectives=100, krs_per_objective=5, check_ins_per_kr=10, conflict_items=50)
    workdir = Path(tempfile.mkdtemp(prefix="okrapp-bench-"))
    url, drop = database_url(workdir)
    server = None
    try:
        built = build(url, workdir, sizes)
        print(f"built {built}", file=sys.stderr)
        code = SERVER.format(root=str(ROOT), instance=str(workdir), url=url)
        server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline())
        sessions = {}
        for role in ("executive", "unit_leader", "board"):
            sessions[role] = Session(port)
            sessions[role].login(f"{role}@bench.okrapp")
        pages = {"executive_home": ("executive", "/dashboard"),
                 "objective": ("executive", "/objectives/1"),
                 "key_result": ("executive", "/key-results/1"),
                 "unit": ("executive", "/units/1"),
                 "objectives": ("executive", "/objectives"),
                 "conflicts": ("executive", "/conflicts"),
                 "unit_leader_home": ("unit_leader", "/my/key-results"),
                 "board_home": ("board", "/board")}
        floor_session = Session(port)
        results, floors = {}, {}
        for name, (role, path) in pages.items():
            sessions[role].timed(path, 3)  # warm up
            times, size, queries = sessions[role].timed(path, args.requests)
            floor_times, _, _ = floor_session.timed(f"/__floor/{size}", args.requests)
            floor_p50 = statistics.median(floor_times)
            floors[name] = floor_p50
            results[name] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
                             "ratio_to_floor": round(statistics.median(times) / floor_p50, 2), "queries": queries,
                             "bytes": size, "floor_p50_ms": round(floor_p50, 2)}
            print(f"{name:<18} p50 {results[name]['p50_ms']:>7} ms  p95 {results[name]['p95_ms']:>7} ms  "
                  f"floor {floor_p50:6.2f} ms  x{results[name]['ratio_to_floor']:<5} {queries} queries  {size} bytes",
                  file=sys.stderr)
        print(json.dumps({"database": url.split(":")[0], "sizes": built,
                          "floor": {"p50_ms": round(floors["executive_home"], 2)}, "pages": results}))
    finally:
        if server:
            server.terminate()
            server.wait(10)
        drop()


if __name__ == "__main__":
    main()
