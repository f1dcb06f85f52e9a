"""How numbers, dates and labels are written, in one place for pages, mail and stored sentences
(a decision's "what changed"), so the app and the board mail never disagree. Kept to plain
functions of value → text, ready for a Finnish locale."""
from datetime import date, datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value) -> str:
    """1 234 567 for large numbers, up to two decimals for small ones; – for nothing."""
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1000 else f"{round(value, 2):g}"


def percent(value) -> str:
    """A share (0.4) as 40 %."""
    return "–" if value is None else f"{round(value * 100)} %"


def day(value: date | datetime | None) -> str:
    """1 Jan 2027."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def direction_arrow(direction: str | int) -> str:
    up = direction == "increase" or (isinstance(direction, int) and direction > 0)
    return "↑" if up else "↓"
