"""When review meetings happen: weekly, every two weeks, monthly or a cron rule, in local time.

Times are planned in the schedule's time zone and converted to UTC per occurrence, so a 09:00
meeting stays at 09:00 across daylight-saving changes."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from okrapp.core.words import _

CADENCES = ("weekly", "biweekly", "monthly", "cron")
CRON_SAMPLE = 40  # firings checked for "at most one a day"


class RecurrenceError(ValueError):
    """field names the setting that is wrong (timezone, time_of_day, cron, cadence, weekday)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Recurrence:
    cadence: str
    weekday: int = 3  # Monday = 0
    time_of_day: str = "09:00"
    timezone: str = "Europe/Helsinki"
    anchor_on: date = date(2026, 1, 1)
    cron: str = ""


ZONE_NAME_LIMIT = 60  # the longest IANA names are about 30 characters


def zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name; anything else (also a name too long for a file) is refused."""
    if not isinstance(name, str) or not name or len(name) > ZONE_NAME_LIMIT:
        raise RecurrenceError(_("Unknown time zone “%(zone)s”.", zone=str(name)[:ZONE_NAME_LIMIT]), "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the file system cannot hold
        raise RecurrenceError(_("Unknown time zone “%(zone)s”.", zone=name), "timezone") from None


def parse_time(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise RecurrenceError(_("Time must look like 09:00, not “%(text)s”.", text=str(text)[:20]), "time_of_day") from None


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=zone(timezone))
    except ValueError as error:
        raise RecurrenceError(_("Not a valid cron rule (%(error)s).", error=error), "cron") from None


def validate(rule: Recurrence) -> None:
    if rule.cadence not in CADENCES:
        raise RecurrenceError(_("Cadence must be one of %(cadences)s.", cadences=", ".join(CADENCES)), "cadence")
    zone(rule.timezone)
    if rule.cadence == "cron":
        _at_most_one_a_day(rule)
    else:
        parse_time(rule.time_of_day)
        if not 0 <= rule.weekday <= 6:
            raise RecurrenceError(_("The weekday runs from 0 (Monday) to 6 (Sunday)."), "weekday")


def _at_most_one_a_day(rule: Recurrence) -> None:
    """A review is a meeting of people: a rule that fires twice on one local day (`* * * * *`
    fires 1,440 times) is a mistake, refused before anything is planned. The first firings
    show it, because cron rules repeat."""
    trigger, tz = cron_trigger(rule.cron, rule.timezone), zone(rule.timezone)
    moment = datetime.combine(rule.anchor_on, time(0), tzinfo=tz)
    days = set()
    for _sample in range(CRON_SAMPLE):
        moment = trigger.get_next_fire_time(None, moment)
        if moment is None:
            return
        day = moment.astimezone(tz).date()
        if day in days:
            raise RecurrenceError(_("A cron rule may hold at most one review a day (e.g. 0 9 * * mon)."), "cron")
        days.add(day)
        moment += timedelta(minutes=1)


def occurrences(rule: Recurrence, start: datetime, end: datetime) -> list[datetime]:
    """Meeting starts (naive UTC) in [start, end), both naive UTC."""
    validate(rule)
    if rule.cadence == "cron":
        return _cron(rule, start, end)
    tz, at = zone(rule.timezone), parse_time(rule.time_of_day)
    found = []
    day = max(rule.anchor_on, (start.replace(tzinfo=UTC).astimezone(tz)).date() - timedelta(days=1))
    last = end.replace(tzinfo=UTC).astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        if _matches(rule, day):
            moment = datetime.combine(day, at, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
            if start <= moment < end:
                found.append(moment)
        day += timedelta(days=1)
    return found


def _matches(rule: Recurrence, day: date) -> bool:
    if day.weekday() != rule.weekday or day < rule.anchor_on:
        return False
    if rule.cadence == "weekly":
        return True
    if rule.cadence == "biweekly":
        first = rule.anchor_on + timedelta(days=(rule.weekday - rule.anchor_on.weekday()) % 7)
        return (day - first).days % 14 == 0
    return day.day <= 7  # monthly: the first such weekday of the month


def _cron(rule: Recurrence, start: datetime, end: datetime) -> list[datetime]:
    trigger = cron_trigger(rule.cron, rule.timezone)
    floor = datetime.combine(rule.anchor_on, time(0), tzinfo=zone(rule.timezone)).astimezone(UTC)
    moment = max(start.replace(tzinfo=UTC), floor) - timedelta(microseconds=1)
    found = []
    while len(found) < 500:
        moment = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
        if moment is None or moment.astimezone(UTC).replace(tzinfo=None) >= end:
            break
        found.append(moment.astimezone(UTC).replace(tzinfo=None))
    return found


def local(moment: datetime, timezone: str) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone(timezone))


def first_weekday_of_month(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)
