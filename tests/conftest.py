"""Fixtures: a real database (SQLite file, or a PostgreSQL database of our own when
OKRAPP_DATABASE_URL points at a server), migrated once per run and emptied after each test."""
import os
import uuid
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

os.environ.setdefault("OKRAPP_ENV", "test")

from config import TestConfig  # noqa: E402
from okrapp import create_app  # noqa: E402
from okrapp.core.extensions import db  # noqa: E402
from okrapp.okrs.metric_models import Metric  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402

START = datetime(2026, 11, 16, 8, 0)  # a Monday in the middle of 2026 Q4, in UTC


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("OKRAPP_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'okrapp-test.db'}"
        return
    url = make_url(base)
    name = f"okrapp_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: no `g` or database session
    leaks from the test (which holds a context of its own) into the request.

    CSRF protection stays on in tests; like a browser that loaded the form first, this client
    adds the session's token to form posts that carry none. A test that wants to send no token,
    or a forged one, passes `csrf_token` itself (e.g. "" or "forged")."""

    def open(self, *args, **kwargs):
        if (kwargs.get("method") or "GET").upper() in WRITE_METHODS and "json" not in kwargs:
            data = kwargs.get("data")
            if data is None:
                kwargs["data"] = {"csrf_token": self.csrf_token()}
            elif isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The signed token Flask-WTF's generate_csrf would put in this session's forms."""
        import hashlib

        from itsdangerous import URLSafeTimedSerializer
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        secret = self.application.config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def make_config(database_url, instance_path, **overrides):
    attrs = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret", **overrides}
    return type("RunConfig", (TestConfig,), attrs)


def make_app(database_url, instance_path, **overrides):
    """Another app on the same database: a second server process, or other settings."""
    application = create_app(make_config(database_url, instance_path, **overrides))
    application.test_client_class = FreshContextClient
    return application


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["OKRAPP_INSTANCE_PATH"] = str(instance)
    application = make_app(database_url, instance)
    with application.app_context():
        from flask_migrate import upgrade
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


class Clock:
    """A fixed clock the app reads through OKRAPP_CLOCK; tests move it instead of sleeping."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(autouse=True)
def clock(app):
    fixed = Clock(START)
    app.config["OKRAPP_CLOCK"] = fixed
    yield fixed
    app.config["OKRAPP_CLOCK"] = None


@pytest.fixture(autouse=True)
def _app_context(app):
    """Each test runs inside an app context and leaves an empty database behind."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_database()


def _empty_database():
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "metrics":
                conn.execute(delete(table).where(Metric.__table__.c.builtin.is_(False)))
            else:
                conn.execute(delete(table))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(app):
    """login(user) -> a test client logged in as user."""
    def log_in(user, password=PASSWORD):
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data
        return client
    return log_in


class SmtpSink:
    """What a real SMTP server on loopback received, parsed; addresses in `refuse` get a 550."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        for rcpt in envelope.rcpt_tos:
            self.messages.append((rcpt, message))
        return "250 Message accepted"

    def to(self, address):
        return [m for rcpt, m in self.messages if rcpt == address]


def start_smtp(handler):
    """A real SMTP server on a free loopback port, handled by handler; returns its controller."""
    import socket

    from aiosmtpd.controller import Controller
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    return controller


@pytest.fixture
def smtp(app):
    sink = SmtpSink()
    controller = start_smtp(sink)
    app.config.update(OKRAPP_SMTP_HOST="127.0.0.1", OKRAPP_SMTP_PORT=sink.port)
    yield sink
    controller.stop()
    app.config.update(OKRAPP_SMTP_HOST="", OKRAPP_SMTP_PORT=25)


@pytest.fixture
def live_server(app):
    """The app on a real threaded WSGI server on loopback (browser tests, API fuzzing)."""
    import threading

    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
