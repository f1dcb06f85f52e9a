"""Reading a legacy KPI / bonus sheet (CSV) before anything is saved.

Columns: unit, KPI name, metric key, direction, weight, target. Semicolon or comma separated,
UTF-8 (with or without BOM). With semicolons, decimal commas are accepted (0,4), as Finnish
spreadsheets write them; a weight may also be a percentage (40 %)."""
import csv
import io
import re
from dataclasses import dataclass

COLUMNS = {
    "unit": ("unit", "yksikkö"),
    "name": ("kpi name", "kpi", "name", "kpi_name"),
    "metric": ("metric key", "metric", "metric_key"),
    "direction": ("direction",),
    "weight": ("weight",),
    "target": ("target",),
}
DIRECTIONS = {"increase": "increase", "decrease": "decrease", "up": "increase", "down": "decrease"}


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
class SheetReport:
    rows: tuple[SheetRow, ...]
    problems: tuple[tuple[int, str], ...]  # (line, message); line 0 is the file as a whole
    delimiter: str

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def problems_for(self, line: int) -> list[str]:
        return [message for at, message in self.problems if at == line]


def read_kpi_sheet(data: bytes, units: set[str], metrics: set[str]) -> SheetReport:
    """Validate every row; units and metrics are the names and keys that exist (units match
    case-insensitively and come back with the existing spelling)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return SheetReport((), ((0, f"The file is not UTF-8 text (byte {error.start}); save it as “CSV UTF-8” "
                                    "and try again."),), ",")
    if not text.strip():
        return SheetReport((), ((0, "The file is empty."),), ",")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        return SheetReport((), ((0, f"The CSV is broken: {error}."),), delimiter)
    header, problems = _header(records[0])
    if problems:
        return SheetReport((), tuple((1, p) for p in problems), delimiter)
    by_lower = {u.lower(): u for u in units}
    rows, problems, seen = [], [], {}
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(records[0]):
            problems.append((line, f"expected {len(records[0])} fields, found {len(record)}"))
            continue
        row, row_problems = _row(line, {k: record[i].strip() for k, i in header.items()}, by_lower, metrics,
                                 decimal_comma=delimiter == ";")
        key = (row.unit.lower(), row.name.lower()) if row else None
        if key in seen:
            row_problems.append(f"duplicate of line {seen[key]} (same unit and KPI name)")
        problems += [(line, p) for p in row_problems]
        if row and not row_problems:
            seen[key] = line
            rows.append(row)
    if not rows and not problems:
        problems.append((0, "The file has a header but no rows."))
    return SheetReport(tuple(rows), tuple(problems), delimiter)


def _header(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    names = [c.strip().lower().lstrip("\ufeff") for c in cells]
    found, problems = {}, []
    for key, aliases in COLUMNS.items():
        positions = [i for i, name in enumerate(names) if name in aliases]
        if positions:
            found[key] = positions[0]
        elif key != "target":
            problems.append(f"missing column “{aliases[0]}” (the columns are: unit, KPI name, metric key, "
                            "direction, weight, target)")
    return found, problems


def _row(line, cells, units, metrics, decimal_comma) -> tuple[SheetRow | None, list[str]]:
    problems = []
    unit = units.get(cells["unit"].lower())
    if not cells["unit"]:
        problems.append("unit is empty")
    elif unit is None:
        problems.append(f"unknown unit “{cells['unit']}” (add it under Units first)")
    if not cells["name"]:
        problems.append("KPI name is empty")
    if cells["metric"] not in metrics:
        problems.append(f"unknown metric key “{cells['metric']}”" if cells["metric"] else "metric key is empty")
    direction = DIRECTIONS.get(cells["direction"].lower())
    if direction is None:
        problems.append(f"direction must be increase or decrease, not “{cells['direction']}”")
    weight = _number(cells["weight"], decimal_comma, percent=True)
    if weight is None or not 0 < weight <= 1:
        problems.append(f"weight must be a number in (0, 1] or a percentage up to 100 %, not “{cells['weight']}”")
    target = None
    if cells.get("target"):
        target = _number(cells["target"], decimal_comma)
        if target is None:
            problems.append(f"target must be a number, not “{cells['target']}”")
    if problems:
        return None, problems
    return SheetRow(line, unit, cells["name"], cells["metric"], direction, weight, target), []


def _number(text: str, decimal_comma: bool, percent: bool = False) -> float | None:
    value = text.replace("\u00a0", "").replace(" ", "")
    is_percent = percent and value.endswith("%")
    value = value.rstrip("%")
    if decimal_comma:
        value = value.replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", value):
        return None
    number = float(value)
    return number / 100 if is_percent else number
