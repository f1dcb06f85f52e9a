"""Every way the code writes renews the version of what it changed, in the same transaction; a
rolled-back change and the machinery's own writes renew nothing."""
import pytest
from sqlalchemy import delete, insert, select, update

from okrapp.core.caching import hooks
from okrapp.core.caching.models import CacheVersion
from okrapp.core.extensions import db
from okrapp.core.mail import queue
from okrapp.admin.models import Unit
from okrapp.incentives.models import Incentive
from okrapp.okrs import operations as okrs
from okrapp.okrs.models import CheckIn, Objective

from tests.factories import make_key_result, make_unit, make_user, metric


def tokens() -> dict:
    db.session.expire_all()
    return dict(db.session.execute(select(CacheVersion.name, CacheVersion.token)).all())


def renewed(before: dict) -> set:
    after = tokens()
    return {name for name in after if after[name] != before.get(name)}


@pytest.fixture
def kr():
    return make_key_result()


def test_an_orm_insert_renews_its_aggregate_only(kr):
    before = tokens()
    okrs.record_check_in(kr, 75, 7, "", kr.objective.created_by)
    db.session.commit()
    assert renewed(before) == {"okrs"}


def test_an_orm_update_and_delete_renew_it(kr):
    before = tokens()
    kr.title = "Renamed"
    db.session.commit()
    assert renewed(before) == {"okrs"}
    before = tokens()
    db.session.delete(db.session.get(type(kr), kr.id))
    db.session.commit()
    assert renewed(before) == {"okrs"}


@pytest.mark.parametrize("statement", ["update", "insert", "delete"])
def test_bulk_statements_through_the_session_renew_it(kr, statement):
    unit = make_unit()
    before = tokens()
    if statement == "update":
        db.session.execute(update(Objective).values(rank=Objective.rank + 1))
        expected = {"okrs"}
    elif statement == "insert":
        db.session.execute(insert(Incentive.__table__), [dict(
            unit_id=unit.id, name="Cheap installs", metric_id=metric("csat").id, direction="decrease", weight=0.5,
            target=None, period="", note="", source="import", active=True)])
        expected = {"incentives"}
    else:
        db.session.execute(delete(CheckIn))
        expected = {"okrs"}
    db.session.commit()
    assert renewed(before) == expected


def test_a_rolled_back_change_renews_nothing_and_leaves_nothing_pending(kr):
    before = tokens()
    kr.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    assert renewed(before) == set()
    assert hooks.PENDING not in db.session.info
    db.session.commit()  # an empty commit after it renews nothing either
    assert renewed(before) == set()


def test_a_role_or_unit_change_renews_people(kr):
    user = make_user("executive")
    before = tokens()
    user.role = "board"
    db.session.commit()
    assert renewed(before) == {"people"}
    before = tokens()
    make_unit(leaders=[user])
    assert "people" in renewed(before)


def test_the_machinery_renews_nothing(kr, login):
    user = make_user("executive")
    before = tokens()
    login(user).get("/dashboard")  # a login writes its session row and an auth event
    queue("cache-test", "x@example.com", "Subject", "Text")  # the outbox
    db.session.commit()
    assert renewed(before) == set()


def test_one_statement_renews_several_aggregates_together(kr):
    before = tokens()
    kr.title = "Renamed"
    db.session.add(Unit(name="Another", kind="business_unit", description=""))
    db.session.commit()
    changed = renewed(before)
    assert changed == {"okrs", "people"}
    after = tokens()
    assert after["okrs"] == after["people"]  # one token per transaction


def test_every_mapped_table_of_a_feature_belongs_to_an_aggregate():
    """A new table of a feature is covered without anyone remembering to list it."""
    from okrapp.core.caching.versions import AGGREGATES
    feature_tables = [t.name for t in db.metadata.sorted_tables if t.name not in (
        "user_sessions", "auth_events", "api_tokens", "login_throttles", "account_links", "account_events",
        "job_runs", "outbox_messages", "scheduler_state", "apscheduler_jobs", "cache_versions",
        # webhooks and chat channels: shown only on their own pages, which are not cached; a delivery written
        # every scheduler tick must not empty the cache
        "webhook_endpoints", "webhook_deliveries", "chat_channels")]
    unmapped = [name for name in feature_tables if hooks.aggregate_of_table(name) not in AGGREGATES]
    assert unmapped == []


def test_cache_clear_renews_every_version_and_empties_the_store(runner, kr, app):
    from okrapp.core.caching import store
    from okrapp.core.caching.versions import AGGREGATES
    store.put("page:left-over", "<html>")
    before = tokens()
    result = runner.invoke(args=["cache", "clear"])
    assert result.exit_code == 0 and "Page cache cleared" in result.output
    assert renewed(before) == set(AGGREGATES)
    assert store.get("page:left-over") is None


def test_a_calendar_apps_poll_renews_nothing_but_a_name_change_does(client, clock):
    """A calendar app polls the feed every few minutes and the poll notes when; no cached page shows that,
    so it must not empty every page's cache. A change people see on pages still does."""
    from okrapp.accounts import tokens as account_tokens
    user = make_user("executive")
    secret = account_tokens.new_calendar_link(user)
    db.session.commit()
    before = tokens()
    assert client.get(f"/calendar/{secret}.ics").status_code == 200
    assert renewed(before) == set()
    user = db.session.get(type(user), user.id)
    assert user.calendar_last_used_at is not None  # the poll was noted
    user.name = "Renamed"
    db.session.commit()
    assert renewed(before) == {"people"}
