"""How numbers, dates and labels are written, in one place for pages, mail and stored sentences
(a decision's "what changed"), so the app and the board mail never disagree. Kept to plain
functions of value → text, ready for a Finnish locale."""
from datetime import UTC, date, datetime, timedelta, tzinfo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def number(value) -> str:
    """1 234 567 for large numbers, up to two decimals for small ones; – for nothing."""
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{round(value, 2):g}"


def percent(value, places: int = 0) -> str:
    """A share (0.4) as 40 %; with places, up to that many decimals (0.125 as 12.5 %, 0.4 still 40 %)."""
    if value is None:
        return "–"
    return f"{round(value * 100, places):g} %" if places else f"{round(value * 100)} %"


def decimal(value, places: int = 1) -> str:
    """7.5: a score people give on a scale (confidence), to a fixed number of places; – for nothing."""
    if value is None:
        return "–"
    return f"{value:.{places}f}"


def exact(value: float) -> str:
    """3 475 000.5: a value as typed, every significant digit kept (up to ten), thousands spaced."""
    return f"{value:,.10g}".replace(",", " ")


def bar_points(value) -> int:
    """A share as the whole points 0–100 a bar is drawn with (beyond the ends, the bar is full or empty)."""
    return max(0, min(100, round((value or 0) * 100)))


def severity(value: float) -> str:
    """A conflict's severity (0 to 1) to three places: enough to tell apart the items a list sorts by it."""
    return f"{value:.3f}"


STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


def day(value: date | datetime | str | None) -> str:
    """1 Jan 2027; an ISO date or time as stored in JSON figures is read first."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def local_day(value: date | datetime | str | None, zone: tzinfo, until: bool = False) -> str:
    """3 Dec 2026: the day a stored moment falls on in zone (the organisation's). value is naive UTC
    as stored, or its ISO text as JSON figures keep it, so 23:30 UTC on 2 December reads 3 December
    in Helsinki; a date (or a date alone in text) is a day already. until: the moment ends a span,
    whose last day is written: a month ending at midnight reads "to 30 Nov", not "to 1 Dec"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = (moment - timedelta(microseconds=1) if until else moment).astimezone(zone)
    return day(value)


def zoned(label: str, zone: tzinfo) -> str:
    """"When (Europe/Helsinki)": the heading of a column of local times says their zone."""
    return f"{label} ({getattr(zone, 'key', zone)})"


def day_month(value: date | datetime) -> str:
    """26 Nov: a date within the year being read."""
    return f"{value.day} {MONTHS[value.month - 1]}"


def clock(value: datetime) -> str:
    """09:00, the 24-hour clock used in Finland and in most of Europe."""
    return f"{value:%H:%M}"


def stamp(value: datetime | None, zone: tzinfo | None = None) -> str:
    """26 Nov 2026, 09:00: when a record was made or changed. value is naive UTC as stored; with zone
    it is written in that zone (the organisation's), so one moment reads the same on every page."""
    if not value:
        return ""
    if zone is not None:
        value = value.replace(tzinfo=UTC).astimezone(zone)
    return f"{day(value)}, {clock(value)}"


def moment(value: datetime, year: bool = True) -> str:
    """Thu 26 Nov 2026, 09:00: a meeting's time in lists and headings (already in local time)."""
    when = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    return f"{when}{f' {value.year}' if year else ''}, {clock(value)}"


def long_day(value: date | datetime, weekday: bool = True, year: bool = True) -> str:
    """Thursday 26 November 2026: dates in the body of a message."""
    text = f"{value.day} {MONTH_NAMES[value.month - 1]}{f' {value.year}' if year else ''}"
    return f"{WEEKDAY_NAMES[value.weekday()]} {text}" if weekday else text


def long_moment(value: datetime, year: bool = True) -> str:
    """Thursday 26 November 2026 at 09:00: a meeting's time in an invitation."""
    return f"{long_day(value, year=year)} at {clock(value)}"


def points(change) -> str:
    """A change of a share in percentage points: +1.2 pts, −0.5 pts, ±0; "new" when there was
    nothing to compare with."""
    if change is None:
        return "new"
    if abs(change) < 0.0005:
        return "±0"
    return f"{'+' if change > 0 else '−'}{abs(change) * 100:.1f} pts"


def file_size(size: int) -> str:
    """4 MB, 1.5 MB, 300 KB (binary units, as the limits are set): a limit below a megabyte is
    not shown as "0 MB"."""
    if size >= 1024 * 1024:
        return f"{number(size / 1024 / 1024)} MB"
    return f"{number(size / 1024)} KB"


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status, "No data")


def counted(n: int, one: str, many: str) -> str:
    """"1 problem", "3 problems": the whole phrase in both forms, so a translation can give each
    form its own words (as ngettext does) instead of gluing an "s" on."""
    return f"{number(n)} {one if n == 1 else many}"


def names(items: list[str], most: int = 3, many: tuple[str, str] = ("unit", "units")) -> str:
    """"Sales", "Sales and Care", "Sales, Care and Delivery"; beyond `most`, just how many."""
    if len(items) > most:
        return counted(len(items), *many)
    if len(items) <= 1:
        return items[0] if items else ""
    return ", ".join(items[:-1]) + " and " + items[-1]


def conflict_summary(facts: dict) -> str:
    """A conflict item in one sentence, from the facts a refresh stores (conflicts.operations), so
    each reader's language can word it: who rewards the push, and what it works against."""
    against = []
    if facts.get("key_results"):
        against.append(f"{counted(facts['key_results'], 'key result', 'key results')} of "
                       f"{counted(facts.get('objectives', 0), 'objective', 'objectives')}")
    if facts.get("incentives"):
        against.append(counted(facts["incentives"], "other incentive", "other incentives"))
    parties = " and ".join(against)
    if facts.get("kind") == "criterion":
        verb = "partly pulls against" if facts.get("tension") else "works against"
        return f"Rewarded in {names(facts.get('units', []))}; {verb} {parties}."
    sentence = f"{parties} pull against each other."
    return sentence[:1].upper() + sentence[1:]
