"""Headers on every response under the production configuration, session lifetimes, request size."""
import pytest
from flask import url_for
from sqlalchemy import select

from config import ProdConfig
from okrapp import create_app
from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective
from okrapp.conflicts.models import ConflictItem
from okrapp.incentives.models import Incentive, IncentiveProposal, MetricLink
from okrapp.integrations.models import WebhookEndpoint
from okrapp.core.models import OutboxMessage
from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule
from okrapp.admin.models import Unit
from okrapp.incentives.models import BonusPlan, PlanPeriod
from okrapp.accounts.models import User, UserSession
from okrapp.core.web.security import CSP, SESSION_EXPIRED
from okrapp.demo.company import DEMO_PASSWORD, load_demo

from tests.conftest import FreshContextClient
from tests.factories import PASSWORD, make_user

HTTPS = "https://localhost"
ID_MODELS = {"objective_id": Objective, "kr_id": KeyResult, "unit_id": Unit, "cycle_id": Cycle, "user_id": User,
             "incentive_id": Incentive, "link_id": MetricLink, "schedule_id": ReviewSchedule,
             "meeting_id": ReviewMeeting, "summary_id": BoardSummary, "item_id": ConflictItem,
             "message_id": OutboxMessage, "proposal_id": IncentiveProposal, "decision_id": ReviewDecision,
             "check_in_id": CheckIn, "plan_id": BonusPlan, "period_id": PlanPeriod, "session_id": UserSession,
             "endpoint_id": WebhookEndpoint}


@pytest.fixture
def production(database_url, tmp_path, clock):
    """The production configuration on the test database, which holds the demo organisation."""
    assert load_demo()
    db.session.commit()
    config = type("Prod", (ProdConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "prod-secret",
                                          "OKRAPP_BASE_URL": "https://okr.example.com",
                                          "OKRAPP_MAIL_SENDER": "okrapp <okr@example.com>", "OKRAPP_CLOCK": clock,
                                          "OKRAPP_PROXY_HOPS": 0})
    app = create_app(config)
    app.test_client_class = FreshContextClient
    yield app
    with app.app_context():
        db.engine.dispose()


def every_get_url(app):
    ids = {name: db.session.scalar(select(model.id).order_by(model.id)) or 1 for name, model in ID_MODELS.items()}
    urls = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.endpoint != "static":
                urls.add(url_for(rule.endpoint, **{a: ids.get(a, "x") for a in rule.arguments}))
        urls.add(url_for("static", filename="style.css"))
    return sorted(urls) + ["/no/such/page", "/objectives/99999999"]


def assert_secure_headers(response, url):
    headers = response.headers
    if url.endswith("email.html") and response.status_code == 200:  # mail HTML with its inline styles: a policy of its own, framed only by us
        assert "default-src 'none'" in headers["Content-Security-Policy"] and "frame-ancestors 'self'" in \
            headers["Content-Security-Policy"], url
    else:
        assert headers["Content-Security-Policy"] == CSP, url
        assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
        assert headers["X-Frame-Options"] == "DENY", url
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["Referrer-Policy"] == "same-origin", url
    assert headers["Strict-Transport-Security"].startswith("max-age="), url


def test_every_page_of_every_role_carries_the_security_headers(production):
    seen = 0
    for email in ("ceo@demo.okrapp", "admin@demo.okrapp", "board@demo.okrapp", None):
        client = production.test_client()
        if email:
            login = client.post("/login", data={"email": email, "password": DEMO_PASSWORD},
                                base_url=HTTPS,
                                headers={"Referer": "https://localhost/login"})  # Flask-WTF checks it over HTTPS
            assert login.status_code == 302, email
            assert_secure_headers(login, "/login")
        for url in every_get_url(production):
            response = client.get(url, base_url=HTTPS)
            assert response.status_code < 500, url
            assert_secure_headers(response, url)
            if response.mimetype == "text/html" and "default-src 'self'" in response.headers["Content-Security-Policy"]:
                assert 'style="' not in response.get_data(as_text=True), f"inline style on {url} blocked by the CSP"
            seen += response.status_code == 200
    assert seen > 60


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    assert "Strict-Transport-Security" in client.get("/login", base_url=HTTPS).headers


@pytest.fixture
def short_sessions(app, monkeypatch):
    monkeypatch.setitem(app.config, "OKRAPP_SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "OKRAPP_SESSION_MAX_HOURS", 8)


def test_a_session_ends_after_idle_time(short_sessions, login, clock):
    session = login(make_user("executive"))
    clock.advance(minutes=29)
    assert session.get("/objectives").status_code == 200
    clock.advance(minutes=29)  # each request restarts the idle time
    assert session.get("/objectives").status_code == 200
    clock.advance(minutes=31)
    response = session.get("/objectives")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert SESSION_EXPIRED in session.get(response.location).get_data(as_text=True)


def test_a_busy_session_still_ends_after_the_absolute_lifetime(short_sessions, login, clock):
    session = login(make_user("executive"))
    for _ in range(8 * 4 - 1):
        clock.advance(minutes=15)
        assert session.get("/objectives").status_code == 200
    clock.advance(minutes=16)
    assert session.get("/objectives").status_code == 302
    # the expired cookie cannot be revived; a new login can
    assert session.get("/objectives").status_code == 302


def test_session_cookie_expires_in_the_browser_too(app, client):
    user = make_user("executive")
    cookie = client.post("/login", data={"email": user.email, "password": PASSWORD}).headers["Set-Cookie"]
    assert "Expires=" in cookie


@pytest.mark.parametrize("accept, kind", [("text/html", "text/html"), ("application/json", "application/json")])
def test_an_oversized_request_gets_a_clear_413(app, login, accept, kind):
    session = login(make_user("executive"))
    body = {"title": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    response = session.post("/objectives/new", data=body, headers={"Accept": accept})
    assert response.status_code == 413 and response.mimetype == kind
    assert "too large" in response.get_data(as_text=True)


def test_behind_a_proxy_the_client_address_counts_for_throttling(database_url, tmp_path, clock):
    from tests.conftest import make_app
    proxied = make_app(database_url, tmp_path, OKRAPP_PROXY_HOPS=1, OKRAPP_CLOCK=clock,
                       OKRAPP_LOGIN_FREE_ATTEMPTS_ADDRESS=3)
    with proxied.app_context():
        user = make_user("executive")
        for _ in range(3):
            proxied.test_client().post("/login", data={"email": f"x{_}@example.com", "password": "guess"},
                                       headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        other_client = proxied.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                                                  headers={"X-Forwarded-For": "198.51.100.9"},
                                                  environ_base={"REMOTE_ADDR": "10.0.0.1"})
        guesser = proxied.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                                             headers={"X-Forwarded-For": "203.0.113.7"},
                                             environ_base={"REMOTE_ADDR": "10.0.0.1"})
        db.session.remove()
        db.engine.dispose()
    assert other_client.status_code == 302 and guesser.status_code == 429
