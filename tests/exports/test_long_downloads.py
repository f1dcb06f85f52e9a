"""A download that takes longer than gunicorn's worker timeout (a large export, or a person on a
slow line) still arrives whole: the workers are threaded (gthread), whose main loop tells the
arbiter it is alive while a request thread streams. A sync worker is killed mid-download at the
timeout, and the person gets a cut file. Through a real gunicorn, read slowly to the end."""
import http.client
import socket
import time
from datetime import date

from tests.conftest import make_app
from tests.gunicorn_server import HttpClient, gunicorn_server, needs_gunicorn

CHECK_INS = 120_000  # about 8 MB of CSV: more than the socket buffers hold, so the server waits on the reader


def _company(directory) -> int:
    """A cycle with CHECK_INS check-ins in the server's database; its id."""
    from okrapp.admin import operations as admin
    from okrapp.core.extensions import db
    from okrapp.demo.synthetic import build_company
    app = make_app(f"sqlite:///{directory / 'okrapp.db'}", directory)
    with app.app_context():
        cycle = admin.save_cycle(None, "2026 Q4", date(2026, 10, 1), date(2026, 12, 31))
        build_company(cycle, units=5, objectives=10, krs_per_objective=6, check_ins_per_kr=CHECK_INS // 60)
        db.session.commit()
        cycle_id = cycle.id
        db.session.remove()
        db.engine.dispose()
    return cycle_id


def _read_slowly(base_url: str, path: str, cookie: str, seconds: float) -> tuple[int, bytes]:
    """Read the whole body over at least `seconds`, with a small receive buffer, as a slow line would."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    line = socket.socket()
    line.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # before connecting, so the window stays small
    line.settimeout(60)
    line.connect((host, int(port)))
    connection.sock = line
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    chunks, started = [], time.monotonic()
    while chunk := response.read(64 * 1024):
        chunks.append(chunk)
        time.sleep(seconds / 100)
    body = b"".join(chunks)
    assert time.monotonic() - started >= seconds * 0.5  # it really took longer than the worker timeout
    return response.status, body


@needs_gunicorn
def test_a_download_longer_than_the_worker_timeout_arrives_whole(tmp_path):
    with gunicorn_server(tmp_path, users=[("exec@example.com", "executive")], timeout=2) as base_url:
        cycle_id = _company(tmp_path)
        client = HttpClient(base_url)
        client.login("exec@example.com")
        jar = next(h.cookiejar for h in client.opener.handlers if hasattr(h, "cookiejar"))
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        status, body = _read_slowly(base_url, f"/exports/check-ins.csv?cycle={cycle_id}", cookie, seconds=6)
        assert status == 200
        lines = body.decode("utf-8-sig").strip().splitlines()
        assert len(lines) - 1 >= CHECK_INS * 0.9, len(lines)  # every row, not a file cut at the timeout
        assert body.endswith(b"\n") or body.endswith(b"\r\n")
