"""Restore drill: a backup taken while the app holds data restores to exactly that data, into the
same database after changes or into an empty one, and the app works on it (ids keep counting)."""
import gzip
import json

from flask_migrate import upgrade
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn
from okrapp.core.models import OutboxMessage
from okrapp.accounts.models import User
from okrapp.okrs.operations import record_check_in

from tests.conftest import make_app
from tests.factories import PASSWORD, make_cycle, make_key_result, make_objective, make_unit, make_user
from okrapp.core import mail


def build_data():
    ceo = make_user("executive", email="ceo@example.com")
    leader = make_user("unit_leader", email="lead@example.com")
    unit = make_unit("Delivery", leaders=[leader])
    kr = make_key_result(make_objective(make_cycle("2026 Q4"), by=ceo), unit=unit, by=ceo)
    record_check_in(kr, 74.5, 7, "Better week", leader)
    mail.queue("drill:1", "board@example.com", "Hello", "Body ✓", "<p>Body</p>")
    db.session.commit()
    return kr


def fingerprint():
    """Every row of every table, in a comparable form; but the page cache's versions, which a restore
    renews on purpose (no page kept before it may be served after it)."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in db.metadata.sorted_tables
                if t.name != "cache_versions"}


def test_restore_drill_brings_back_exactly_what_was_backed_up(runner, tmp_path, login):
    kr = build_data()
    before = fingerprint()
    file = tmp_path / "drill.jsonl.gz"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    db.session.scalar(select(CheckIn)).comment = "changed after the backup"
    db.session.delete(db.session.scalar(select(OutboxMessage)))
    make_user("admin", email="after@example.com")
    db.session.commit()
    refused = runner.invoke(args=["restore", str(file)])
    assert refused.exit_code == 2 and "--force" in refused.output and fingerprint() != before
    result = runner.invoke(args=["restore", str(file), "--force"])
    assert result.exit_code == 0, result.output
    assert fingerprint() == before
    leader = db.session.scalar(select(User).where(User.email == "lead@example.com"))
    assert login(leader, PASSWORD).get("/").status_code in (200, 302)  # the restored password works
    record_check_in(db.session.get(type(kr), kr.id), 76, 7, "after the restore", leader)  # ids go on counting
    db.session.commit()
    assert db.session.scalar(select(CheckIn).where(CheckIn.comment == "after the restore")).id > 1


def test_a_backup_restores_into_an_empty_database(runner, tmp_path):
    build_data()
    before = fingerprint()
    file = tmp_path / "move.jsonl.gz"
    runner.invoke(args=["backup", str(file)])
    empty = make_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    with empty.app_context():
        upgrade()
        result = empty.test_cli_runner().invoke(args=["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert fingerprint() == before
        db.engine.dispose()


def test_restore_refuses_what_it_cannot_restore_and_changes_nothing(runner, tmp_path):
    build_data()
    before = fingerprint()
    file = tmp_path / "b.jsonl.gz"
    runner.invoke(args=["backup", str(file)])
    lines = gzip.open(file, "rt").read().splitlines()
    header = json.loads(lines[0])
    header["revision"] = "0000older"
    other = tmp_path / "other.jsonl.gz"
    with gzip.open(other, "wt") as out:
        out.write("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    result = runner.invoke(args=["restore", str(other), "--force"])
    assert result.exit_code == 2 and "revision 0000older" in result.output
    not_a_backup = tmp_path / "x.gz"
    not_a_backup.write_text("hello")
    assert runner.invoke(args=["restore", str(not_a_backup), "--force"]).exit_code == 2
    assert fingerprint() == before
