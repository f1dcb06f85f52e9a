"""Reading a sheet of check-ins (one row per measurement) before anything is saved.

Columns, English or Finnish: key result (its number, as on its page: 12 or KR-12), value, date
(optional: 2026-11-20 or 20.11.2026; empty means now), confidence (0–10, optional), comment
(optional). Same files as the KPI sheet (domain.sheets). Values far off a key result's path are
warnings shown in the preview: confirming the import confirms them."""
import re
from dataclasses import dataclass
from datetime import date, datetime

from okrapp.domain.check_ins import Path, implausible
from okrapp.domain.metrics import range_problem
from okrapp.domain.numbers import NumberError, parse_number
from okrapp.domain.sheets import MAX_BYTES, MAX_ROWS, LineProblems, SheetError, header_index, read_table, text_problem
from okrapp.core.formatting import day
from okrapp.core.words import _

COLUMNS = {
    "key_result": ("key result", "key result id", "kr", "kr id", "key_result", "avaintulos", "avaintuloksen numero"),
    "value": ("value", "arvo"),
    "date": ("date", "päivä", "päivämäärä", "pvm"),
    "confidence": ("confidence", "luottamus", "varmuus"),
    "comment": ("comment", "kommentti", "huomio"),
}
REQUIRED = ("key_result", "value")
TEMPLATE_HEADER = ("key result", "value", "date", "confidence", "comment")


@dataclass(frozen=True)
class Target:
    """What the sheet may write to: a key result the importing user may check in on."""
    id: int
    title: str
    path: Path
    allowed: bool
    milestone: bool = False


@dataclass(frozen=True)
class CheckInRow:
    line: int
    key_result_id: int
    title: str
    value: float
    on: date | None
    confidence: int | None
    comment: str
    warning: str | None


@dataclass(frozen=True)
class CheckInSheet(LineProblems):
    rows: tuple[CheckInRow, ...]
    problems: tuple[tuple[int, str], ...]


def read_check_in_sheet(data: bytes, targets: dict[int, Target], today: date, earliest: date,
                        max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> CheckInSheet:
    try:
        table = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    except SheetError as error:
        return CheckInSheet((), ((0, str(error)),))
    header = header_index(table.rows[0], COLUMNS)
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        return CheckInSheet((), tuple((1, _("missing column “%(column)s” (the columns are: %(columns)s)",
                                            column=TEMPLATE_HEADER[list(COLUMNS).index(key)],
                                            columns=", ".join(TEMPLATE_HEADER))) for key in missing))
    rows, problems = [], []
    for line, record in enumerate(table.rows[1:], start=2):
        if not any(cell not in ("", None) for cell in record):
            continue
        cells = {key: (record[i] if i < len(record) else "") for key, i in header.items()}
        row, row_problems = _row(line, cells, targets, today, earliest, not table.decimal_comma_only)
        problems += [(line, p) for p in row_problems]
        if row:
            rows.append(row)
    if not rows and not problems:
        problems.append((0, _("The file has a header but no rows.")))
    return CheckInSheet(tuple(rows), tuple(problems))


def _row(line, cells, targets, today, earliest, comma_may_group):
    problems = []
    target = None
    kr_cell = cells["key_result"]
    kr_text = f"{kr_cell:.0f}" if isinstance(kr_cell, float) and kr_cell.is_integer() else str(kr_cell).strip()
    match = re.fullmatch(r"(?:KR-?)?(\d{1,12})", kr_text, re.IGNORECASE)
    if not kr_text:
        problems.append(_("key result is empty"))
    elif not match or int(match.group(1)) not in targets:
        problems.append(_("unknown key result “%(key_result)s” (use the number shown on the key result's page)",
                           key_result=kr_text))
    else:
        target = targets[int(match.group(1))]
        if not target.allowed:
            problems.append(_("you may not check in on “%(title)s”", title=target.title))
    value = None
    try:
        value = parse_number(cells["value"], comma_may_group=comma_may_group)
    except NumberError as error:
        problems.append(_("value: %(problem)s", problem=error))
    if value is not None and target is not None:
        if target.milestone and value not in (0, 1):
            problems.append(_("a milestone is either done (1) or not done (0)"))
        else:
            problem = range_problem(value, target.path.min_value, target.path.max_value, label=_("value"))
            if problem:
                problems.append(problem)
    on = _date(cells.get("date", ""), problems, today, earliest)
    confidence = None
    if cells.get("confidence") not in (None, ""):
        try:
            confidence = parse_number(cells["confidence"])
        except NumberError:
            confidence = -1
        if confidence != int(confidence) or not 0 <= confidence <= 10:
            problems.append(_("confidence must be a whole number from 0 to 10, not “%(cell)s”", cell=cells["confidence"]))
        confidence = int(confidence)
    comment = str(cells.get("comment", "") or "").strip()
    if len(comment) > 2000:
        problems.append(_("comment is longer than 2000 characters"))
    elif problem := text_problem(_("comment"), comment):
        problems.append(problem)
    if problems:
        return None, problems
    warning = implausible(value, target.path)
    return CheckInRow(line, target.id, target.title, value, on, confidence, comment, warning), []


def _date(cell, problems, today, earliest) -> date | None:
    text = str(cell or "").strip()
    if not text:
        return None
    found = None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%d.%m.%y"):
        try:
            found = datetime.strptime(text, pattern).date()
            break
        except ValueError:
            continue
    if found is None:
        problems.append(_("date must look like 2026-11-20 or 20.11.2026, not “%(cell)s”", cell=text))
    elif found > today:
        problems.append(_("date %(date)s is in the future", date=day(found)))
    elif found < earliest:
        problems.append(_("date %(date)s is before %(earliest)s", date=day(found), earliest=day(earliest)))
    return found


# A correction rewrites the past; one that moves the company's customer score this much (5 points) is asked
# about once more, like an implausible value: 63 % -> 55 % from one typo must not pass unnoticed.
COMPANY_MOVE = 0.05


def moves_the_company(before: float | None, after: float | None, floor: float = COMPANY_MOVE) -> bool:
    """Whether the company score moved by at least floor (both known)."""
    return before is not None and after is not None and abs(after - before) >= floor - 1e-9
