"""Review schedules, invitations (.ics), reminders, agenda, the review page and minutes."""
import json
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.okrs.models import Objective, RankChange
from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule
from okrapp.conflicts.operations import refresh_items
from okrapp.reviews import operations as reviews
from okrapp.reviews import planning
from okrapp.incentives.operations import save_incentive
from okrapp.okrs.operations import record_check_in

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def team():
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    cfo = make_user("executive", name="Juha Heikkinen", email="cfo@example.com")
    leader = make_user("unit_leader", name="Laura Mäkinen", email="laura@example.com")
    unit = make_unit("Delivery", leaders=[leader])
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, title="One smooth delivery", by=ceo)
    second = make_objective(cycle, title="Customers recommend us", by=ceo)
    kr = make_key_result(objective, unit=unit, by=ceo)
    return dict(ceo=ceo, cfo=cfo, leader=leader, unit=unit, cycle=cycle, objective=objective, second=second, kr=kr)


def schedule_for(team, **overrides):
    fields = dict(name="Leadership review", cadence="biweekly", weekday=3, time_of_day="09:00",
                  timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=team["ceo"],
                  participants=[team["ceo"], team["cfo"], team["leader"]], anchor_on=date(2026, 11, 16))
    fields.update(overrides)
    schedule = reviews.save_schedule(None, **fields)
    db.session.commit()
    return schedule


def invitations(smtp, address):
    found = []
    for message in smtp.to(address):
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append((message, Calendar.from_ical(part.get_content())))
    return found


def the_event(calendar):
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return event


def test_schedule_page_plans_meetings_and_invites_with_ics(login, team, smtp):
    response = login(team["ceo"]).post("/reviews/schedules/new", data={
        "name": "Leadership review", "cadence": "biweekly", "weekday": 3, "time_of_day": "09:00",
        "timezone": "Europe/Helsinki", "duration_minutes": 60, "reminder_days": 2, "anchor_on": "2026-11-16",
        "chair": team["ceo"].id, "participants": [team["ceo"].id, team["cfo"].id, team["leader"].id]})
    assert response.status_code == 302
    assert smtp.messages == []  # the request only queued them
    mail.deliver_pending()  # what the scheduler process does within seconds
    meetings = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()
    # Thursdays 19 Nov, 3 Dec, 17 Dec, 31 Dec, 14 Jan at 09:00 Helsinki (EET, UTC+2) within eight weeks
    assert [m.starts_at for m in meetings][:3] == [datetime(2026, 11, 19, 7), datetime(2026, 12, 3, 7),
                                                   datetime(2026, 12, 17, 7)]
    sent = invitations(smtp, "cfo@example.com")
    assert len(sent) == len(meetings)
    message, calendar = sent[0]
    assert message["Subject"] == "Invitation: Leadership review, Thu 19 Nov 2026, 09:00"
    assert str(calendar["method"]) == "REQUEST"
    event = the_event(calendar)
    assert str(event["uid"]) == meetings[0].uid and int(event["sequence"]) == 0
    assert event["dtstart"].params["TZID"] == "Europe/Helsinki"
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 11, 19, 9, 0)
    assert [c for c in calendar.walk() if c.name == "VTIMEZONE"][0]["tzid"] == "Europe/Helsinki"
    assert {str(a) for a in event["attendee"]} == {"mailto:ceo@example.com", "mailto:cfo@example.com",
                                                   "mailto:laura@example.com"}
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None


def test_local_time_holds_across_daylight_saving(team):
    schedule = schedule_for(team, cadence="weekly", anchor_on=date(2027, 3, 20))
    from okrapp.domain.recurrence import occurrences
    starts = occurrences(planning.rule_of(schedule), datetime(2027, 3, 20), datetime(2027, 4, 3))
    assert starts == [datetime(2027, 3, 25, 7), datetime(2027, 4, 1, 6)]  # EET then EEST, both 09:00 local


def test_moving_and_cancelling_reuse_the_uid_with_a_new_sequence(login, team, smtp):
    schedule_for(team)
    reviews.plan_meetings()
    db.session.commit()
    mail.deliver_pending()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    client = login(team["ceo"])
    assert client.post(f"/reviews/{meeting.id}/move", data={"day": "2026-11-20", "at": "13:30"}).status_code == 302
    assert client.post(f"/reviews/{meeting.id}/cancel").status_code == 302
    mail.deliver_pending()
    events = [(str(cal["method"]), the_event(cal)) for _, cal in invitations(smtp, "laura@example.com")
              if str(the_event(cal)["uid"]) == meeting.uid]
    assert [(method, int(e["sequence"]), str(e["status"])) for method, e in events] == [
        ("REQUEST", 0, "CONFIRMED"), ("REQUEST", 1, "CONFIRMED"), ("CANCEL", 2, "CANCELLED")]
    assert events[1][1].decoded("dtstart").replace(tzinfo=None) == datetime(2026, 11, 20, 13, 30)


def test_invalid_schedule_input_is_refused(login, team):
    client = login(team["ceo"])
    base = {"name": "R", "cadence": "cron", "weekday": 3, "time_of_day": "09:00", "timezone": "Europe/Helsinki",
            "duration_minutes": 60, "reminder_days": 2, "anchor_on": "2026-11-16", "chair": team["ceo"].id}
    bad_cron = client.post("/reviews/schedules/new", data={**base, "cron": "61 9 * * thu"})
    assert bad_cron.status_code == 422 and "Not a valid cron rule" in bad_cron.data.decode()
    bad_zone = client.post("/reviews/schedules/new", data={**base, "cadence": "weekly", "timezone": "Mars/Olympus"})
    assert "Unknown time zone" in bad_zone.data.decode()
    bad_time = client.post("/reviews/schedules/new", data={**base, "cadence": "weekly", "time_of_day": "9am"})
    assert "Time must look like 09:00" in bad_time.data.decode()
    assert db.session.scalar(select(func.count()).select_from(ReviewMeeting)) == 0


def test_every_wrong_schedule_setting_is_named_at_once(login, team):
    client = login(team["ceo"])
    page = client.post("/reviews/schedules/new", data={
        "name": "R", "cadence": "weekly", "weekday": 3, "time_of_day": "25:99", "timezone": "Mars/Olympus",
        "duration_minutes": 100000, "reminder_days": 99, "anchor_on": "2026-11-16", "chair": team["ceo"].id})
    text = page.data.decode()
    assert page.status_code == 422
    for message in ("Time must look like 09:00", "Unknown time zone", "A review lasts between 5 minutes and 8 hours",
                    "Between 0 and 14 days"):
        assert message in text, message
    assert db.session.scalar(select(func.count()).select_from(ReviewSchedule)) == 0


def test_cron_schedule(team):
    schedule = schedule_for(team, cadence="cron", cron="30 8 * * mon")
    from okrapp.domain.recurrence import occurrences
    starts = occurrences(planning.rule_of(schedule), datetime(2026, 11, 16), datetime(2026, 11, 30, 12))
    assert starts == [datetime(2026, 11, 16, 6, 30), datetime(2026, 11, 23, 6, 30), datetime(2026, 11, 30, 6, 30)]


def test_reminders_list_stale_key_results_and_are_sent_once(runner, team, smtp, clock):
    schedule_for(team)
    reviews.plan_meetings()
    db.session.commit()
    clock.now = datetime(2026, 11, 17, 8, 0)  # two days before the 19 Nov review
    result = runner.invoke(args=["reviews", "remind", "--due"])
    assert result.exit_code == 0, result.output
    [reminder] = [m for m in smtp.to("laura@example.com") if m["Subject"].startswith("Check in")]
    assert team["kr"].title in reminder.get_body(("plain",)).get_content()
    assert "already sent" in runner.invoke(args=["reviews", "remind", "--due"]).output
    assert len([m for m in smtp.to("laura@example.com") if m["Subject"].startswith("Check in")]) == 1


def test_a_closed_review_keeps_every_objective_score_not_only_the_listed_priorities(team, clock, monkeypatch):
    from okrapp.reviews import rules as agenda_rules
    monkeypatch.setattr(agenda_rules, "MAX_PRIORITIES", 1)  # the agenda lists one priority
    schedule_for(team)
    reviews.plan_meetings()
    first = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    clock.now = first.starts_at + timedelta(hours=1)
    reviews.close_meeting(first, team["ceo"])
    objectives = db.session.scalars(select(Objective)).all()
    assert len(objectives) >= 2
    assert json.loads(first.scores) == {str(o.id): o.score for o in objectives}


def test_leader_who_checked_in_gets_no_reminder(team, smtp, clock):
    schedule_for(team)
    reviews.plan_meetings()
    record_check_in(team["kr"], 75, 7, "", team["leader"])
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    assert reviews.send_reminders(meeting) == 0


def test_agenda_shows_what_changed_since_the_last_review(login, team, clock):
    schedule_for(team)
    reviews.plan_meetings()
    first, second = db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at)).all()[:2]
    record_check_in(team["kr"], 71, 8, "", team["leader"])
    reviews.add_decision(first, kind="action", text="Call the partner", by=team["ceo"], owner=team["leader"],
                         due_on=date(2026, 11, 25))
    clock.now = first.starts_at + timedelta(hours=1)
    reviews.close_meeting(first, team["ceo"])
    clock.now = first.starts_at + timedelta(days=5)
    record_check_in(team["kr"], 71.5, 4, "Partner short of trucks", team["leader"])  # confidence 8 -> 4
    save_incentive(None, unit=team["unit"], name="Cheap installs", metric=metric("csat"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=team["ceo"])
    db.session.commit()
    refresh_items()
    agenda = reviews.generate_agenda(second)
    db.session.commit()
    assert [p["title"] for p in agenda["priorities"]] == ["One smooth delivery", "Customers recommend us"]
    assert agenda["priorities"][0]["trend"] == pytest.approx(0.05)
    assert [k["title"] for k in agenda["confidence_drops"]] == [team["kr"].title]
    assert [(c["title"], c["level"], c["new"]) for c in agenda["conflicts"]] == [("Cheap installs ↓", "high", True)]
    assert [(a["text"], a["overdue"]) for a in agenda["open_actions"]] == [("Call the partner", False)]
    assert agenda["stale"] == []  # checked in since the last review
    page = login(team["cfo"]).get(f"/reviews/{second.id}").data.decode()
    assert "Call the partner" in page and "Cheap installs" in page


def test_review_page_reranks_records_decisions_and_sends_minutes(login, team, smtp):
    schedule_for(team)
    reviews.plan_meetings()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    client = login(team["ceo"])
    assert client.post(f"/reviews/{meeting.id}/rank", data={"objective": team["second"].id, "rank": 1}).status_code == 302
    changes = db.session.scalars(select(RankChange).where(RankChange.meeting_id == meeting.id)).all()
    assert sorted((c.objective.title, c.old_rank, c.new_rank) for c in changes) == [
        ("Customers recommend us", 2, 1), ("One smooth delivery", 1, 2)]
    missing_owner = client.post(f"/reviews/{meeting.id}/decisions", data={"kind": "action", "text": "Do it"})
    assert missing_owner.status_code == 422 and "An action needs an owner." in missing_owner.data.decode()
    client.post(f"/reviews/{meeting.id}/decisions", data={"kind": "action", "text": "Share KR with the partner",
                                                         "owner": team["leader"].id, "due_on": "2026-12-01"})
    client.post(f"/reviews/{meeting.id}/decisions", data={"kind": "note", "text": "One contact person pilot"})
    early = client.post(f"/reviews/{meeting.id}/close")
    assert early.status_code == 422 and "To close it early, say why" in early.data.decode()
    mail.deliver_pending()
    assert not [m for m in smtp.messages if m[1]["Subject"].startswith("Minutes")]
    assert client.post(f"/reviews/{meeting.id}/close", data={"early_reason": "Decided by mail"}).status_code == 302
    mail.deliver_pending()
    minutes = [m for m in smtp.to("cfo@example.com") if m["Subject"].startswith("Minutes")]
    assert len(minutes) == 1
    text = minutes[0].get_body(("plain",)).get_content()
    html = minutes[0].get_body(("html",)).get_content()
    assert "1. Customers recommend us" in text and "Share KR with the partner — Laura Mäkinen, due 1 Dec 2026" in text
    assert "One contact person pilot" in html and "Closed before its start: Decided by mail" in text
    late = client.post(f"/reviews/{meeting.id}/decisions", data={"kind": "note", "text": "Too late"},
                       follow_redirects=True)
    assert "closed; nothing can be changed" in late.data.decode()
    assert db.session.scalar(select(func.count()).select_from(ReviewDecision)) == 2


def test_resolving_a_conflict_in_the_review(login, team):
    schedule_for(team)
    reviews.plan_meetings()
    save_incentive(None, unit=team["unit"], name="Cheap installs", metric=metric("csat"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=team["ceo"])
    refresh_items()
    db.session.commit()
    from okrapp.conflicts.models import ConflictItem
    item = db.session.scalar(select(ConflictItem))
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    login(team["ceo"]).post(f"/reviews/{meeting.id}/decisions", data={
        "kind": "resolve_conflict", "text": "Install bonus retired", "items": item.id})
    db.session.refresh(item)
    assert (item.status, item.note) == ("resolved", "Install bonus retired")
    assert item.settled_by.text == "Install bonus retired" and item.settlement == "still_detected"


def test_only_executives_run_reviews(login, team):
    schedule_for(team)
    reviews.plan_meetings()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    for user in (team["leader"], make_user("board"), make_user("admin")):
        client = login(user)
        for url, data in [(f"/reviews/{meeting.id}/close", {}), (f"/reviews/{meeting.id}/cancel", {}),
                          (f"/reviews/{meeting.id}/rank", {"objective": team["second"].id, "rank": 1}),
                          (f"/reviews/{meeting.id}/decisions", {"kind": "note", "text": "x"}),
                          (f"/reviews/{meeting.id}/move", {"day": "2026-11-20", "at": "10:00"})]:
            assert client.post(url, data=data).status_code == 403, (user.role, url)
        assert client.get(f"/reviews/{meeting.id}").status_code == 200
    db.session.refresh(meeting)
    assert (meeting.status, meeting.sequence) == ("scheduled", 0)


def test_priority_timeline_shows_who_changed_what(login, team):
    schedule_for(team)
    reviews.plan_meetings()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    reviews.rerank(meeting, team["second"], 1, team["cfo"])
    db.session.commit()
    page = " ".join(login(make_user("board")).get("/reviews/timeline").data.decode().split())
    assert "“Customers recommend us” 2 → 1 by Juha Heikkinen in the review of 19 Nov" in page


def test_moving_or_cancelling_a_review_is_folded_away(team, login):
    """Cancelling mails every participant, so its button is not one stray tap below the date: the
    move and cancel forms sit in a folded "Move or cancel" section, and statuses read as words."""
    schedule_for(team)
    reviews.plan_meetings()
    db.session.commit()
    page = login(team["ceo"]).get("/reviews").data.decode()
    first = page.index('<details class="manage"><summary>Move or cancel</summary>')
    assert first < page.index("Cancel this review") < page.index("</details>", first)
    assert page.count("Cancel this review") == page.count('<details class="manage">')
    assert ">Planned</span>" in page and ">scheduled</span>" not in page
    assert "participants: 3" in page
    assert "Move or cancel" not in login(team["leader"]).get("/reviews").data.decode()
