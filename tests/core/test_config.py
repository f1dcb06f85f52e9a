"""Configuration from OKRAPP_* variables and the instance folder."""
import pytest

from config import ProdConfig
from okrapp import create_app

from tests.conftest import make_config


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    config = type("NoSecret", (ProdConfig,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="OKRAPP_SECRET_KEY"):
        create_app(config)


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    first = create_app(make_config(database_url, tmp_path, SECRET_KEY=None))
    second = create_app(make_config(database_url, tmp_path, SECRET_KEY=None))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_sqlite_file_in_the_instance_folder_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("OKRAPP_INSTANCE_PATH", str(tmp_path))
    app = create_app(make_config(None, tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'okrapp.db'}"


def test_time_zone_decides_what_today_is(app, clock):
    from datetime import datetime

    from okrapp.core.timeutil import local_today
    clock.now = datetime(2026, 11, 22, 22, 30)  # 00:30 on the 23rd in Helsinki
    assert str(local_today()) == "2026-11-23"
    app.config["OKRAPP_TIMEZONE"] = "UTC"
    try:
        assert str(local_today()) == "2026-11-22"
    finally:
        app.config["OKRAPP_TIMEZONE"] = "Europe/Helsinki"
