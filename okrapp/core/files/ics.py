"""iCalendar invitations that calendars accept: a stable UID per meeting, SEQUENCE bumped on every
change, TZID with its VTIMEZONE, METHOD REQUEST or CANCEL.

The VTIMEZONE is the compact two-rule form calendar programs write themselves (one STANDARD and
one DAYLIGHT part with a yearly RRULE), not a list of every transition up to 2037: vobject reads the
listed form wrong (summer meetings an hour early) and Outlook is reported to. A zone whose
transitions do not follow a yearly rule around the meeting falls back to the listed form."""
import calendar as month_calendar
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from okrapp.domain.recurrence import zone

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def meeting_calendar(*, uid: str, sequence: int, starts_at, ends_at, timezone: str, summary: str,
                     description: str, organizer: tuple[str, str], attendees: list[tuple[str, str]],
                     cancelled: bool = False, stamp=None, url: str = "") -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//okrapp//priority reviews//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = _event(uid, sequence, stamp or starts_at, starts_at, ends_at, timezone, summary, description, url,
                   cancelled)
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
    compact = vtimezone(timezone, starts_at.year)
    if compact is not None:
        calendar.add_component(compact)
    calendar.add_component(event)
    if compact is None:
        calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")


def _event(uid, sequence, stamp, starts_at, ends_at, timezone, summary, description, url, cancelled) -> Event:
    """One meeting as a VEVENT, the same in an invitation and in the feed, so that a calendar holding
    both sees one event. Times are stored in UTC and written in the meeting's zone."""
    tz = zone(timezone)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.replace(tzinfo=UTC))
    event.add("dtstart", starts_at.replace(tzinfo=UTC).astimezone(tz))
    event.add("dtend", ends_at.replace(tzinfo=UTC).astimezone(tz))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def vtimezone(name: str, year: int) -> Timezone | None:
    """The two-rule VTIMEZONE of zone `name` as its rules stand in `year`; None when the
    transitions of year and the next do not follow one yearly rule."""
    tz = zone(name)
    this, following = _transitions(tz, year), _transitions(tz, year + 1)
    component = Timezone()
    component.add("tzid", name)
    if not this and not following:
        offset = datetime(year, 1, 1, tzinfo=tz).utcoffset()
        part = TimezoneStandard()
        part.add("dtstart", datetime(1970, 1, 1))
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        part.add("tzname", datetime(year, 1, 1, tzinfo=tz).tzname())
        component.add_component(part)
        return component
    if len(this) != 2 or len(following) != 2:
        return None
    for change, next_year in zip(this, following):
        rule = _yearly_rule(change.local)
        if _rule_date(year + 1, *rule) != next_year.local.date() or change.local.time() != next_year.local.time():
            return None
        part = TimezoneDaylight() if change.dst else TimezoneStandard()
        month, week, weekday = rule
        part.add("dtstart", datetime.combine(_rule_date(1970, *rule), change.local.time()))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": f"{week}{DAYS[weekday]}"})
        part.add("tzoffsetfrom", change.before)
        part.add("tzoffsetto", change.after)
        part.add("tzname", change.name)
        component.add_component(part)
    return component


class _Change:
    """One offset change: its local wall time before the change, the offsets, and the new name."""

    def __init__(self, local: datetime, before: timedelta, after: timedelta, name: str, dst: bool):
        self.local, self.before, self.after, self.name, self.dst = local, before, after, name, dst


def _transitions(tz, year: int) -> list[_Change]:
    changes = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment < end:  # daily steps, then hourly within the day that changed
        following = moment + timedelta(days=1)
        if following.astimezone(tz).utcoffset() != previous:
            hour = moment
            while (hour + timedelta(hours=1)).astimezone(tz).utcoffset() == previous:
                hour += timedelta(hours=1)
            at = hour + timedelta(hours=1)
            after = at.astimezone(tz)
            changes.append(_Change((at + previous).replace(tzinfo=None), previous, after.utcoffset(), after.tzname(),
                                   bool(after.dst())))
            previous = after.utcoffset()
        moment = following
    return changes


def _yearly_rule(day: datetime) -> tuple[int, int, int]:
    """(month, week, weekday): week 1-4 counts from the start of the month, -1 is the last."""
    length = month_calendar.monthrange(day.year, day.month)[1]
    week = -1 if day.day + 7 > length else (day.day - 1) // 7 + 1
    return day.month, week, day.weekday()


def _rule_date(year: int, month: int, week: int, weekday: int) -> date:
    if week == -1:
        last = date(year, month, month_calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def feed_calendar(meetings, *, name: str, stamp) -> str:
    """A subscribed calendar (METHOD PUBLISH) of several meetings. Each event keeps its meeting's
    UID and SEQUENCE, so a calendar that also got the invitation shows one event, not two.
    meetings: (uid, sequence, starts_at, ends_at, timezone, summary, description, url, cancelled)."""
    calendar = Calendar()
    calendar.add("prodid", "-//okrapp//review feed//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    zones, listed = {}, False
    for _, _, starts_at, _, timezone, *_ in meetings:
        if timezone not in zones:
            zones[timezone] = vtimezone(timezone, starts_at.year)
    for component in zones.values():
        if component is None:
            listed = True
        else:
            calendar.add_component(component)
    for uid, sequence, starts_at, ends_at, timezone, summary, description, url, cancelled in meetings:
        calendar.add_component(_event(uid, sequence, stamp, starts_at, ends_at, timezone, summary, description, url,
                                      cancelled))
    if listed:
        calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
