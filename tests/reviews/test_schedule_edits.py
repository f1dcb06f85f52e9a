"""Editing a review schedule updates the meetings already planned: one meeting per slot, the same
UID with a higher SEQUENCE, cancellations to people taken off, invitations to people added;
schedules are bounded; invitations read right in vobject, icalendar and ics."""
import time
from datetime import date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.files.ics import meeting_calendar
from okrapp.core.models import OutboxMessage
from okrapp.reviews.models import ReviewMeeting
from okrapp.reviews import operations as reviews
from okrapp.reviews.planning import MAX_PLANNED

from tests.factories import make_user
from tests.reviews.test_reviews import invitations, the_event


@pytest.fixture
def people():
    return dict(ceo=make_user("executive", name="Aino", email="ceo@example.com"),
                cfo=make_user("executive", name="Juha", email="cfo@example.com"),
                leader=make_user("unit_leader", name="Laura", email="laura@example.com"),
                newcomer=make_user("unit_leader", name="Noora", email="noora@example.com"))


def save(schedule, p, **changes):
    fields = dict(name="Weekly review", cadence="weekly", weekday=3, time_of_day="09:00", timezone="Europe/Helsinki",
                  cron="", duration_minutes=60, reminder_days=2, chair=p["ceo"],
                  participants=[p["ceo"], p["cfo"], p["leader"]], anchor_on=date(2026, 11, 16))
    fields.update(changes)
    schedule = reviews.save_schedule(schedule, **fields)
    reviews.plan_meetings()
    db.session.commit()
    mail.deliver_pending()
    return schedule


def planned():
    db.session.expire_all()
    return db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                              .order_by(ReviewMeeting.starts_at)).all()


def events_for(smtp, address):
    return [(str(cal["method"]), the_event(cal)) for _, cal in invitations(smtp, address)]


def test_moving_a_schedule_from_nine_to_ten_updates_each_meeting_in_place(people, smtp):
    schedule = save(None, people)
    before = {m.uid: m.starts_at for m in planned()}
    assert len(before) == 8
    save(schedule, people, time_of_day="10:00")
    after = planned()
    assert {m.uid for m in after} == set(before)  # the same meetings, not new ones beside them
    assert all(m.sequence == 1 and m.starts_at.hour == before[m.uid].hour + 1 for m in after)
    assert len({m.starts_at.date() for m in after}) == len(after)  # one meeting per slot
    assert db.session.scalar(select(func.count()).select_from(ReviewMeeting)) == 8
    for address in ("ceo@example.com", "cfo@example.com", "laura@example.com"):
        updates = [(m, e) for m, e in events_for(smtp, address) if int(e["sequence"]) == 1]
        assert len(updates) == 8 and all(m == "REQUEST" for m, _ in updates)
        assert {e.decoded("dtstart").replace(tzinfo=None).hour for _, e in updates} == {10}
        assert {str(e["uid"]) for _, e in updates} == set(before)


def test_people_taken_off_get_cancellations_and_people_added_get_invitations(people, smtp):
    schedule = save(None, people)
    save(schedule, people, participants=[people["ceo"], people["cfo"], people["newcomer"]])
    uids = {m.uid for m in planned()}
    laura = events_for(smtp, "laura@example.com")
    assert [m for m, _ in laura].count("CANCEL") == 8
    assert {str(e["uid"]) for m, e in laura if m == "CANCEL"} == uids
    noora = events_for(smtp, "noora@example.com")
    assert [m for m, _ in noora] == ["REQUEST"] * 8  # never a cancellation of what she was not invited to
    attendees = {str(a) for a in noora[0][1]["attendee"]}
    assert "mailto:noora@example.com" in attendees and "mailto:laura@example.com" not in attendees
    assert all({u.email for u in m.attendees} == {"ceo@example.com", "cfo@example.com", "noora@example.com"}
               for m in planned())


def test_a_schedule_giving_fewer_meetings_cancels_the_rest(people, smtp):
    schedule = save(None, people)
    save(schedule, people, cadence="monthly")
    kept = planned()
    assert len(kept) == 2 and all(m.starts_at.day <= 7 for m in kept)
    assert db.session.scalar(select(func.count()).select_from(ReviewMeeting).where(
        ReviewMeeting.status == "cancelled")) == 6


def test_planning_twice_changes_nothing(people, smtp):
    save(None, people)
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    reviews.plan_meetings()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == count


def test_every_minute_cron_is_refused_quickly_with_a_form_error(people, login):
    client = login(people["ceo"])
    started = time.perf_counter()
    response = client.post("/reviews/schedules/new", data={
        "name": "Too often", "cadence": "cron", "cron": "* * * * *", "weekday": 3, "time_of_day": "09:00",
        "timezone": "Europe/Helsinki", "duration_minutes": 60, "reminder_days": 2, "anchor_on": "2026-11-16",
        "chair": people["ceo"].id, "participants": [people["ceo"].id]})
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 422 and "at most one review a day" in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(ReviewMeeting)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_daily_schedule_plans_a_bounded_number_ahead(people, smtp):
    save(None, people, cadence="cron", cron="0 9 * * *")
    assert len(planned()) == MAX_PLANNED


HELSINKI_NINE = [(datetime(2027, 6, 3, 6), "summer"), (datetime(2027, 1, 14, 7), "winter")]


@pytest.mark.parametrize("starts_at, season", HELSINKI_NINE)
def test_calendar_programs_read_the_meeting_at_nine_helsinki_time(starts_at, season):
    from zoneinfo import ZoneInfo

    import ics as ics_library
    import vobject
    text = meeting_calendar(uid="u@okrapp", sequence=0, starts_at=starts_at, ends_at=starts_at.replace(hour=starts_at.hour + 1),
                            timezone="Europe/Helsinki", summary="Review", description="", organizer=("a@example.com", "A"),
                            attendees=[("b@example.com", "B")])
    assert text.count("BEGIN:STANDARD") == 1 and text.count("BEGIN:DAYLIGHT") == 1  # the compact form
    helsinki = ZoneInfo("Europe/Helsinki")
    by_vobject = vobject.readOne(text).vevent.dtstart.value
    by_icalendar = [c for c in Calendar.from_ical(text).walk() if c.name == "VEVENT"][0].decoded("dtstart")
    by_ics = next(iter(ics_library.Calendar(text).events)).begin.datetime
    for program, value in (("vobject", by_vobject), ("icalendar", by_icalendar), ("ics", by_ics)):
        local = value.astimezone(helsinki)
        assert (local.hour, local.minute) == (9, 0), f"{program} reads the {season} meeting at {local:%H:%M}"
        assert value.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) == starts_at, program
