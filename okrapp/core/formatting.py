"""How numbers, dates and labels are written, in one place for pages, mail and stored sentences
(a decision's "what changed"), so the app and the board mail never disagree. Kept to plain
functions of value → text, in the language of the moment (core.words): Finnish writes 3 475 000,5,
12,5 %, 23.11.2026 and ma 23.11. klo 9.00; English as before."""
import json
from datetime import UTC, date, datetime, timedelta, tzinfo

from okrapp.core.words import N_, _, current, ngettext

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FI_WEEKDAYS = ("ma", "ti", "ke", "to", "pe", "la", "su")
FI_WEEKDAY_NAMES = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai")
FI_MONTH_NAMES = ("tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta",
                  "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta")


def _finnish() -> bool:
    return current() == "fi"


def _decimals(text: str) -> str:
    """The decimal separator of the language: a comma in Finnish."""
    return text.replace(".", ",") if _finnish() else text


def number(value) -> str:
    """1 234 567 for large numbers, up to two decimals for small ones; – for nothing."""
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else _decimals(f"{round(value, 2):g}")


def percent(value, places: int = 0) -> str:
    """A share (0.4) as 40 %; with places, up to that many decimals (0.125 as 12.5 %, 0.4 still 40 %)."""
    if value is None:
        return "–"
    return _decimals(f"{round(value * 100, places):g} %") if places else f"{round(value * 100)} %"


def decimal(value, places: int = 1) -> str:
    """7.5: a score people give on a scale (confidence), to a fixed number of places; – for nothing."""
    if value is None:
        return "–"
    return _decimals(f"{value:.{places}f}")


def exact(value: float) -> str:
    """3 475 000.5: a value as typed, every significant digit kept (up to ten), thousands spaced."""
    return _decimals(f"{value:,.10g}".replace(",", " "))


def is_money(unit: str | None) -> bool:
    """Whether a metric's unit is euros ("EUR", "€"), so its figures can be written as money."""
    return (unit or "").strip().upper() in ("EUR", "€")


def compact_money(value) -> str:
    """€1.2M, €41.4k, €950 in English; 1,2 milj. €, 41,4 t€, 950 € in Finnish: money where room is
    short (a chart's axis), to three significant digits; – for nothing."""
    if value is None:
        return "–"
    sign, size = "−" if value < 0 else "", abs(value)
    for scale in (1e9, 1e6, 1e3, 1):
        amount = size / scale
        places = 0 if amount >= 100 else 1 if amount >= 10 else 2
        if round(amount, places) >= 1 or scale == 1:
            break
    text = number(round(amount, places))
    if scale == 1e9:
        return _("%(sign)s€%(amount)sbn", sign=sign, amount=text)
    if scale == 1e6:
        return _("%(sign)s€%(amount)sM", sign=sign, amount=text)
    if scale == 1e3:
        return _("%(sign)s€%(amount)sk", sign=sign, amount=text)
    return _("%(sign)s€%(amount)s", sign=sign, amount=number(size))


def bar_points(value) -> int:
    """A share as the whole points 0–100 a bar is drawn with (beyond the ends, the bar is full or empty)."""
    return max(0, min(100, round((value or 0) * 100)))


def severity(value: float) -> str:
    """A conflict's severity (0 to 1) to three places: enough to tell apart the items a list sorts by it."""
    return _decimals(f"{value:.3f}")


STATUS_LABELS = {"on_track": N_("On track"), "at_risk": N_("At risk"), "off_track": N_("Off track")}  # translated when shown


def day(value: date | datetime | str | None) -> str:
    """1 Jan 2027; an ISO date or time as stored in JSON figures is read first."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if _finnish():
        return f"{value.day}.{value.month}.{value.year}"
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
    if _finnish():
        return f"{value.day}.{value.month}."
    return f"{value.day} {MONTHS[value.month - 1]}"


def clock(value: datetime) -> str:
    """09:00, the 24-hour clock used in most of Europe; 9.00 in Finnish."""
    if _finnish():
        return f"{value.hour}.{value.minute:02d}"
    return f"{value:%H:%M}"


def stamp(value: datetime | None, zone: tzinfo | None = None) -> str:
    """26 Nov 2026, 09:00: when a record was made or changed. value is naive UTC as stored; with zone
    it is written in that zone (the organisation's), so one moment reads the same on every page."""
    if not value:
        return ""
    if zone is not None:
        value = value.replace(tzinfo=UTC).astimezone(zone)
    if _finnish():
        return f"{day(value)} klo {clock(value)}"
    return f"{day(value)}, {clock(value)}"


def moment(value: datetime, year: bool = True) -> str:
    """Thu 26 Nov 2026, 09:00: a meeting's time in lists and headings (already in local time)."""
    if _finnish():
        return f"{FI_WEEKDAYS[value.weekday()]} {value.day}.{value.month}.{value.year if year else ''} klo {clock(value)}"
    when = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    return f"{when}{f' {value.year}' if year else ''}, {clock(value)}"


def long_day(value: date | datetime, weekday: bool = True, year: bool = True) -> str:
    """Thursday 26 November 2026: dates in the body of a message."""
    if _finnish():
        text = f"{value.day}. {FI_MONTH_NAMES[value.month - 1]}{f' {value.year}' if year else ''}"
        return f"{FI_WEEKDAY_NAMES[value.weekday()]} {text}" if weekday else text
    text = f"{value.day} {MONTH_NAMES[value.month - 1]}{f' {value.year}' if year else ''}"
    return f"{WEEKDAY_NAMES[value.weekday()]} {text}" if weekday else text


def long_moment(value: datetime, year: bool = True) -> str:
    """Thursday 26 November 2026 at 09:00: a meeting's time in an invitation."""
    return _("%(day)s at %(time)s", day=long_day(value, year=year), time=clock(value))


def points(change) -> str:
    """A change of a share in percentage points: +1.2 pts, −0.5 pts, ±0; "new" when there was
    nothing to compare with."""
    if change is None:
        return _("new")
    if abs(change) < 0.0005:
        return "±0"
    return _("%(sign)s%(points)s pts", sign="+" if change > 0 else "−", points=_decimals(f"{abs(change) * 100:.1f}"))


def file_size(size: int) -> str:
    """4 MB, 1.5 MB, 300 KB (binary units, as the limits are set): a limit below a megabyte is
    not shown as "0 MB"."""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=number(size / 1024 / 1024))
    return _("%(size)s KB", size=number(size / 1024))


def status_label(status: str | None) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else _("No data")


def counted(n: int, one: str, many: str) -> str:
    """"1 problem", "3 problems": the whole phrase in both forms, so a translation can give each
    form its own words (as ngettext does) instead of gluing an "s" on."""
    return f"{number(n)} {one if n == 1 else many}"


def names(items: list[str], most: int = 3) -> str:
    """"Sales", "Sales and Care", "Sales, Care and Delivery"; beyond `most`, just how many units."""
    if len(items) > most:
        return ngettext("%(num)s unit", "%(num)s units", len(items))
    if len(items) <= 1:
        return items[0] if items else ""
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def conflict_line(line: dict) -> str:
    """A conflict kept in a stored agenda or summary, worded now from its facts; as stored when the
    line kept no facts (written before facts were kept)."""
    return conflict_summary(line["facts"]) if line.get("facts") else line.get("summary", "")


def conflict_summary(facts: dict) -> str:
    """A conflict item in one sentence, from the facts a refresh stores (conflicts.operations), so
    each reader's language can word it: who rewards the push, and what it works against."""
    against = []
    if facts.get("key_results"):
        against.append(_("%(key_results)s of %(objectives)s",
                         key_results=ngettext("%(num)s key result", "%(num)s key results", facts["key_results"]),
                         objectives=ngettext("%(num)s objective", "%(num)s objectives", facts.get("objectives", 0))))
    if facts.get("incentives"):
        against.append(ngettext("%(num)s other incentive", "%(num)s other incentives", facts["incentives"]))
    parties = against[0] if len(against) == 1 else _("%(first)s and %(last)s", first=against[0], last=against[-1]) \
        if against else ""
    units = names(facts.get("units", []))
    if facts.get("kind") == "criterion":
        if facts.get("tension"):
            return _("Rewarded in %(units)s; partly pulls against %(parties)s.", units=units, parties=parties)
        return _("Rewarded in %(units)s; works against %(parties)s.", units=units, parties=parties)
    sentence = _("%(parties)s pull against each other.", parties=parties)
    return sentence[:1].upper() + sentence[1:]


# -- stored facts: what okrapp writes into records (a decision's change, an edit, a job's run) --------
# A record keeps what okrapp says about it as facts, worded for each reader when shown: a change is
# {"say": "<English msgid with %(name)s placeholders>", "values": {name: value}}. A value is plain
# text or a whole number (shown as is: content people typed, a rank), or one of
# {"date": "2027-01-01"} (a day), {"number": 12.5, "unit": "EUR"} (unit optional), {"percent": 0.3},
# or a change itself (a sentence inside a sentence). Old rows hold the sentence as stored.

def change(say: str, **values) -> dict:
    """A change as kept: say is marked with N_ where written, so the catalogue has it."""
    return {"say": say, "values": values}


def day_value(value: date) -> dict:
    return {"date": value.isoformat()}


def number_value(value: float, unit: str | None = None) -> dict:
    return {"number": value, "unit": unit} if unit else {"number": value}


def percent_value(value: float) -> dict:
    return {"percent": value}


def _worded(value) -> str:
    if isinstance(value, list):  # several changes of one edit
        return "; ".join(_worded(part) for part in value)
    if isinstance(value, dict):
        if "say" in value:
            return change_text(value)
        if "date" in value:
            return day(value["date"])
        if "number" in value:
            text = number(value["number"])
            return f"{text} {value['unit']}" if value.get("unit") else text
        if "percent" in value:
            return percent(value["percent"])
    return "" if value is None else str(value)


def change_text(change) -> str:
    """One change in the language of the moment; a plain sentence (an old row) as stored."""
    if not isinstance(change, dict):
        return "" if change is None else str(change)
    say = change.get("say") or ""
    values = {name: _worded(value) for name, value in (change.get("values") or {}).items()}
    try:
        if "plural" in change:
            return ngettext(say, change["plural"], change.get("n") or 0, **values)
        return _(say) % values if values else _(say)
    except (KeyError, TypeError, ValueError):  # a catalogue out of step with the facts: the English
        if "plural" in change:
            n = change.get("n") or 0
            return (say if n == 1 else change["plural"]) % {"num": n, **values}
        return say % values if values else say


def plural_change(singular: str, plural: str, n: int, **values) -> dict:
    """A change whose words depend on a count (%(num)s is n), worded with ngettext when shown."""
    return {"say": singular, "plural": plural, "n": n, "values": values}


class marked:
    """`marked.ngettext(singular, plural, n, ...)` keeps a counted change as facts; the call's name lets
    the catalogue's extraction find both forms (as it finds N_ for a single one)."""
    ngettext = staticmethod(plural_change)


def stored_text(text: str | None) -> str:
    """A stored column that holds either facts as JSON (change) or, in old rows, a sentence as written."""
    text = text or ""
    if text.startswith("{"):
        try:
            return change_text(json.loads(text))
        except ValueError:
            pass
    return text
