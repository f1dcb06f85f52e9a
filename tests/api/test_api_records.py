"""Conflict items with their pairs and evidence, a review's agenda and decisions, and the board
archive, through the API with the pages' visibility."""
from datetime import datetime

import pytest
from sqlalchemy import select

from okrapp.accounts import tokens as api_tokens
from okrapp.board import operations as board
from okrapp.board.models import BoardSummary
from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.incentives.operations import save_incentive, save_link
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


def bearer(user):
    _, token = api_tokens.create_token(user, "records")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def org(clock):
    ceo = make_user("executive", name="Aino Virtanen")
    leader, outsider = make_user("unit_leader"), make_user("unit_leader")
    sales, north = make_unit("Equipment Sales", leaders=[leader]), make_unit("Sales North")
    care = make_unit("Customer Care")
    make_unit("Facilities", leaders=[outsider])
    objective = make_objective(make_cycle("2026 Q4"), title="Customers get what they ordered", by=ceo)
    make_key_result(objective, unit=care, metric_key="csat", baseline=70, target=85, by=ceo)
    for unit, weight in ((sales, 0.5), (north, 0.3)):
        save_incentive(None, unit=unit, name="Orders per sales rep", metric=metric("revenue"), direction="increase",
                       weight=weight, target=14, period="2026", note="", by=ceo)
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo, leader], anchor_on=clock.now.date())
    reviews.plan_meetings()
    db.session.commit()
    refresh_items()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    [item] = db.session.scalars(select(ConflictItem)).all()
    return dict(ceo=ceo, leader=leader, outsider=outsider, meeting=meeting, item=item)


def test_a_conflict_item_answers_with_its_evidence_and_pairs_to_those_who_may_open_it(client, org):
    item = org["item"]
    found = client.get(f"/api/v1/conflicts/{item.id}?per_page=1", headers=bearer(org["ceo"]))
    assert found.status_code == 200, found.json
    body = found.json
    assert body["blocks"] and "csat" in {body["blocks"][0]["a"].split(":")[1], body["blocks"][0]["b"].split(":")[1]}
    assert body["blocks"][0]["explanation"] and body["events"][0]["action"] == "detected"
    assert len(body["evidence"]) == 1 and body["evidence_total"] == 2 == int(found.headers["X-Total-Count"])
    assert 'rel="next"' in found.headers["Link"]
    second = client.get(f"/api/v1/conflicts/{item.id}?per_page=1&page=2", headers=bearer(org["ceo"])).json
    assert second["evidence"][0] != body["evidence"][0]
    assert body["evidence"][0]["severity"] >= second["evidence"][0]["severity"]  # worst first
    assert client.get(f"/api/v1/conflicts/{item.id}", headers=bearer(org["leader"])).status_code == 200
    assert client.get(f"/api/v1/conflicts/{item.id}", headers=bearer(org["outsider"])).status_code == 404
    for bad in ("0", "-1", "99999999999", "x"):
        assert client.get(f"/api/v1/conflicts/{bad}", headers=bearer(org["ceo"])).status_code == 404
    assert client.get(f"/api/v1/conflicts/{item.id}?per_page=100000",
                      headers=bearer(org["ceo"])).status_code == 422


def test_a_review_answers_with_its_agenda_and_the_decisions_recorded_in_it(client, org, login):
    meeting, item = org["meeting"], org["item"]
    client_ = login(org["ceo"])
    client_.post(f"/reviews/{meeting.id}/decisions", data={"kind": "action", "text": "Call the top ten customers",
                                                           "owner": org["ceo"].id, "settles": [item.id]})
    found = client.get(f"/api/v1/reviews/{meeting.id}", headers=bearer(org["ceo"]))
    assert found.status_code == 200, found.json
    body = found.json
    assert body["name"] == "Leadership review" and body["status"] == "scheduled"
    assert [c["id"] for c in body["agenda"]["conflicts"] + body["agenda"]["sent_to_review"]] == [item.id]
    assert body["agenda"]["priorities"][0]["title"] == "Customers get what they ordered"
    assert [d["text"] for d in body["decisions"]] == ["Call the top ten customers"]
    hidden = client.get(f"/api/v1/reviews/{meeting.id}", headers=bearer(org["outsider"])).json
    assert hidden["agenda"]["conflicts"] == [] and hidden["agenda"]["sent_to_review"] == []
    assert client.get("/api/v1/reviews/2147483647", headers=bearer(org["ceo"])).status_code == 404


def test_board_tokens_read_the_archive_as_sent(client, org, clock):
    clock.now = datetime(2026, 11, 2, 8, 0)
    board.snapshot("2026-10")
    db.session.commit()
    member = make_user("board")
    listed = client.get("/api/v1/board/summaries", headers=bearer(member))
    assert listed.status_code == 200 and listed.json["total"] == 1 == int(listed.headers["X-Total-Count"])
    [summary] = listed.json["items"]
    assert summary["period"] == "2026-10" and "October 2026" in summary["title"]
    one = client.get(f"/api/v1/board/summaries/{summary['id']}", headers=bearer(member)).json
    assert "objectives" in one["figures"] and one["text"] == db.session.get(BoardSummary, summary["id"]).text_body
    assert client.get("/api/v1/board/summaries", headers=bearer(org["leader"])).status_code == 403
    assert client.get("/api/v1/board/summaries/0", headers=bearer(member)).status_code == 404
