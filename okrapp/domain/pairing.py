"""Paired indicators: a plan row that rewards speed, volume or cost should be weighed, in the same unit,
by a quality or customer metric the catalogue pairs with it (cost per delivery ↔ on-time delivery,
sales volume ↔ churn, handling time ↔ first-contact resolution). A row without its counterweight is
*unpaired*: the unit is paid to push one side with nothing holding the other."""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Unpaired:
    unit: str
    name: str  # the row's name
    metric: str  # metric key
    suggested: tuple[str, ...]  # counter metric keys, sorted


def _unit_key(unit: str) -> str:
    return unit.strip().casefold()


def unpaired(rows: Iterable[tuple[str, str, str]], weighed_by: Mapping[str, Iterable[str]],
             pairs: Mapping[str, Iterable[str]]) -> list[Unpaired]:
    """rows: iterable of (unit, name, metric_key); weighed_by: {unit name lower: set of metric keys the unit
    is paid on or accountable for}; pairs: {metric key: set of counter keys}. A row whose metric has pairs and
    whose unit has none of the counters (rows of the same unit in `rows` count too) is unpaired.

    Units match whatever their case (and surrounding blanks); the result keeps the rows' order."""
    rows = list(rows)
    held: dict[str, set[str]] = {}
    for unit, keys in weighed_by.items():
        held.setdefault(_unit_key(unit), set()).update(keys)
    for unit, _name, metric in rows:
        held.setdefault(_unit_key(unit), set()).add(metric)
    found = []
    for unit, name, metric in rows:
        counters = set(pairs.get(metric, ()))
        if counters and not counters & held[_unit_key(unit)]:
            found.append(Unpaired(unit, name, metric, tuple(sorted(counters))))
    return found
