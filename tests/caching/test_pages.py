"""Cached pages: served again without recomputing, never stale after any kind of write, never one
viewer's page for another, per language and time zone, and answered 304 when the browser has them."""
import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event, select

from okrapp.accounts import people
from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.incentives.operations import save_incentive
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ANY_TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="[^"]+"')


@contextmanager
def queries():
    count = [0]

    def before(*args, **kwargs):
        count[0] += 1
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.data.decode()


def served_from_cache(client, url) -> bool:
    """Nothing but the session and the versions read: the page was not computed again."""
    with queries() as count:
        page(client, url)
    return count[0] <= 2


@pytest.fixture
def org():
    ceo = make_user("executive", name="Ceo Author")
    leader_a, leader_b = make_user("unit_leader", name="Leader Alpha"), make_user("unit_leader", name="Leader Beta")
    unit_a, unit_b = make_unit("Delivery", leaders=[leader_a]), make_unit("Sales", leaders=[leader_b])
    cycle = make_cycle("2026 Q4")
    first = make_objective(cycle, title="One smooth delivery", by=ceo)
    second = make_objective(cycle, title="Customers recommend us", by=ceo)
    kr_a = make_key_result(first, unit=unit_a, by=ceo)
    kr_b = make_key_result(second, unit=unit_b, by=ceo)
    db.session.execute(db.update(KeyResult).where(KeyResult.id == kr_a.id).values(title="Alpha result"))
    db.session.execute(db.update(KeyResult).where(KeyResult.id == kr_b.id).values(title="Beta result"))
    db.session.commit()
    return dict(ceo=ceo, leader_a=leader_a, leader_b=leader_b, unit_a=unit_a, unit_b=unit_b, cycle=cycle,
                first=first, second=second, kr_a=kr_a, kr_b=kr_b)


def test_a_repeat_request_is_served_from_the_cache(org, login):
    client = login(org["ceo"])
    for url in ("/dashboard", f"/key-results/{org['kr_a'].id}", "/objectives", f"/objectives/{org['first'].id}",
                f"/units/{org['unit_a'].id}", "/conflicts"):
        first = page(client, url)
        assert served_from_cache(client, url), url
        assert ANY_TOKEN.sub("", page(client, url)) == ANY_TOKEN.sub("", first)  # each response signs its token anew


def test_a_check_in_shows_on_the_next_request(org, login):
    leader, kr = login(org["leader_a"]), org["kr_a"]
    executive = login(org["ceo"])
    for client, url in ((leader, f"/key-results/{kr.id}"), (leader, "/my/key-results"), (executive, "/dashboard")):
        page(client, url)
        assert served_from_cache(client, url)
    response = leader.post(f"/key-results/{kr.id}/check-in", data={"value": 74, "confidence": 8,
                                                                    "comment": "Weekly count in", "version": kr.version})
    assert response.status_code == 302
    assert "Weekly count in" in page(leader, f"/key-results/{kr.id}")
    assert "74" in page(leader, "/my/key-results")
    assert not served_from_cache(executive, "/dashboard")


def test_a_correction_shows_on_the_next_request(org, login, clock):
    kr = org["kr_a"]
    executive = login(org["ceo"])
    executive.post(f"/key-results/{kr.id}/check-in", data={"value": 74, "confidence": 8, "version": kr.version})
    url = f"/key-results/{kr.id}"
    assert "Decimal point lost" not in page(executive, url)  # shows the flash: neither served nor kept
    assert "Decimal point lost" not in page(executive, url)
    assert served_from_cache(executive, url)
    wrong = db.session.scalar(select(CheckIn).where(CheckIn.key_result_id == kr.id))
    clock.advance(hours=1)
    db.session.expire_all()
    response = executive.post(f"/check-ins/{wrong.id}/correct", data={
        "value": "75", "reason": "Decimal point lost", "confirm": "y",  # a move of the company score: confirmed
        "version": db.session.get(KeyResult, kr.id).version})
    assert response.status_code == 302, response.data
    assert "Decimal point lost" in page(executive, url)


def test_a_re_rank_shows_on_the_next_request(org, login):
    executive = login(org["ceo"])
    before = page(executive, "/objectives")
    assert before.index("One smooth delivery") < before.index("Customers recommend us")
    assert served_from_cache(executive, "/objectives")
    assert executive.post(f"/objectives/{org['second'].id}/rank", data={"rank": 1}).status_code == 302
    after = page(executive, "/objectives")
    assert after.index("Customers recommend us") < after.index("One smooth delivery")


def test_a_decision_and_a_review_re_rank_show_on_the_review_page(org, login):
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=org["ceo"],
                          participants=[org["ceo"]], anchor_on=datetime(2026, 11, 16).date())
    reviews.plan_meetings()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    executive, url = login(org["ceo"]), f"/reviews/{meeting.id}"
    assert "Pilot one contact person" not in page(executive, url)
    assert served_from_cache(executive, url)
    executive.post(f"{url}/decisions", data={"kind": "note", "text": "Pilot one contact person"})
    assert "Pilot one contact person" in page(executive, url)  # with the flash: not kept
    page(executive, url)
    assert served_from_cache(executive, url)
    assert executive.post(f"{url}/rank", data={"objective": org["second"].id, "rank": 1}).status_code == 302
    assert not served_from_cache(executive, url)


def test_a_finished_scan_shows_on_the_conflicts_page(org, login):
    executive = login(org["ceo"])
    save_incentive(None, unit=org["unit_a"], name="Cheap installs", metric=metric("csat"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=org["ceo"])
    db.session.commit()
    before = page(executive, "/conflicts")
    assert served_from_cache(executive, "/conflicts")
    refresh_items()
    db.session.commit()
    assert page(executive, "/conflicts") != before


def test_a_sent_summary_shows_in_the_board_archive(org, login):
    admin, member = login(make_user("admin")), login(make_user("board"))
    before = page(member, "/board")
    assert served_from_cache(member, "/board")
    assert admin.post("/board/send", data={"period": "2026-10"}).status_code == 302
    after = page(member, "/board")
    assert after != before and "October 2026" in after
    summary = re.search(r'href="(/board/summaries/\d+)"', after).group(1)
    assert "October 2026" in page(member, summary)
    assert served_from_cache(member, summary)  # the archive's summaries are rendered once


def test_the_viewers_role_and_units_change_their_page(org, login):
    leader = login(org["leader_a"])
    mine = page(leader, "/my/key-results")
    assert "Alpha result" in mine and "Beta result" not in mine
    assert served_from_cache(leader, "/my/key-results")
    people.update_user(org["leader_a"], "Leader Alpha", "unit_leader", True, units=[org["unit_a"], org["unit_b"]])
    db.session.commit()
    assert "Beta result" in page(leader, "/my/key-results")
    executive = login(org["ceo"])
    as_executive = page(executive, "/objectives")
    people.update_user(org["ceo"], "Ceo Author", "board", True)
    db.session.commit()  # a role change ends the person's sessions; the next one sees the board's page
    assert page(login(org["ceo"]), "/objectives") != as_executive


def test_two_viewers_with_different_units_never_see_each_others_page(org, login):
    alpha, beta = login(org["leader_a"]), login(org["leader_b"])
    for _ in range(2):  # the second round from the cache
        a, b = page(alpha, "/my/key-results"), page(beta, "/my/key-results")
        assert "Alpha result" in a and "Beta result" not in a
        assert "Beta result" in b and "Alpha result" not in b
    board = login(make_user("board", name="Board Member"))
    executive = login(org["ceo"])
    page(executive, "/objectives")
    assert page(board, "/objectives") != page(executive, "/objectives")


def test_the_name_and_csrf_token_are_the_sessions_own(org, login):
    first = login(make_user("executive", name="Aino Virtanen"))
    second = login(make_user("executive", name="Juha Heikkinen"))
    kr = org["kr_a"]
    url = f"/key-results/{kr.id}"
    mine = page(first, url)
    assert served_from_cache(second, url)
    theirs = page(second, url)
    assert "Aino Virtanen" in mine and "Juha Heikkinen" not in mine
    assert "Juha Heikkinen" in theirs and "Aino Virtanen" not in theirs
    assert "\ue000" not in theirs
    token = TOKEN.search(theirs).group(1)
    assert token != TOKEN.search(mine).group(1)
    assert second.post(f"{url}/check-in", data={"value": 74, "confidence": 8, "version": kr.version,
                                                 "csrf_token": token}).status_code == 302
    assert first.post(f"{url}/check-in", data={"value": 75, "confidence": 8, "version": kr.version + 1,
                                                "csrf_token": token}).status_code == 400  # not theirs


def test_language_is_in_the_key(org, login):
    client = login(org["ceo"])
    assert '<html lang="en">' in page(client, "/dashboard")
    client.post("/language", data={"locale": "fi", "next": "/dashboard"})
    assert '<html lang="fi">' in page(client, "/dashboard")
    client.post("/language", data={"locale": "en", "next": "/dashboard"})
    assert '<html lang="en">' in page(client, "/dashboard")


def test_time_zone_is_in_the_key(org, login, clock, app):
    kr = org["kr_a"]
    clock.now = datetime(2026, 11, 2, 22, 30)  # 00:30 the next day in Helsinki
    client = login(org["ceo"])
    client.post(f"/key-results/{kr.id}/check-in", data={"value": 74, "confidence": 8, "version": kr.version})
    url = f"/key-results/{kr.id}"
    assert "00:30" in page(client, url)
    app.config["OKRAPP_TIMEZONE"] = "UTC"
    try:
        shown = page(client, url)
        assert "22:30" in shown and "00:30" not in shown
    finally:
        app.config["OKRAPP_TIMEZONE"] = "Europe/Helsinki"


def test_a_repeat_visit_answers_304_without_a_body(org, login):
    client = login(org["ceo"])
    first = client.get("/dashboard")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get("/dashboard", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    make_key_result(org["first"], unit=org["unit_a"], by=org["ceo"])  # a change: the tag no longer matches
    changed = client.get("/dashboard", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    star = client.get("/dashboard", headers={"If-None-Match": "*"})  # names no version: the page itself
    assert star.status_code == 200 and b"<html" in star.data


def test_another_session_or_a_flashed_message_breaks_the_304(org, login):
    client, other = login(org["ceo"]), login(org["ceo"])
    tag = client.get("/dashboard").headers["ETag"]
    assert other.get("/dashboard", headers={"If-None-Match": tag}).status_code == 200  # its own CSRF secret
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Check-in saved.")]
    flashed = client.get("/dashboard", headers={"If-None-Match": tag})
    assert flashed.status_code == 200 and "Check-in saved." in flashed.data.decode()
    assert "Check-in saved." not in page(client, "/dashboard")  # the flash was not kept in the cache
    assert "Check-in saved." not in page(other, "/dashboard")


def test_static_assets_are_fingerprinted_and_kept_a_year(org, login):
    html = page(login(org["ceo"]), "/dashboard")
    href = re.search(r'href="(/static/style\.css\?v=[0-9a-f]+)"', html).group(1)
    client = login(org["ceo"])
    fingerprinted = client.get(href)
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in client.get("/static/style.css?v=stale").headers.get("Cache-Control", "")


def test_logging_out_tells_the_browser_to_drop_kept_pages(org, login):
    client = login(org["ceo"])
    assert client.get("/dashboard").headers["Cache-Control"] == "private, no-cache"
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache"'
