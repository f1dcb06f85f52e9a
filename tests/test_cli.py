"""The okrapp command group."""
import subprocess
import sys

from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, Objective
from okrapp.admin.models import Unit
from okrapp.accounts.models import User

from tests.conftest import make_app


def counts():
    db.session.expire_all()
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, Objective, KeyResult, CheckIn)]


def test_demo_loads_a_realistic_organisation_once(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "ceo@demo.okrapp" in result.output and "okrapp-demo" in result.output
    users, units, objectives, krs, check_ins = counts()
    assert 5 <= units <= 6 and objectives == 8 and 20 <= krs <= 30 and check_ins > 200
    partner = db.session.scalar(select(Unit).where(Unit.kind == "partner"))
    assert partner is not None
    roles = {u.email: u.role for u in db.session.scalars(select(User))}
    assert {roles[e] for e in ("ceo@demo.okrapp", "sales.lead@demo.okrapp", "delivery.lead@demo.okrapp",
                               "board@demo.okrapp", "admin@demo.okrapp")} == {"executive", "unit_leader", "board", "admin"}
    before = counts()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert counts() == before


def test_demo_logins_work(runner, client):
    runner.invoke(args=["demo"])
    response = client.post("/login", data={"email": "delivery.lead@demo.okrapp", "password": "okrapp-demo"})
    assert response.location == "/"
    page = client.get("/my/key-results").data.decode()
    assert "Nordic Last Mile Oy" in page


def test_demo_refuses_production_config(database_url, tmp_path):
    prod = make_app(database_url, tmp_path, OKRAPP_DEMO_ALLOWED=False, OKRAPP_PRODUCTION=True,
                    OKRAPP_BASE_URL="https://okr.example.com", OKRAPP_MAIL_SENDER="okrapp@example.com",
                    OKRAPP_PROXY_HOPS=0)
    with prod.app_context():  # the test's own context belongs to the test app
        result = prod.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 2
    assert "not loaded under the production configuration" in result.output
    assert counts()[0] == 0


def test_users_create(runner):
    result = runner.invoke(args=["users", "create", "--email", "Eeva@Example.com", "--role", "board",
                                 "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("eeva@example.com", "board") and user.check_password("long enough pw")


def test_users_create_bad_input_exits_2_and_saves_nothing(runner):
    runner.invoke(args=["users", "create", "--email", "a@example.com", "--role", "board", "--password", "long enough pw"])
    cases = [
        (["--email", "b@example.com", "--role", "ceo", "--password", "long enough pw"], "'ceo' is not one of"),
        (["--email", "not-an-email", "--role", "board", "--password", "long enough pw"], "--email"),
        (["--email", "b@example.com", "--role", "board", "--password", "short"], "at least 10 characters"),
        (["--email", "a@example.com", "--role", "board", "--password", "long enough pw"], "already exists"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
    assert counts()[0] == 1


def test_console_script_runs_migrations_from_empty(tmp_path):
    """The installed `okrapp` entry point, as a user runs it, against a fresh SQLite file."""
    env = {"OKRAPP_INSTANCE_PATH": str(tmp_path), "OKRAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "PATH": "/usr/bin:/bin"}
    okrapp = [sys.executable, "-c", "from okrapp.__main__ import main; main()"]
    upgrade = subprocess.run([*okrapp, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    listing = subprocess.run([*okrapp, "users", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and listing.stdout == ""
    assert (tmp_path / "secret_key").exists()


def test_the_demo_agenda_shows_trends_since_the_last_review(runner):
    """The demo's closed review kept the scores of its week, so the next agenda has trends to show."""
    from okrapp.reviews.models import ReviewMeeting
    from okrapp.reviews.operations import generate_agenda
    assert runner.invoke(args=["demo"]).exit_code == 0
    upcoming = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                 .order_by(ReviewMeeting.starts_at))
    trends = [p["trend"] for p in generate_agenda(upcoming, persist=False)["priorities"]]
    assert trends and None not in trends
