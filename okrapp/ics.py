"""iCalendar invitations that calendars accept: a stable UID per meeting, SEQUENCE bumped on every
change, TZID with its VTIMEZONE, METHOD REQUEST or CANCEL."""
from datetime import UTC

from icalendar import Calendar, Event, vCalAddress, vText

from .domain.recurrence import zone


def meeting_calendar(*, uid: str, sequence: int, starts_at, ends_at, timezone: str, summary: str,
                     description: str, organizer: tuple[str, str], attendees: list[tuple[str, str]],
                     cancelled: bool = False, stamp=None, url: str = "") -> str:
    tz = zone(timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//okrapp//priority reviews//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (stamp or starts_at).replace(tzinfo=UTC))
    event.add("dtstart", starts_at.replace(tzinfo=UTC).astimezone(tz))
    event.add("dtend", ends_at.replace(tzinfo=UTC).astimezone(tz))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer_address = vCalAddress(f"mailto:{organizer[0]}")
    organizer_address.params["cn"] = vText(organizer[1])
    event["organizer"] = organizer_address
    for email, name in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
