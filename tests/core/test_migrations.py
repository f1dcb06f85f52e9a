"""The migrations build the whole schema from empty, the same as the models declare."""
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select

from okrapp import create_app
from okrapp.core.extensions import db
from okrapp.okrs.metric_models import Metric

from tests.conftest import make_config


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_builtin_metrics_are_seeded_with_their_ranges():
    metrics = {m.key: m for m in db.session.scalars(select(Metric).where(Metric.builtin.is_(True)))}
    assert (metrics["nps"].min_value, metrics["nps"].max_value) == (-100, 100)
    assert (metrics["csat"].min_value, metrics["csat"].max_value) == (0, 100)
    assert (metrics["ces"].min_value, metrics["ces"].max_value) == (1, 7)
    assert (metrics["churn_rate"].max_value, metrics["retention_rate"].max_value) == (100, 100)
    assert metrics["clv"].min_value == 0 and metrics["clv"].max_value is None
    assert metrics["revenue"].min_value == 0
    assert metrics["milestone"].is_milestone


def test_upgrade_from_empty_and_downgrade_to_empty(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        url = database_url  # the session database is migrated already; check a full round trip on it below
        fresh = create_app(make_config(url, tmp_path))
        with fresh.app_context():
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "key_results" in inspect(db.engine).get_table_names()
        return
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_app(make_config(url, tmp_path))
    with fresh.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "units", "cycles", "objectives", "key_results", "check_ins", "rank_changes",
                "metrics", "auth_events", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
    create_engine(url).dispose()


def test_downgrade_to_base_and_upgrade_again_on_the_populated_demo(tmp_path, database_url):
    """The real case: a database full of rows that reference each other. On SQLite the batch
    copies must neither trip over nor cascade through foreign keys, and nothing may be left half-done."""
    from okrapp.demo.company import load_demo
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'demo.db'}"
    populated = create_app(make_config(url, tmp_path, OKRAPP_PASSWORD_METHOD="scrypt:1024:8:1"))
    with populated.app_context():
        upgrade()
        assert load_demo()
        db.session.commit()
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert load_demo()  # the schema is whole again
        db.session.commit()
        db.session.remove()
        if not url.startswith("postgresql"):
            db.engine.dispose()


def test_free_text_periods_become_plan_periods(tmp_path, database_url):
    """A year becomes that year's dates; any other text a named period for an admin to date; the
    text itself stays on the incentive, and an incentive with no period gets none."""
    from sqlalchemy import text
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'periods.db'}"
    app = create_app(make_config(url, tmp_path))
    with app.app_context():
        upgrade()
        downgrade(revision="e9b4c2d6a815")
        with db.engine.begin() as conn:
            unit = conn.execute(text("INSERT INTO units (name, kind, description) VALUES ('Delivery', 'business_unit', '') "
                                     "RETURNING id")).scalar()
            metric = conn.execute(text("SELECT id FROM metrics WHERE key = 'nps'")).scalar()
            for name, period in (("A", "2026"), ("B", " Kevät 2027 "), ("C", ""), ("D", "2026")):
                conn.execute(text("INSERT INTO incentives (unit_id, name, metric_id, direction, weight, period, note, "
                                  "source, active) VALUES (:u, :n, :m, 'increase', 0.2, :p, '', 'manual', :a)"),
                             {"u": unit, "n": name, "m": metric, "p": period, "a": True})
        upgrade()
        with db.engine.connect() as conn:
            periods = {row.name: (str(row.starts_on) if row.starts_on else None, str(row.ends_on) if row.ends_on else None)
                       for row in conn.execute(text("SELECT name, starts_on, ends_on FROM plan_periods"))}
            linked = dict(conn.execute(text("SELECT i.name, p.name FROM incentives i "
                                            "LEFT JOIN plan_periods p ON p.id = i.period_id")).all())
            conn.execute(text("DELETE FROM incentives"))
            conn.execute(text("DELETE FROM plan_periods"))
            conn.execute(text("DELETE FROM units"))
            conn.commit()
    assert periods == {"2026": ("2026-01-01", "2026-12-31"), "Kevät 2027": (None, None)}
    assert linked == {"A": "2026", "B": "Kevät 2027", "C": None, "D": "2026"}


def test_calendar_links_stored_in_clear_are_hashed_and_keep_working(tmp_path, database_url):
    """A feed link made before the secrets were hashed: the migration keeps only its SHA-256, and the
    calendar app subscribed to the old address still reads the feed."""
    import hashlib

    from sqlalchemy import text

    from tests.conftest import make_app
    secret = "made-before-the-upgrade-Zq0uX2v9KpT4yWm8sLr6NcHe1BfJ3dAg5"
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'calendar.db'}"
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="3b8f0d2c6a17")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, role, password_hash, active, session_token, calendar_token, "
                              "created_at) VALUES ('early@example.com', 'Early', 'executive', 'x', :yes, 'old-session', "
                              ":secret, :now)"), {"yes": True, "secret": secret, "now": datetime(2026, 11, 1)})
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT * FROM users WHERE email = 'early@example.com'")).one()._mapping
        feed = app.test_client().get(f"/calendar/{secret}.ics")
        guess = app.test_client().get(f"/calendar/{hashlib.sha256(secret.encode()).hexdigest()}.ics")
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE email = 'early@example.com'"))
        db.session.remove()
        if not url.startswith("postgresql"):
            db.engine.dispose()
    assert stored["calendar_token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in [str(value) for value in stored.values()]
    assert "calendar_token" not in stored and "session_token" not in stored
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert guess.status_code == 404  # the stored hash is not itself a key
