"""Plan periods as date ranges, and the two rules a unit's bonus plan must keep within any stretch of
time: its bonus shares add up to at most 100 %, and no metric is rewarded twice.

Bonuses are planned a year ahead, so next year's plan is written while this year's incentives still
run: the rules count together only incentives whose periods overlap (2026 and 2027 do not; 2027 and
2027 H1 do). An incentive with no dated period counts as running always, as every incentive did
before periods had dates."""
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from okrapp.core.formatting import day, percent
from okrapp.core.words import _

TOLERANCE = 1e-9
ALWAYS = (date.min, date.max)
_YEAR = re.compile(r"^(?:fy|vuosi|year)?\s*(\d{4})$")
_HALF = re.compile(r"^(?:(\d{4})\s*[/ -]?\s*h([12])|h([12])\s*[/ -]?\s*(\d{4}))$")
_QUARTER = re.compile(r"^(?:(\d{4})\s*[/ -]?\s*q([1-4])|q([1-4])\s*[/ -]?\s*(\d{4}))$")
_HALF_MONTHS = {1: (1, 6), 2: (7, 12)}
_MONTH_ENDS = {3: 31, 6: 30, 9: 30, 12: 31}


def span_of(name: str) -> tuple[date, date] | None:
    """The dates a period's name stands for: "2027" and "FY2027" the calendar year, "2027 H1" or
    "H1/2027" a half, "2027 Q3" a quarter; None for any other name (an admin dates it)."""
    text = " ".join((name or "").lower().split())
    if match := _YEAR.match(text):
        year = int(match.group(1))
        return _bounded(year, 1, 12)
    if match := _HALF.match(text):
        year, half = (int(match.group(1)), int(match.group(2))) if match.group(1) else \
            (int(match.group(4)), int(match.group(3)))
        return _bounded(year, *_HALF_MONTHS[half])
    if match := _QUARTER.match(text):
        year, quarter = (int(match.group(1)), int(match.group(2))) if match.group(1) else \
            (int(match.group(4)), int(match.group(3)))
        return _bounded(year, 3 * quarter - 2, 3 * quarter)
    return None


def _bounded(year: int, first_month: int, last_month: int) -> tuple[date, date] | None:
    if not 2000 <= year <= 2100:
        return None
    return date(year, first_month, 1), date(year, last_month, _MONTH_ENDS[last_month])


def overlap(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


@dataclass(frozen=True)
class Planned:
    """An incentive as the plan rules see it: who pays what share for which metric, and when.
    ref says where it comes from, for messages ("line 4", "the active incentive “Volume”")."""
    unit: str
    name: str
    metric: str
    weight: float
    starts_on: date = date.min
    ends_on: date = date.max
    ref: str = ""

    @property
    def span(self) -> tuple[date, date]:
        return self.starts_on, self.ends_on


@dataclass(frozen=True)
class Overrun:
    """A unit whose bonus shares add up to more than 100 % on some day: the most, and from when."""
    unit: str
    total: float
    existing: float
    added: float
    starts_on: date
    ends_on: date

    def message(self, added_where: str | None = None) -> str:
        """added_where: where the added shares come from, worded ("in this sheet", the default)."""
        shares = {"unit": self.unit, "total": percent(self.total, 1), "existing": percent(self.existing, 1),
                  "added": percent(self.added, 1), "where": added_where or _("in this sheet")}
        if (self.starts_on, self.ends_on) == ALWAYS:
            return _("%(unit)s: bonus shares add up to %(total)s (%(existing)s already active + %(added)s %(where)s); "
                     "at most 100 %%.", **shares)
        return _("%(unit)s: bonus shares add up to %(total)s from %(start)s to %(end)s (%(existing)s already active + "
                 "%(added)s %(where)s); at most 100 %%.", start=day(self.starts_on), end=day(self.ends_on), **shares)


def overruns(existing: list[Planned], proposed: list[Planned]) -> list[Overrun]:
    """Per unit, the day within the proposed periods when its shares add up most, where that is
    over 100 %. The sum of step functions peaks at some period's start, so those days are enough."""
    by_unit = defaultdict(lambda: ([], []))
    for item in existing:
        by_unit[item.unit.lower()][0].append(item)
    for item in proposed:
        by_unit[item.unit.lower()][1].append(item)
    found = []
    for before, added in by_unit.values():
        if not added:
            continue
        worst = None
        for moment in sorted({p.starts_on for p in added} | {p.starts_on for p in before}):
            if not any(p.starts_on <= moment <= p.ends_on for p in added):
                continue
            old = sum(p.weight for p in before if p.starts_on <= moment <= p.ends_on)
            new = sum(p.weight for p in added if p.starts_on <= moment <= p.ends_on)
            if old + new > 1 + TOLERANCE and (worst is None or old + new > worst[0] + TOLERANCE):
                worst = (old + new, old, new, moment)
        if worst is not None:
            total, old, new, moment = worst
            ends = min(p.ends_on for p in [*before, *added] if p.starts_on <= moment <= p.ends_on)
            found.append(Overrun(added[0].unit, total, old, new, moment, ends))
    return found


def rewarded_twice(existing: list[Planned], proposed: list[Planned]) -> list[tuple[Planned, Planned]]:
    """(proposed, earlier) pairs rewarding one metric in one unit over overlapping periods: the
    second would double the push on the same number."""
    seen = defaultdict(list)
    for item in existing:
        seen[(item.unit.lower(), item.metric)].append(item)
    pairs = []
    for item in proposed:
        key = (item.unit.lower(), item.metric)
        earlier = next((other for other in seen[key] if overlap(other.span, item.span)), None)
        if earlier is not None:
            pairs.append((item, earlier))
        seen[key].append(item)
    return pairs
