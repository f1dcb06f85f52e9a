"""okrapp under a real gunicorn, as deployed (gunicorn.conf.py, wsgi:app, the production
configuration), for tests about workers, timeouts and parallel requests:

    @needs_gunicorn
    def test_something(tmp_path):
        with gunicorn_server(tmp_path, users=[("exec@example.com", "executive")]) as base_url:
            client = HttpClient(base_url)
            client.login("exec@example.com")
            status, page = client.get("/dashboard")

The database is a fresh SQLite file in the directory given, migrated with `okrapp db upgrade`;
users are made with `okrapp users create` (password PASSWORD). gunicorn's output goes to
gunicorn.log there; it is shown when the server does not come up."""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
PASSWORD = "gunicorn-test-password"
needs_gunicorn = pytest.mark.skipif(not GUNICORN.exists(),
                                    reason="gunicorn is not installed (pip install -e '.[prod]')")


def production_env(directory: Path, **extra: str) -> dict:
    """The environment of a production deployment on a SQLite file in directory; no OKRAPP_* or
    GUNICORN_* setting of the test run leaks in."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OKRAPP_", "GUNICORN_"))}
    return {**inherited, "OKRAPP_ENV": "production", "OKRAPP_SECRET_KEY": "gunicorn-test-" + uuid.uuid4().hex,
            "OKRAPP_BASE_URL": "https://okr.example.com", "OKRAPP_MAIL_SENDER": "okrapp <okrapp@example.com>",
            "OKRAPP_DATABASE_URL": f"sqlite:///{directory / 'okrapp.db'}", "OKRAPP_INSTANCE_PATH": str(directory),
            "OKRAPP_PROXY_HOPS": "0", "PYTHONPATH": str(ROOT), **extra}


def okrapp(env: dict, *args: str) -> str:
    """Run the okrapp command in env; its output, or a failed test with the output."""
    result = subprocess.run([str(BIN / "okrapp"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"okrapp {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(directory: Path, users=(), workers: int = 2, timeout: int = 30, **env: str):
    """Yield the base URL of gunicorn serving a migrated database with users [(email, role)]."""
    environment = production_env(Path(directory), **env)
    okrapp(environment, "db", "upgrade")
    for email, role in users:
        okrapp(environment, "users", "create", "--email", email, "--role", role, "--password", PASSWORD)
    port = free_port()
    log_path = Path(directory) / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT, env={**environment, "GUNICORN_BIND": f"127.0.0.1:{port}",
                                           "GUNICORN_WORKERS": str(workers), "GUNICORN_TIMEOUT": str(timeout),
                                           "GUNICORN_ACCESSLOG": str(Path(directory) / "access.log")})
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(server, base_url, log_path)
        try:
            yield base_url
        except BaseException as error:  # a failed assertion in the block shows what the server said
            error.add_note(f"gunicorn.log:\n{log_path.read_text()[-3000:]}")
            raise
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_healthy(server: subprocess.Popen, base_url: str, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz in {seconds} s:\n{log_path.read_text()[-3000:]}")


class HttpClient:
    """A browser of sorts: keeps cookies, reads CSRF tokens from forms, never raises on a status."""

    TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')

    def __init__(self, base_url: str, timeout: float = 60):
        self.base_url, self.timeout = base_url, timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request(path)

    def token(self, path: str) -> str:
        status, page = self.get(path)
        found = self.TOKEN.search(page)
        assert status == 200 and found, f"no form at {path}: {status}"
        return found.group(1).decode()

    def login(self, email: str, password: str = PASSWORD) -> None:
        from urllib.parse import urlencode
        body = urlencode({"csrf_token": self.token("/login"), "email": email, "password": password}).encode()
        status, page = self.request("/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and b'name="password"' not in page, f"login of {email}: {status}"  # not the form again

    def post_file(self, path: str, field: str, filename: str, data: bytes, **fields: str) -> tuple[int, bytes]:
        """A multipart form post of one file and some fields, with the form's CSRF token."""
        boundary = uuid.uuid4().hex
        parts = [(name, None, value.encode()) for name, value in {"csrf_token": self.token(path), **fields}.items()]
        parts.append((field, filename, data))
        body = b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode()
            + (f"; filename=\"{file}\"\r\nContent-Type: application/octet-stream".encode() if file else b"")
            + b"\r\n\r\n" + value + b"\r\n" for name, file, value in parts) + f"--{boundary}--\r\n".encode()
        return self.request(path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
