"""Webhook delivery throughput: N events emitted (the cost a change pays in its transaction: queries and
time per emit), then delivered by the scheduler's deliver_due to a receiver on loopback (signed POSTs per
second, one after another as the scheduler sends them). The last line printed is a JSON object.

Usage: python bench/webhooks.py [--events N]"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def receiver() -> tuple[ThreadingHTTPServer, list]:
    got = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="okrapp-bench-hooks-"))
    os.environ["OKRAPP_INSTANCE_PATH"] = str(workdir)
    from flask_migrate import upgrade
    from sqlalchemy import event

    from config import DevConfig
    from okrapp import create_app
    from okrapp.core.extensions import db
    from okrapp.integrations import delivery, operations
    url = os.environ.get("OKRAPP_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    config = type("BenchConfig", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                                                "OKRAPP_ALLOW_PRIVATE_WEBHOOKS": True})
    app = create_app(config)
    server, got = receiver()
    with app.app_context():
        upgrade()
        operations.create_endpoint(f"http://127.0.0.1:{server.server_port}/hook", ["decision.recorded"], "bench")
        count = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: count.__setitem__(0, count[0] + 1))
        started = time.perf_counter()
        for n in range(args.events):
            operations.emit("decision.recorded", {"id": n, "text": "Sales shares the CSAT result." * 4})
            db.session.commit()
        emit_ms = (time.perf_counter() - started) * 1000 / args.events
        queries_per_emit = count[0] / args.events
        started = time.perf_counter()
        delivered, failed = 0, 0
        while delivered + failed < args.events:
            d, f = delivery.deliver_due(limit=500)
            delivered, failed = delivered + d, failed + f
            if not d and not f:
                break
        seconds = time.perf_counter() - started
    server.shutdown()
    print(json.dumps({"events": args.events, "emit_ms": round(emit_ms, 2),
                      "queries_per_emit": round(queries_per_emit, 1), "delivered": delivered, "failed": failed,
                      "received": len(got), "deliveries_per_s": round(delivered / seconds, 1)}))


if __name__ == "__main__":
    main()
