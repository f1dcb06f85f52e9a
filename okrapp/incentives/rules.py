"""Reading a legacy KPI / bonus sheet before anything is saved.

Columns (English or Finnish headers, any order): unit, KPI name, metric key, direction, weight,
target (optional). CSV in UTF-8 (with or without BOM) or Windows-1252, comma, semicolon or tab
separated, or an .xlsx workbook (first sheet); see domain.sheets. Numbers go through
domain.numbers (decimal commas, thousands spaces); a weight is a share (0,4) or a percentage (40 %).

Every problem of every row is reported with its line number (the header is line 1), and so are
the things a sheet can only get wrong as a whole: a unit's bonus shares adding up to more than
100 % together with its active incentives, and one metric rewarded twice in one unit — both only
counting incentives whose plan periods overlap the sheet's (domain.plan_periods), so next year's
sheet is read while this year's bonuses still run."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from okrapp.domain.numbers import NumberError, parse_number
from okrapp.domain.plan_periods import Planned, overlap, overruns, rewarded_twice
from okrapp.domain.sheets import (
    MAX_BYTES, MAX_ROWS, LineProblems, SheetError, Table, header_index, read_table, records, text_problem)
from okrapp.core.words import _

COLUMNS = {
    "unit": ("unit", "yksikkö", "yksikko"),
    "name": ("kpi name", "kpi", "name", "kpi_name", "kpi-nimi", "kpi:n nimi", "nimi", "bonuskriteeri", "kriteeri"),
    "metric": ("metric key", "metric", "metric_key", "mittari", "mittarin avain", "mittariavain", "avain"),
    "direction": ("direction", "suunta"),
    "weight": ("weight", "share", "paino", "painoarvo", "osuus", "bonusosuus"),
    "target": ("target", "tavoite", "tavoitearvo"),
}
OPTIONAL = {"target"}
TEMPLATE_HEADER = ("unit", "KPI name", "metric key", "direction", "weight", "target")
DIRECTIONS = {"increase": "increase", "decrease": "decrease", "up": "increase", "down": "decrease",
              "kasvu": "increase", "nousu": "increase", "ylös": "increase", "kasvata": "increase",
              "lasku": "decrease", "alas": "decrease", "pienennä": "decrease", "vähennä": "decrease",
              "↑": "increase", "↓": "decrease"}


@dataclass(frozen=True)
class SheetRow:
    line: int
    unit: str
    name: str
    metric: str
    direction: str
    weight: float
    target: float | None


@dataclass(frozen=True)
class UnitTotal:
    unit: str
    existing: float  # share paid by active incentives in periods overlapping the sheet's
    added: float  # share this sheet adds
    overrun: bool = False  # over 100 % on some day (the sum above may count periods that do not meet)

    @property
    def total(self) -> float:
        return self.existing + self.added

    @property
    def over(self) -> bool:
        return self.overrun


@dataclass(frozen=True)
class SheetReport(LineProblems):
    rows: tuple[SheetRow, ...]
    problems: tuple[tuple[int, str], ...]  # (line, message); line 0 is the file as a whole
    delimiter: str
    kind: str = "csv"
    totals: tuple[UnitTotal, ...] = ()


def read_kpi_sheet(data: bytes, units: set[str], metrics: set[str], existing: tuple[Planned, ...] = (),
                   max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
                   span: tuple[date, date] = (date.min, date.max)) -> SheetReport:
    """Validate every row; units and metrics are the names and keys that exist (units match
    case-insensitively and come back with the existing spelling); existing are the active incentives
    (with their plan periods' dates), span the sheet's plan period: the sheet adds to those it overlaps."""
    try:
        table = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    except SheetError as error:
        return SheetReport((), ((0, str(error)),), ",")
    header = header_index(table.rows[0], COLUMNS)
    missing = [key for key in COLUMNS if key not in header and key not in OPTIONAL]
    if missing:
        return SheetReport((), tuple((1, _("missing column “%(column)s” (the columns are: %(columns)s; Finnish headers "
                                           "work too: yksikkö, nimi, mittari, suunta, paino, tavoite)",
                                           column=TEMPLATE_HEADER[list(COLUMNS).index(key)],
                                           columns=", ".join(TEMPLATE_HEADER)))
                                     for key in missing), table.delimiter, table.kind)
    rows, problems = _rows(table, header, {u.lower(): u for u in units}, metrics)
    existing = [e for e in existing if overlap(e.span, span)]
    planned = {Planned(row.unit, row.name, row.metric, row.weight, *span, ref=_("line %(line)s", line=row.line)): row.line
               for row in rows}
    problems += _clashes(rows, existing, planned)
    over = overruns(existing, list(planned))
    totals = _totals(rows, existing, {o.unit.lower() for o in over})
    problems += [(0, o.message()) for o in over]
    if not rows and not problems:
        problems.append((0, _("The file has a header but no rows.")))
    problems.sort(key=lambda p: p[0])
    return SheetReport(tuple(rows), tuple(problems), table.delimiter, table.kind, totals)


def _rows(table: Table, header, units, metrics):
    rows, problems, seen = [], [], {}
    for line, cells, problem in records(table, header):
        if problem:
            problems.append((line, problem))
            continue
        row, row_problems = _row(line, cells, units, metrics, comma_may_group=not table.decimal_comma_only)
        key = (str(cells["unit"]).lower(), str(cells["name"]).lower())
        if key in seen:
            row_problems.append(_("duplicate of line %(line)s (same unit and KPI name)", line=seen[key]))
        else:
            seen[key] = line
        problems += [(line, p) for p in row_problems]
        if row and not row_problems:
            rows.append(row)
    return rows, problems


def _row(line, cells, units, metrics, comma_may_group) -> tuple[SheetRow | None, list[str]]:
    problems = []
    unit_text, name = str(cells["unit"]).strip(), str(cells["name"]).strip()
    metric, direction_text = str(cells["metric"]).strip(), str(cells["direction"]).strip()
    unit = units.get(unit_text.lower())
    if not unit_text:
        problems.append(_("unit is empty"))
    elif unit is None:
        problems.append(_("unknown unit “%(unit)s” (add it under Units first)", unit=unit_text))
    if not name:
        problems.append(_("KPI name is empty"))
    elif len(name) > 200:
        problems.append(_("KPI name is longer than 200 characters"))
    elif problem := text_problem(_("KPI name"), name, single_line=True):
        problems.append(problem)
    if metric not in metrics:
        problems.append(_("unknown metric key “%(metric)s” (the keys are listed beside the form)", metric=metric)
                        if metric else _("metric key is empty"))
    direction = DIRECTIONS.get(direction_text.lower())
    if direction is None:
        problems.append(_("direction must be increase or decrease (kasvu or lasku), not “%(direction)s”",
                          direction=direction_text))
    weight = _number(cells["weight"], percent=True, comma_may_group=comma_may_group)
    if weight is None or not 0 < weight <= 1:
        problems.append(_("weight must be a number in (0, 1] or a percentage up to 100 %%, not “%(weight)s”",
                          weight=_shown(cells["weight"])))
    target = None
    if cells.get("target") not in (None, ""):
        target = _number(cells["target"], comma_may_group=comma_may_group)
        if target is None:
            problems.append(_("target must be a number, not “%(target)s”", target=_shown(cells["target"])))
    if problems:
        return None, problems
    return SheetRow(line, unit, name, metric, direction, weight, target), []


def _number(cell, percent=False, comma_may_group=False) -> float | None:
    try:
        return parse_number(cell, percent=percent, comma_may_group=comma_may_group)
    except NumberError:
        return None


def _shown(cell) -> str:
    return f"{cell:g}" if isinstance(cell, float) else str(cell)


def _clashes(rows: list[SheetRow], existing: list[Planned], planned: dict[Planned, int]) -> list[tuple[int, str]]:
    """A KPI that exists already in an overlapping period, and one metric rewarded twice in one unit
    (in the sheet or together with an active incentive): the second would double the push on the
    same number. planned: the sheet's rows as the plan rules read them, with their lines."""
    names = {(e.unit.lower(), e.name.lower()) for e in existing}
    problems = [(row.line, _("%(unit)s already has an active incentive “%(name)s”", unit=row.unit, name=row.name))
                for row in rows if (row.unit.lower(), row.name.lower()) in names]
    problems += [(planned[row], _("metric “%(metric)s” is rewarded twice in %(unit)s (also by %(ref)s)",
                                  metric=row.metric, unit=row.unit, ref=earlier.ref))
                 for row, earlier in rewarded_twice(existing, list(planned))]
    return problems


def _totals(rows: list[SheetRow], existing: list[Planned], over: set[str]) -> tuple[UnitTotal, ...]:
    added, before = defaultdict(float), defaultdict(float)
    for row in rows:
        added[row.unit] += row.weight
    spelled = {u.lower(): u for u in added}
    for item in existing:
        if item.unit.lower() in spelled:
            before[spelled[item.unit.lower()]] += item.weight
    return tuple(UnitTotal(unit, before[unit], added[unit], unit.lower() in over) for unit in sorted(added))
