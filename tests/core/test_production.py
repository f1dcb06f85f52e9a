"""The production shape: refuses placeholder addresses, reports health, logs as JSON."""
import json
import logging

import pytest

from config import ProdConfig
from okrapp import create_app
from okrapp.core import mail
from okrapp.core.background import scheduler
from okrapp.core.extensions import db
from okrapp.core.logs import JsonFormatter

REAL = {"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://", "OKRAPP_BASE_URL": "https://okr.example.com",
        "OKRAPP_MAIL_SENDER": "okrapp <okrapp@example.com>", "OKRAPP_PROXY_HOPS": 0}


@pytest.mark.parametrize("setting, value, named", [
    ("OKRAPP_BASE_URL", "http://127.0.0.1:5000", "OKRAPP_BASE_URL"),
    ("OKRAPP_BASE_URL", "http://localhost:8000", "OKRAPP_BASE_URL"),
    ("OKRAPP_BASE_URL", "", "OKRAPP_BASE_URL"),
    ("OKRAPP_MAIL_SENDER", "okrapp <okrapp@localhost>", "OKRAPP_MAIL_SENDER"),
    ("OKRAPP_MAIL_SENDER", "okrapp", "OKRAPP_MAIL_SENDER"),
])
def test_production_refuses_placeholder_base_url_and_sender(tmp_path, monkeypatch, setting, value, named):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=named):
        create_app(type("Prod", (ProdConfig,), {**REAL, setting: value}))


def test_production_starts_with_real_addresses(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    assert create_app(type("Prod", (ProdConfig,), REAL)).config["OKRAPP_PRODUCTION"]


def test_production_refuses_to_start_without_saying_how_clients_reach_it(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="OKRAPP_PROXY_HOPS must be set .* 0 when clients connect to gunicorn"):
        create_app(type("Prod", (ProdConfig,), {**REAL, "OKRAPP_PROXY_HOPS": None}))


def test_proxy_hops_come_from_the_environment_where_unset_differs_from_zero(monkeypatch):
    from config import _env_hops
    monkeypatch.delenv("OKRAPP_PROXY_HOPS", raising=False)
    assert _env_hops() is None
    monkeypatch.setenv("OKRAPP_PROXY_HOPS", "0")
    assert _env_hops() == 0
    monkeypatch.setenv("OKRAPP_PROXY_HOPS", "1")
    assert _env_hops() == 1
    monkeypatch.setenv("OKRAPP_PROXY_HOPS", "nginx")
    with pytest.raises(RuntimeError, match="OKRAPP_PROXY_HOPS must be a number"):
        _env_hops()


def test_development_starts_without_proxy_hops(tmp_path, monkeypatch):
    from config import DevConfig
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    app = create_app(type("Dev", (DevConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "OKRAPP_PROXY_HOPS": None}))
    assert app.config["OKRAPP_PROXY_HOPS"] is None and not app.config["OKRAPP_PRODUCTION"]


def test_a_forwarded_request_without_declared_proxies_is_warned_of_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    client = create_app(type("Prod", (ProdConfig,), REAL)).test_client()
    with caplog.at_level(logging.WARNING, logger="okrapp.security"):
        client.get("/no/such/page")
        assert "OKRAPP_PROXY_HOPS" not in caplog.text
        for _ in range(3):
            client.get("/no/such/page", headers={"X-Forwarded-For": "203.0.113.7"})
    assert [r.getMessage().count("OKRAPP_PROXY_HOPS is 0") for r in caplog.records] == [1]


def test_healthz_reports_database_scheduler_heartbeat_and_outbox(client, clock, app):
    body = client.get("/healthz").get_json()
    assert body["database"]["ok"] and body["status"] == "degraded"
    assert body["scheduler"] == {"ok": False, "active": None, "heartbeat_age_s": None}  # never started
    scheduler._process_app["app"] = app
    scheduler.heartbeat()
    clock.advance(seconds=12)
    mail.queue("h:1", "a@example.com", "S", "T")
    db.session.commit()
    clock.advance(seconds=30)
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["scheduler"]["heartbeat_age_s"] == 42.0 and body["scheduler"]["active"]
    assert body["outbox"] == {"ok": True, "backlog": 1, "oldest_due_age_s": 30.0, "failed": 0, "uncertain": 0}
    clock.advance(minutes=2)  # the scheduler stopped beating
    assert client.get("/healthz").get_json()["status"] == "degraded"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    from tests.conftest import make_app
    broken = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"]["ok"] is False


def test_json_logs_are_one_object_per_line_with_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("okrapp.jobs", logging.ERROR, __file__, 1, "job %s failed", ("x",),
                                   __import__("sys").exc_info())
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line and entry["message"] == "job x failed" and entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exception"]


def test_routine_scheduler_runs_are_not_logged_but_its_warnings_and_our_jobs_are():
    from okrapp.core.logs import configure
    configure("text")
    executor = logging.getLogger("apscheduler.executors.default")
    assert not executor.isEnabledFor(logging.INFO) and executor.isEnabledFor(logging.WARNING)
    assert logging.getLogger("okrapp.jobs").isEnabledFor(logging.INFO)
