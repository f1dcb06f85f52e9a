"""Dashboard speed at scale: 200 units, 1,000 objectives, 5,000 key results, 500,000 check-ins
(times N with --scale N).

Builds the company in a SQLite file (or in a fresh database on the PostgreSQL server that
OKRAPP_DATABASE_URL names; a SQLite build is kept under /tmp/okrapp-bench-cache, keyed by its sizes,
and reused by later runs), serves the app with a real WSGI server on loopback in its own process
(with --redis: gunicorn with 4 workers sharing a Redis page cache), requests each dashboard page as the
right user, and a static response of the same byte size from the same server (the floor). Each page
is timed warm (p50, p95) and cold: the first request after a change (every cache version renewed).
Targets: every page's warm p50 within 3x the floor; executive home p95 under 50 ms; at --scale 10
every page's warm p95 under 150 ms. The last line printed is a JSON object.

Usage: python bench/dashboard.py [--requests N] [--small] [--scale N] [--redis] [--no-reuse]"""
import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
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
BUILDS = Path(tempfile.gettempdir()) / "okrapp-bench-cache"
REDIS_URL = os.environ.get("OKRAPP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


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


def build_once(url: str, workdir: Path, sizes: dict, then=None, reuse=True, **company) -> dict:
    """build(), or a copy of an earlier SQLite build of the same sizes, migrated to the current head."""
    if not url.startswith("sqlite") or not reuse:
        return build(url, workdir, sizes, then, **company)
    name = hashlib.sha256(json.dumps([sizes, company, then.__name__ if then else None],
                                     sort_keys=True).encode()).hexdigest()[:16]
    kept, facts = BUILDS / f"{name}.db", BUILDS / f"{name}.json"
    target = Path(url.removeprefix("sqlite:///"))
    if kept.exists() and facts.exists():
        shutil.copyfile(kept, target)
        migrate(url, workdir)
        return json.loads(facts.read_text()) | {"reused_build": str(kept)}
    built = build(url, workdir, sizes, then, **company)
    import sqlite3
    with sqlite3.connect(target) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    BUILDS.mkdir(exist_ok=True)
    shutil.copyfile(target, kept.with_suffix(".part"))
    kept.with_suffix(".part").rename(kept)
    facts.write_text(json.dumps(built))
    return built


def migrate(url: str, workdir: Path) -> None:
    os.environ["OKRAPP_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade

    from config import DevConfig
    from okrapp import create_app
    app = create_app(type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}))
    with app.app_context():
        upgrade()


def renew_versions(url: str) -> None:
    """A change, as the pages see it: a write to the database (which also makes SQLite readers drop their
    page cache), and every aggregate's version renewed (there are none before page caching)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE units SET name = name WHERE id = (SELECT MIN(id) FROM units)"))
        with engine.begin() as conn:
            conn.execute(text("UPDATE cache_versions SET token = :token"), {"token": uuid.uuid4().hex})
    except Exception:  # noqa: BLE001 (a database from before page caching)
        pass
    finally:
        engine.dispose()


def start_server(url: str, workdir: Path, redis: bool = False, workers: int = 4):
    """(port, process): the app with the floor route, under Werkzeug with the in-process cache, or under
    gunicorn with `workers` workers sharing Redis (a key prefix of its own)."""
    (workdir / "bench_app.py").write_text(SERVER.format(root=str(ROOT), instance=str(workdir), url=url))
    env = {**os.environ, "PYTHONPATH": f"{workdir}:{ROOT}", "OKRAPP_CACHE_URL": REDIS_URL if redis else "",
           "OKRAPP_CACHE_PREFIX": f"okrapp-bench-{uuid.uuid4().hex[:8]}:"}
    if not redis:
        server = subprocess.Popen([sys.executable, str(workdir / "bench_app.py")], stdout=subprocess.PIPE,
                                  text=True, env=env)
        return int(server.stdout.readline()), server
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--keep-alive", "5",
                               "--log-level", "warning", "bench_app:app"], cwd=workdir, env=env)
    server.cache_prefix = env["OKRAPP_CACHE_PREFIX"]  # its keys are deleted when it stops
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/__floor/1")
            conn.getresponse().read()
            return port, server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def stop_server(server) -> None:
    if server:
        server.terminate()
        server.wait(20)
    prefix = getattr(server, "cache_prefix", None)
    if prefix:
        import redis
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


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
                                             "OKRAPP_BASE_URL": "http://127.0.0.1",
                                             "OKRAPP_CACHE_URL": os.environ.get("OKRAPP_CACHE_URL", ""),
                                             "OKRAPP_CACHE_PREFIX": os.environ.get("OKRAPP_CACHE_PREFIX", "okrapp:")}})
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

if __name__ == "__main__":
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
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
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # a worker closed the kept-alive connection: reconnect once
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


def interleaved(session, path, floor_session, n):
    """The page and its floor (a static body of the page's size) in turn, so a busy machine slows both alike."""
    _, size, _ = session.timed(path, 1)
    times, floor_times, queries = [], [], 0
    for _ in range(n):
        page_time, size, queries = session.timed(path, 1)
        times.extend(page_time)
        floor_times.extend(floor_session.timed(f"/__floor/{size}", 1)[0])
    return times, size, queries, floor_times


def cold(session, path, url, n=5) -> list[float]:
    """The first request after a change, n times."""
    times = []
    for _ in range(n):
        renew_versions(url)
        times.extend(session.timed(path, 1)[0])
    return times


def scaled(sizes: dict, scale: int) -> dict:
    """The company times scale: units, objectives (so key results and check-ins) and conflict items."""
    return {k: v * scale if k in ("units", "objectives", "conflict_items") else v for k, v in sizes.items()}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    parser.add_argument("--scale", type=int, default=1, help="sizes times N")
    parser.add_argument("--redis", action="store_true", help="gunicorn with 4 workers sharing Redis")
    parser.add_argument("--no-reuse", action="store_true", help="build afresh even if a build of these sizes is kept")
    args = parser.parse_args()
    sizes = dict(units=200, objectives=1000, krs_per_objective=5, check_ins_per_kr=100, conflict_items=500)
    if args.small:
        sizes = dict(units=20, objectives=100, krs_per_objective=5, check_ins_per_kr=10, conflict_items=50)
    sizes = scaled(sizes, max(1, args.scale))
    workdir = Path(tempfile.mkdtemp(prefix="okrapp-bench-"))
    url, drop = database_url(workdir)
    server = None
    try:
        built = build_once(url, workdir, sizes, reuse=not args.no_reuse)
        print(f"built {built}", file=sys.stderr)
        port, server = start_server(url, workdir, redis=args.redis)
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
            cold_times = cold(sessions[role], path, url)
            sessions[role].timed(path, 3)  # warm up (every worker, with --redis: the cache is shared)
            times, size, queries, floor_times = interleaved(sessions[role], path, floor_session, args.requests)
            floor_p50 = statistics.median(floor_times)
            floors[name] = floor_p50
            results[name] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
                             "ratio_to_floor": round(statistics.median(times) / floor_p50, 2),
                             "cold_ms": round(statistics.median(cold_times), 2), "cold_max_ms": round(max(cold_times), 2),
                             "queries": queries, "bytes": size, "floor_p50_ms": round(floor_p50, 2)}
            print(f"{name:<18} p50 {results[name]['p50_ms']:>7} ms  p95 {results[name]['p95_ms']:>7} ms  "
                  f"cold {results[name]['cold_ms']:>7} ms  floor {floor_p50:6.2f} ms  x{results[name]['ratio_to_floor']:<5} "
                  f"{queries} queries  {size} bytes", file=sys.stderr)
        p95_limit = 150 if args.scale >= 10 else None
        met = (all(r["ratio_to_floor"] <= 3 for r in results.values()) and results["executive_home"]["p95_ms"] < 50
               and (p95_limit is None or all(r["p95_ms"] <= p95_limit for r in results.values())))
        print(json.dumps({"database": url.split(":")[0], "cache": "redis, 4 gunicorn workers" if args.redis else "in-process",
                          "scale": args.scale, "sizes": built, "floor": {"p50_ms": round(floors["executive_home"], 2)},
                          "targets_met": met, "pages": results}))
    finally:
        stop_server(server)
        drop()


if __name__ == "__main__":
    main()
