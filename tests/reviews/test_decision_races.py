"""Decisions, closing and refreshes that meet in time: whatever changed a record since the request
loaded it (another executive, the scheduler's conflict refresh, a second close) makes the late
request answer 409 and write nothing."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem, ConflictItemEvent
from okrapp.okrs.models import KeyResult, TargetChange
from okrapp.core.models import OutboxMessage
from okrapp.reviews.models import ReviewDecision, ReviewMeeting
from okrapp.reviews import decisions, operations as reviews
from okrapp.conflicts.operations import act_on_item

from tests.conftest import make_app
from tests.reviews.test_decisions import decide, fresh, org  # noqa: F401  (the fixture)


def meanwhile(monkeypatch, target, name, sql, **params):
    """Run sql on a connection of its own, committed, just before target.name runs in the request:
    another process got there first."""
    original = getattr(target, name)

    def late(*args, **kwargs):
        with db.engine.begin() as conn:
            conn.execute(text(sql), params)
        return original(*args, **kwargs)
    monkeypatch.setattr(target, name, late)


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_decision_on_a_conflict_the_scan_rewrote_meanwhile_is_refused_with_409(org, login, monkeypatch):
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    meanwhile(monkeypatch, decisions, "record",
              "UPDATE conflict_items SET version = version + 1, severity = 0.5 WHERE id = :id", id=item.id)
    response = decide(client, org["meeting"], kind="resolve_conflict", items=item.id, text="Settled")
    assert response.status_code == 409 and "updated meanwhile" in response.data.decode()
    assert count(ReviewDecision) == 0
    item = fresh(ConflictItem, item.id)
    assert (item.status, item.settled_by_id, item.severity) == ("open", None, 0.5)


def test_a_target_change_on_a_key_result_saved_meanwhile_is_refused_with_409(org, login, monkeypatch):
    client = login(org["ceo"])
    meanwhile(monkeypatch, decisions, "record",
              "UPDATE key_results SET version = version + 1, target = 88 WHERE id = :id", id=org["kr"].id)
    response = decide(client, org["meeting"], kind="change_target", key_result=org["kr"].id, new_target="90",
                      text="Partner delivers")
    assert response.status_code == 409
    assert count(ReviewDecision) == 0 and count(TargetChange) == 0
    assert fresh(KeyResult, org["kr"].id).target == 88


def test_a_decision_in_a_review_closed_meanwhile_is_refused_with_409(org, login, monkeypatch):
    client = login(org["ceo"])
    meanwhile(monkeypatch, decisions, "record",
              "UPDATE review_meetings SET status = 'closed' WHERE id = :id", id=org["meeting"].id)
    response = decide(client, org["meeting"], kind="note", text="Too late")
    assert response.status_code == 409 and "closed" in response.data.decode()
    assert count(ReviewDecision) == 0


def test_closing_a_review_closed_meanwhile_is_refused_with_409_and_keeps_the_first_close(org, login, monkeypatch,
                                                                                        clock):
    [item] = db.session.scalars(select(ConflictItem)).all()
    meeting = org["meeting"]
    act_on_item(item, "review", org["ceo"], meeting=meeting)
    db.session.commit()
    clock.now = meeting.starts_at + timedelta(hours=1)
    client = login(org["ceo"])
    meanwhile(monkeypatch, reviews, "close_meeting",
              "UPDATE review_meetings SET status = 'closed', closed_by_id = :by WHERE id = :id",
              id=meeting.id, by=org["leader"].id)
    response = client.post(f"/reviews/{meeting.id}/close")
    assert response.status_code == 409
    meeting = fresh(ReviewMeeting, meeting.id)
    assert (meeting.status, meeting.closed_by_id) == ("closed", org["leader"].id)
    assert count(OutboxMessage.__table__.select().where(OutboxMessage.category == "minutes").subquery()) == 0
    assert count(ConflictItemEvent.__table__.select().where(ConflictItemEvent.action == "carried_over").subquery()) == 0


def test_a_decision_in_a_review_cancelled_or_closed_before_is_refused(org, login, clock):
    client = login(org["ceo"])
    meeting = org["meeting"]
    assert client.post(f"/reviews/{meeting.id}/cancel").status_code == 302
    response = decide(client, meeting, kind="note", text="After the cancellation")
    assert response.status_code in (409, 422) and "cancelled" in response.data.decode()
    assert client.post(f"/reviews/{meeting.id}/close", data={"early_reason": "x"}).status_code in (409, 422)
    assert fresh(ReviewMeeting, meeting.id).status == "cancelled" and count(ReviewDecision) == 0


def _together(requests):
    """Run each (client, path, data) in a thread of its own at the same moment; their status codes."""
    barrier, results = threading.Barrier(len(requests)), [None] * len(requests)

    def run(index):
        client, path, data = requests[index]
        barrier.wait()
        results[index] = client.post(path, data=data).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def second_app(app, database_url, tmp_path, clock):
    other = make_app(database_url, tmp_path, OKRAPP_CLOCK=clock)
    yield other
    with other.app_context():
        db.engine.dispose()


def _client_for(application, user):
    from tests.factories import PASSWORD
    client = application.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("attempt", range(3))
def test_two_executives_settling_one_conflict_at_once_record_whole_decisions_one_after_the_other(org, second_app, app, attempt):
    from tests.factories import make_user
    [item] = db.session.scalars(select(ConflictItem)).all()
    events_before = len(item.events)
    other = make_user("executive", name="Eero Exec", email="eero@example.com")
    db.session.commit()
    path = f"/reviews/{org['meeting'].id}/decisions"
    statuses = _together([
        (_client_for(app, org["ceo"]), path, {"kind": "resolve_conflict", "items": item.id, "text": "Ours"}),
        (_client_for(second_app, other), path, {"kind": "accept_tradeoff", "items": item.id, "text": "Theirs"})])
    assert 302 in statuses and set(statuses) <= {302, 409, 422}, statuses
    db.session.expire_all()
    made = db.session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)).all()
    assert len(made) == statuses.count(302)  # a refused one wrote nothing
    item = fresh(ConflictItem, item.id)
    # one after the other (a later decision may reverse an earlier one), each kept in the history
    assert item.settled_by_id == made[-1].id and len(item.events) == events_before + len(made)
    assert {i.id for d in made for i in d.settles} == {item.id}


@pytest.mark.parametrize("attempt", range(3))
def test_closing_a_review_twice_at_once_closes_it_once(org, second_app, app, clock, attempt):
    meeting = org["meeting"]
    clock.now = meeting.starts_at + timedelta(hours=1)
    path = f"/reviews/{meeting.id}/close"
    statuses = _together([(_client_for(app, org["ceo"]), path, {}), (_client_for(second_app, org["ceo"]), path, {})])
    assert sorted(statuses)[0] == 302 and sorted(statuses)[1] in (409, 422), statuses
    minutes = count(OutboxMessage.__table__.select().where(OutboxMessage.category == "minutes").subquery())
    assert minutes == 2  # one per participant, once


@pytest.mark.parametrize("attempt", range(3))
def test_a_decision_and_a_close_at_once_either_make_the_minutes_or_are_refused(org, second_app, app, clock, attempt):
    meeting = org["meeting"]
    clock.now = meeting.starts_at + timedelta(hours=1)
    statuses = _together([
        (_client_for(app, org["ceo"]), f"/reviews/{meeting.id}/decisions", {"kind": "note", "text": "Last word"}),
        (_client_for(second_app, org["ceo"]), f"/reviews/{meeting.id}/close", {})])
    assert statuses[1] == 302, statuses
    db.session.expire_all()
    minutes = db.session.scalars(select(OutboxMessage).where(OutboxMessage.category == "minutes")).all()
    if statuses[0] == 302:  # recorded first: the minutes carry it
        assert count(ReviewDecision) == 1 and all("Last word" in m.text_body for m in minutes)
    else:
        assert statuses[0] in (409, 422) and count(ReviewDecision) == 0


def test_a_refresh_that_meets_a_decision_keeps_the_decision_and_catches_up(org, login, monkeypatch):
    """The scheduler's refresh loaded the items; a decision settles one before the refresh writes: the
    refresh writes nothing (the decision stays whole) and a later refresh brings the items up to date."""
    from okrapp.core.background import jobs
    from okrapp.conflicts import operations as conflicts
    from okrapp.conflicts.operations import request_refresh
    [item] = db.session.scalars(select(ConflictItem)).all()
    severity = item.severity
    db.session.execute(text("UPDATE metric_links SET strength = 0.9"))  # the scan will rewrite the item
    request_refresh()
    db.session.commit()
    client = login(org["ceo"])
    original, calls = conflicts._describe, []

    def describe_after_a_decision(record, *args, **kwargs):
        if not calls:  # the executive's decision commits while the refresh is half way
            assert decide(client, org["meeting"], kind="resolve_conflict", items=item.id,
                          text="Settled in the review").status_code == 302
        calls.append(record.id)
        return original(record, *args, **kwargs)
    monkeypatch.setattr(conflicts, "_describe", describe_after_a_decision)
    db.session.expire_all()
    jobs.tick()  # its daily refresh meets the decision, writes nothing and is retried; the pending one catches up
    item = fresh(ConflictItem, item.id)
    decision = db.session.scalar(select(ReviewDecision))
    assert (item.status, item.settled_by_id, item.present) == ("resolved", decision.id, True)
    assert item.severity > severity and not conflicts.current_scan_state().pending
    assert [e.action for e in item.events].count("resolve") == 1
