"""The migrations build the whole schema from empty, the same as the models declare."""
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
