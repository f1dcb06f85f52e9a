"""Exports at scale: every dataset of the exports page, CSV and .xlsx, downloaded whole over HTTP
from the app on a real WSGI server in its own process, at the bench company's size (200 units,
5,000 key results, 500,000 check-ins, 500 conflict items; 5,000 review decisions besides).

For each export: seconds to the first byte and to the last, bytes, rows (checked against the
database: a download cut short fails the run), and the server's peak resident memory while it
answered (Linux: VmHWM, reset before each download through /proc/<pid>/clear_refs; else sampled)
next to its resident memory before. Memory must stay flat: the rows are read in batches and the
workbook is zipped as it is written (core/files/workbook_stream.py). The last line printed is a JSON object.

Usage: python bench/exports.py [--small]"""
import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dashboard import SERVER, Session, build, database_url  # noqa: E402

DATASETS = ("check-ins", "key-results", "conflicts", "decisions")
CHUNK = 256 * 1024


def add_decisions(count: int):
    """then() for dashboard.build: review meetings with `count` decisions, some settling items."""
    def then(users) -> dict:
        from sqlalchemy import insert, select

        from okrapp.conflicts.models import ConflictItem
        from okrapp.core.extensions import db
        from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule, decision_items
        schedule = ReviewSchedule(name="Customer priorities", anchor_on=date(2026, 10, 1))
        db.session.add(schedule)
        db.session.flush()
        meetings = max(1, count // 50)
        db.session.execute(insert(ReviewMeeting), [
            {"schedule_id": schedule.id, "slot": f"bench-{n}", "starts_at": datetime(2026, 10, 1, 7) + timedelta(days=n),
             "ends_at": datetime(2026, 10, 1, 8) + timedelta(days=n), "uid": f"bench-{n}@okrapp"}
            for n in range(meetings)])
        meeting_ids = db.session.scalars(select(ReviewMeeting.id).order_by(ReviewMeeting.id)).all()
        db.session.execute(insert(ReviewDecision), [
            {"meeting_id": meeting_ids[n % len(meeting_ids)], "kind": "reprioritise", "text": f"Decision {n}",
             "changes": '["Target moved"]'} for n in range(count)])
        decided = db.session.scalars(select(ReviewDecision.id).order_by(ReviewDecision.id).limit(count // 10)).all()
        items = db.session.scalars(select(ConflictItem.id).order_by(ConflictItem.id).limit(3)).all()
        db.session.execute(insert(decision_items), [{"decision_id": d, "item_id": i} for d in decided for i in items])
        return {"decisions": count}
    return then


def expected_rows(url: str) -> dict:
    from sqlalchemy import create_engine, func, select

    from okrapp.conflicts.models import ConflictItem
    from okrapp.okrs.models import CheckIn, KeyResult
    from okrapp.reviews.models import ReviewDecision
    engine = create_engine(url)
    with engine.connect() as conn:  # one cycle in the bench company: every key result and check-in is its
        counts = {name: conn.scalar(select(func.count()).select_from(table)) for name, table in
                  (("check-ins", CheckIn), ("key-results", KeyResult), ("decisions", ReviewDecision))}
        counts["conflicts"] = conn.scalar(select(func.count()).select_from(ConflictItem)
                                          .where(ConflictItem.horizon_id.is_(None)))
    engine.dispose()
    return counts


class Memory:
    """The server's peak RSS during one download."""

    def __init__(self, pid: int):
        self.pid = pid
        self.sampled = 0
        self.reset_works = self._reset()
        self._stop = threading.Event()

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def _reset(self) -> bool:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def rss(self) -> int:
        return self._status("VmRSS")

    def __enter__(self):
        self.before = self.rss()
        self._reset()
        self.sampled = self.before
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.sampled = max(self.sampled, self.rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self._status("VmHWM") if self.reset_works else 0, self.sampled)


def download(session: Session, path: str, into) -> tuple[int, float, float, int]:
    """Status, seconds to the first byte, seconds to the last, bytes; the body is written to `into`."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}
    started = time.perf_counter()
    session.conn.request("GET", path, headers=headers)
    response = session.conn.getresponse()
    first = None
    size = 0
    while chunk := response.read(CHUNK):  # http.client.IncompleteRead if the server breaks off
        first = first or time.perf_counter() - started
        size += len(chunk)
        into.write(chunk)
    return response.status, first or 0.0, time.perf_counter() - started, size


def count_rows(fmt: str, body) -> int:
    body.seek(0)
    if fmt == "csv":
        text = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
        rows = sum(1 for _ in csv.reader(text))
        text.detach()
        return rows
    rows, tail = 0, b""
    with zipfile.ZipFile(body) as workbook, workbook.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(CHUNK):  # a tail shorter than the tag holds no whole one: none counted twice
            rows += (tail + chunk).count(b"</row>")
            tail = chunk[-5:]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    args = parser.parse_args()
    sizes = dict(units=200, objectives=1000, krs_per_objective=5, check_ins_per_kr=100, conflict_items=500)
    decisions = 5000
    if args.small:
        sizes = dict(units=20, objectives=100, krs_per_objective=5, check_ins_per_kr=10, conflict_items=50)
        decisions = 500
    workdir = Path(tempfile.mkdtemp(prefix="okrapp-bench-"))
    url, drop = database_url(workdir)
    server = None
    try:
        built = build(url, workdir, sizes, then=add_decisions(decisions))
        print(f"built {built}", file=sys.stderr)
        expected = expected_rows(url)
        code = SERVER.format(root=str(ROOT), instance=str(workdir), url=url)
        server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline())
        session = Session(port)
        session.conn.timeout = 600
        session.login("executive@bench.okrapp")
        session.request("GET", "/exports")
        memory = Memory(server.pid)
        results, complete = {}, True
        for dataset in DATASETS:
            for fmt in ("csv", "xlsx"):
                with tempfile.TemporaryFile() as body:
                    with memory:
                        status, first, total, size = download(session, f"/exports/{dataset}.{fmt}?cycle=1", body)
                    rows = count_rows(fmt, body) if status == 200 else 0
                ok = status == 200 and rows == expected[dataset] + 1
                complete &= ok
                results[f"{dataset}.{fmt}"] = {
                    "status": status, "complete": ok, "rows": rows - 1, "bytes": size, "seconds": round(total, 2),
                    "first_byte_seconds": round(first, 3), "server_rss_before_mb": round(memory.before / 2**20, 1),
                    "server_peak_rss_mb": round(memory.peak / 2**20, 1)}
                r = results[f"{dataset}.{fmt}"]
                print(f"{dataset + '.' + fmt:<17} {status} {'complete' if ok else 'INCOMPLETE':<10} {r['rows']:>8} rows "
                      f"{size / 2**20:8.1f} MB {total:7.2f} s (first byte {first:6.3f} s)  server RSS "
                      f"{r['server_rss_before_mb']:6.1f} -> peak {r['server_peak_rss_mb']:6.1f} MB", file=sys.stderr)
        peak = max(r["server_peak_rss_mb"] for r in results.values())
        print(json.dumps({"database": url.split(":")[0], "sizes": built, "complete": complete,
                          "server_peak_rss_mb": peak, "peak_measured_by": "VmHWM" if memory.reset_works else "sampling",
                          "exports": results}))
        if not complete:
            sys.exit(1)
    finally:
        if server:
            server.terminate()
            server.wait(10)
        drop()


if __name__ == "__main__":
    main()
