"""Priority reviews in Finnish: the review page for a Finnish browser, and the mail each person gets in
their own language — reminders, minutes and the meeting invitation with its .ics event."""
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user

FINNISH = {"Accept-Language": "fi"}


@pytest.fixture
def team():
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    cfo = make_user("executive", name="Juha Heikkinen", email="cfo@example.com")  # reads English
    leader = make_user("unit_leader", name="Laura Mäkinen", email="laura@example.com")
    leader.locale = "fi"
    db.session.commit()
    unit = make_unit("Toimitus", leaders=[leader])
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, title="Sujuva toimitus", by=ceo)
    kr = make_key_result(objective, unit=unit, by=ceo)
    return dict(ceo=ceo, cfo=cfo, leader=leader, kr=kr)


def plan(team, name="Leadership review") -> ReviewMeeting:
    reviews.save_schedule(None, name=name, cadence="biweekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                          chair=team["ceo"], participants=[team["ceo"], team["cfo"], team["leader"]],
                          anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    db.session.commit()
    return db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))


def queued(address: str, category: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address,
                                                          OutboxMessage.category == category)
                              .order_by(OutboxMessage.id)).all()


def test_the_review_page_reads_in_finnish(login, team):
    meeting = plan(team)
    client = login(team["ceo"])  # no language chosen: the browser's
    page = client.get(f"/reviews/{meeting.id}", headers=FINNISH).get_data(as_text=True)
    for phrase in ("Prioriteetit", "Jäljessä ja vaarassa", "Avoimet toimenpiteet", "Kirjaa: muuta kannustinta",
                   "Mitä päätettiin ja miksi", "Sulje etuajassa ja lähetä pöytäkirja", "tulossa"):
        assert phrase in page, phrase
    for english in ("Priorities</h2>", "Open actions", "Record: change an incentive", "What was decided, and why",
                    "Close early and send the minutes"):
        assert english not in page, english
    listing = client.get("/reviews", headers=FINNISH).get_data(as_text=True)
    assert "Prioriteettikatselmukset" in listing and "Joka toinen viikko, torstai 09:00" in listing
    assert "Every two weeks" not in listing and "Upcoming" not in listing
    english = client.get(f"/reviews/{meeting.id}").get_data(as_text=True)
    assert "Record: change an incentive" in english and "Kirjaa" not in english


def test_a_reminder_and_the_minutes_go_out_in_each_readers_language(team, clock):
    meeting = plan(team)
    clock.now = meeting.starts_at - timedelta(days=2)
    assert reviews.send_reminders(meeting) == 1
    [reminder] = queued("laura@example.com", "reminder")
    assert reminder.subject == "Päivitä tilanne ennen katselmusta 19.11."
    assert "Hei Laura Mäkinen," in reminder.text_body and "Johtoryhmän prioriteettikatselmus on torstai 19. " \
        "marraskuuta klo 9.00" in reminder.text_body
    assert "Päivitä tilanne</a>" in reminder.html_body and "Kaikki avaintulokseni" in reminder.html_body
    assert "Check in" not in reminder.html_body and "Hello" not in reminder.text_body

    reviews.add_decision(meeting, kind="action", text="Jaa avaintulos kumppanin kanssa", by=team["ceo"],
                         owner=team["leader"], due_on=date(2026, 12, 1))
    clock.now = meeting.starts_at + timedelta(hours=1)
    reviews.close_meeting(meeting, team["ceo"])
    db.session.commit()
    [finnish] = queued("laura@example.com", "minutes")
    assert finnish.subject == "Pöytäkirja: Leadership review, 19.11.2026"
    assert "Prioriteetit katselmuksen jälkeen:" in finnish.text_body
    assert "- Anna toimenpide: Jaa avaintulos kumppanin kanssa — Laura Mäkinen, määräpäivä 1.12.2026" \
        in finnish.text_body
    # what the decision changed is kept as facts and worded in the reader's language (issue 23)
    assert "* Toimenpide: Laura Mäkinen, määräpäivä 1.12.2026" in finnish.text_body
    assert "Action for Laura Mäkinen" not in finnish.text_body
    assert "Päätökset</h2>" in finnish.html_body and 'lang="fi"' in finnish.html_body
    assert "Decisions" not in finnish.html_body and "Minutes" not in finnish.text_body
    [english] = queued("cfo@example.com", "minutes")
    assert english.subject == "Minutes: Leadership review, 19 Nov 2026"
    assert "Priorities after the review:" in english.text_body and "Decisions</h2>" in english.html_body
    assert "Päätökset" not in english.html_body and "Prioriteetit" not in english.text_body
    [action] = queued("laura@example.com", "notice")  # the action told its owner, in her language
    assert action.subject.startswith("Sinulle on toimenpide:") and "Hei Laura" in action.text_body


def test_the_invitation_and_its_calendar_event_are_finnish_for_a_finnish_participant(team):
    meeting = plan(team, name="Priority review")  # the default name reads in each reader's language
    invitation = queued("laura@example.com", "invitation")[0]  # the first of the meetings planned
    assert invitation.subject == "Kutsu: Prioriteettikatselmus, to 19.11.2026 klo 9.00"
    assert "Sinut on kutsuttu prioriteettikatselmukseen:" in invitation.text_body
    assert "60 minuuttia." in invitation.text_body and "Avaa katselmus</a>" in invitation.html_body
    email = mail.build_email(invitation, "okrapp <okrapp@example.com>")
    [attached] = [part for part in email.iter_attachments() if part.get_filename() == "invite.ics"]
    calendar = Calendar.from_ical(attached.get_content())
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(event["summary"]) == "Prioriteettikatselmus"
    assert str(event["description"]) == "Prioriteettikatselmus: yhteiset asiakastavoitteet järjestetään uudelleen."
    assert str(event["uid"]) == meeting.uid
    english = queued("cfo@example.com", "invitation")[0]
    assert english.subject == "Invitation: Priority review, Thu 19 Nov 2026, 09:00"
    event = [c for c in Calendar.from_ical(english.ics).walk() if c.name == "VEVENT"][0]
    assert str(event["summary"]) == "Priority review"
    assert str(event["description"]) == "Priority review: re-rank the shared customer objectives."
    assert datetime(2026, 11, 19, 7) == meeting.starts_at
