"""Load in the production shape: gunicorn (4 workers, gunicorn.conf.py, wsgi:app) and two
`okrapp scheduler` processes on PostgreSQL (OKRAPP_DATABASE_URL; SQLite otherwise), a real SMTP
server on loopback, and simulated people: executives reading dashboards, unit leaders checking in.

Every check-in the app confirmed (a redirect) must be in the database afterwards (check_ins_lost),
and every message the schedulers sent must arrive once (mail_duplicates: Message-IDs or
(recipient, subject) pairs received more than once). The last line printed is a JSON object.

Usage: python bench/load.py [--duration 60] [--users 50] [--think 1.0]"""
import argparse
import asyncio
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PASSWORD = "bench-password-1"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """The SMTP server: records (recipient, Message-ID, subject) of everything it accepts."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt, message["Message-ID"], message["Subject"]))
        await asyncio.sleep(0)
        return "250 OK"


def build(url: str, workdir: Path, users: int) -> dict:
    """A company of 50 units and 1,000 key results; half the users executives, half unit leaders
    (each leading a unit of their own), the board, a weekly review with everyone invited."""
    os.environ["OKRAPP_INSTANCE_PATH"] = str(workdir)
    from datetime import date

    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import DevConfig
    from okrapp import create_app
    from okrapp.core.extensions import db
    from okrapp.okrs.models import KeyResult
    from okrapp.admin.models import Unit
    from okrapp.accounts import people
    from okrapp.admin import operations as admin
    from okrapp.reviews import operations as reviews
    from okrapp.demo.synthetic import build_company
    app = create_app(type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                                                         "OKRAPP_PASSWORD_METHOD": "scrypt:1024:8:1"}))
    with app.app_context():
        upgrade()
        cycle = admin.save_cycle(None, "2026 Q4", date(2026, 10, 1), date(2026, 12, 31))
        db.session.commit()
        build_company(cycle, units=50, objectives=200, krs_per_objective=5, check_ins_per_kr=10)
        units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
        people = {"executive": [], "unit_leader": []}
        for i in range(users):
            role = "executive" if i % 2 == 0 else "unit_leader"
            user = people.create_user(f"{role}{i}@bench.example", f"{role.title()} {i}", role, PASSWORD)
            if role == "unit_leader":
                units[i % len(units)].leaders.append(user)
            people[role].append(user)
        for i in range(3):
            people.create_user(f"board{i}@bench.example", f"Board {i}", "board", PASSWORD)
        db.session.flush()
        reviews.save_schedule(None, name="Weekly review", cadence="weekly", weekday=3, time_of_day="09:00",
                              timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                              chair=people["executive"][0], participants=people["executive"][:10],
                              anchor_on=date(2026, 11, 1))
        db.session.commit()
        leaders = {}
        for user in people["unit_leader"]:
            unit_ids = [u.id for u in user.units]
            leaders[user.email] = db.session.scalars(select(KeyResult.id).where(
                KeyResult.accountable_unit_id.in_(unit_ids)).order_by(KeyResult.id).limit(20)).all()
        layout = {"executives": [u.email for u in people["executive"]], "leaders": leaders,
                  "objectives": [o for o in range(1, 201)], "key_results": list(range(1, 1001))}
        db.session.remove()
        db.engine.dispose()
    return layout


class Client:
    """One person's browser: cookies, CSRF-aware forms, a fresh connection when the server closes it."""

    def __init__(self, port: int, stats, errors):
        self.port, self.stats, self.errors = port, stats, errors
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, path, body=None, page=None, expect=()):
        """expect: statuses the caller handles (not counted as errors)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        if page:
            self.stats[page].append(elapsed)
        if response.status >= 400 and response.status not in expect:
            self.errors.append(f"{method} {path}: {response.status}")
        return response, data

    def token(self, page: bytes) -> str:
        return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()

    def login(self, email):
        _, page = self.request("GET", "/login")
        response, _ = self.request("POST", "/login", urlencode({"csrf_token": self.token(page), "email": email,
                                                                "password": PASSWORD}))
        if response.status != 302:
            raise RuntimeError(f"login of {email} failed: {response.status}")


def executive(client, layout, rng):
    choice = rng.random()
    if choice < 0.4:
        client.request("GET", "/dashboard", page="dashboard")
    elif choice < 0.6:
        client.request("GET", "/objectives", page="objectives")
    elif choice < 0.8:
        client.request("GET", f"/objectives/{rng.choice(layout['objectives'])}", page="objective")
    elif choice < 0.9:
        client.request("GET", f"/key-results/{rng.choice(layout['key_results'])}", page="key_result")
    else:
        client.request("GET", "/conflicts", page="conflicts")


def leader(client, layout, rng, email, confirmed):
    if rng.random() < 0.4:
        client.request("GET", "/my/key-results", page="my_key_results")
        return
    kr = rng.choice(layout["leaders"][email])
    _, page = client.request("GET", f"/key-results/{kr}/check-in", page="check_in_form")
    version = re.search(rb'name="version" type="hidden" value="(\d*)"', page)
    comment = f"bench {email} {time.monotonic_ns()}"
    fields = {"csrf_token": client.token(page), "value": f"{rng.uniform(20, 80):.2f}",
              "confidence": rng.randint(3, 9), "comment": comment, "version": version.group(1).decode() if version else ""}
    response, answer = client.request("POST", f"/key-results/{kr}/check-in", urlencode(fields), page="check_in_save",
                                      expect=(422,))
    if response.status == 422 and b'name="confirm"' in answer:  # far off its path: the person confirms it
        response, _ = client.request("POST", f"/key-results/{kr}/check-in", urlencode({**fields, "confirm": "y"}),
                                     page="check_in_confirm")
    elif response.status == 422:
        client.errors.append(f"POST /key-results/{kr}/check-in: 422 without a confirmation to give")
    if response.status == 302:
        confirmed.append(comment)


def person(port, layout, role, email, clock, think, stats, errors, confirmed, seed):
    """Log in, wait until everyone has, then act until the clock's end."""
    rng = random.Random(seed)
    client = Client(port, stats, errors)
    try:
        client.login(email)
    except Exception as error:  # noqa: BLE001
        errors.append(f"{email}: {type(error).__name__}: {error}")
    clock["ready"].wait()
    try:
        while time.monotonic() < clock["until"]:
            if role == "executive":
                executive(client, layout, rng)
            else:
                leader(client, layout, rng, email, confirmed)
            time.sleep(rng.uniform(0.5, 1.5) * think)
    except Exception as error:  # noqa: BLE001 — counted, the run goes on
        errors.append(f"{email}: {type(error).__name__}: {error}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def wait_for_health(port, timeout=120):
    """Until a worker answers /healthz and the active scheduler has beaten its heart."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            body = json.loads(conn.getresponse().read())
            conn.close()
            if body.get("scheduler", {}).get("ok"):
                return
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(0.5)
    raise RuntimeError("the app or its scheduler did not come up")


def count_after(url, comments):
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = {row[0] for row in conn.execute(text("SELECT comment FROM check_ins WHERE comment LIKE 'bench %'"))}
        outbox = dict(conn.execute(text("SELECT status, COUNT(*) FROM outbox_messages GROUP BY status")).all())
    engine.dispose()
    return len([c for c in comments if c not in stored]), outbox


def drain(url, timeout):
    """Wait until the schedulers delivered everything due."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                waiting = conn.execute(text("SELECT COUNT(*) FROM outbox_messages WHERE status IN "
                                            "('pending', 'sending') AND attempts = 0")).scalar()
            if not waiting:
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 60)))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a person's requests")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    from dashboard import database_url
    workdir = Path(tempfile.mkdtemp(prefix="okrapp-load-"))
    url, drop = database_url(workdir)
    processes = []
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        started = time.perf_counter()
        layout = build(url, workdir, args.users)
        print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        web_port = free_port()
        env = {**os.environ, "OKRAPP_DATABASE_URL": url, "OKRAPP_INSTANCE_PATH": str(workdir),
               "OKRAPP_SECRET_KEY": "bench-secret", "OKRAPP_BASE_URL": "https://okr.bench.example",
               "OKRAPP_MAIL_SENDER": "okrapp <okrapp@bench.example>", "OKRAPP_PROXY_HOPS": "0",  # direct
               "OKRAPP_SMTP_HOST": "127.0.0.1",
               "OKRAPP_SMTP_PORT": str(smtp_port), "OKRAPP_DELIVERY_SECONDS": "1",
               "OKRAPP_SCHEDULER_TICK_SECONDS": "5", "OKRAPP_SCHEDULER_POLL_SECONDS": "1",
               "GUNICORN_BIND": f"127.0.0.1:{web_port}", "GUNICORN_WORKERS": str(args.workers),
               "GUNICORN_ACCESSLOG": str(workdir / "access.log"), "PYTHONPATH": str(ROOT)}
        logs = open(workdir / "processes.log", "w")
        processes.append(subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                                          cwd=ROOT, env={**env, "OKRAPP_ENV": "production"}, stdout=logs,
                                          stderr=subprocess.STDOUT))
        for _ in range(2):
            processes.append(subprocess.Popen([str(BIN / "okrapp"), "scheduler"], cwd=ROOT,
                                              env={**env, "OKRAPP_ENV": "production"}, stdout=logs,
                                              stderr=subprocess.STDOUT))
        wait_for_port(web_port)
        wait_for_health(web_port)
        stats, errors, confirmed = defaultdict(list), [], []
        clock = {"until": 0.0}
        threads = []
        for i, email in enumerate(layout["executives"]):
            threads.append(threading.Thread(target=person, args=(web_port, layout, "executive", email, clock,
                                                                 args.think, stats, errors, confirmed, i)))
        for i, email in enumerate(layout["leaders"]):
            threads.append(threading.Thread(target=person, args=(web_port, layout, "unit_leader", email, clock,
                                                                 args.think, stats, errors, confirmed, 1000 + i)))
        clock["ready"] = threading.Barrier(len(threads) + 1, action=lambda: clock.__setitem__(
            "until", time.monotonic() + args.duration))
        for thread in threads:
            thread.start()
        clock["ready"].wait()  # everyone logged in: the measured minute starts now
        for thread in threads:
            thread.join()
        drain(url, 60)
        time.sleep(2)
        lost, outbox = count_after(url, confirmed)
        by_id = Counter(message_id for _, message_id, _ in sink.received)
        by_pair = Counter((rcpt, subject) for rcpt, _, subject in sink.received)
        duplicates = sum(n - 1 for n in by_id.values() if n > 1) + sum(n - 1 for n in by_pair.values() if n > 1)
        pages = {name: {"requests": len(times), "p50_ms": round(statistics.median(times), 1),
                        "p95_ms": round(percentile(times, 95), 1)} for name, times in sorted(stats.items())}
        for name, figures in pages.items():
            print(f"{name:<16} {figures['requests']:>6} requests  p50 {figures['p50_ms']:>7} ms  "
                  f"p95 {figures['p95_ms']:>7} ms", file=sys.stderr)
        for error in errors[:10]:
            print("error:", error, file=sys.stderr)
        print(json.dumps({"database": url.split(":")[0], "users": args.users, "duration_s": args.duration,
                          "gunicorn_workers": args.workers, "schedulers": 2,
                          "requests": sum(len(t) for t in stats.values()), "pages": pages, "errors": len(errors),
                          "check_ins_confirmed": len(confirmed), "check_ins_lost": lost,
                          "mail_delivered": len(sink.received), "mail_duplicates": duplicates,
                          "outbox": outbox, "load_average_1m": round(os.getloadavg()[0], 1),
                          "cpus": os.cpu_count()}))
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        drop()


if __name__ == "__main__":
    main()
