"""Reading the spreadsheets people really have into rows of cells, before any meaning is given.

Excel and LibreOffice save CSV as UTF-8 with or without a byte-order mark, or (Excel's plain
"CSV" on Windows) as Windows-1252, or (Excel's "Unicode text") as tab-separated UTF-16 with a
byte-order mark; Finnish settings use semicolons and decimal commas. .xlsx is read with openpyxl
(cells keep their types: a percent-formatted 40 % arrives as the number 0.4; see domain.workbooks).

Reading is bounded by what is there, never by what a file declares: the bytes are checked before
anything is parsed (size, a CSV's line count, a workbook's zip directory), and rows are read one
at a time, stopping at the row limit, MAX_COLUMNS, MAX_CELLS filled cells, MAX_CELL_CHARS in a
cell and MAX_LINE_CHARS on a CSV line. So a huge or hostile file costs little."""
import csv
import io
import re
from dataclasses import dataclass

from okrapp.core.formatting import file_size, number
from okrapp.core.words import _
from okrapp.domain import workbooks

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50  # columns after the 50th (AX) are not read
MAX_CELLS = 100_000  # filled cells in a sheet
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
MAX_LINE_CHARS = 65_536  # one line of a CSV
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected Office file
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the pages' rule (okrapp/validators.py)
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
_FIRST_LINE = re.compile(r"[^\r\n]*")


def text_problem(label: str, text: str, single_line: bool = False) -> str | None:
    """A cell's text as the forms take it: no NUL or other control characters (a sheet can hold
    them; PostgreSQL refuses NUL), and in a one-line field no line breaks."""
    if _CONTROL.search(text):
        return _("%(label)s contains control characters; remove them", label=label)
    if single_line and _LINE_BREAK.search(text):
        return _("%(label)s must be on one line", label=label)
    return None

Cell = str | float | None


class SheetError(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]  # the header first; lines count from 1 at the header
    kind: str  # "xlsx" or "csv"
    delimiter: str = ""
    encoding: str = ""

    @property
    def decimal_comma_only(self) -> bool:
        """In a semicolon CSV a comma can only be a decimal mark; in a comma CSV it may group thousands."""
        return self.kind == "csv" and self.delimiter != ","


class LineProblems:
    """What a preview page asks of a checked sheet, whatever its rows are: the rows read (each
    with its line) and the problems as (line, message), line 0 being the file as a whole."""
    rows: tuple
    problems: tuple[tuple[int, str], ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def problems_for(self, line: int) -> list[str]:
        return [message for at, message in self.problems if at == line]

    @property
    def bad_lines(self) -> list[int]:
        """Lines with problems that have no valid row to show them beside."""
        good = {row.line for row in self.rows}
        return sorted({line for line, _message in self.problems if line > 0 and line not in good})


def check_limits(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> None:
    """Refuse a file that is too large before parsing it (row count from line breaks, or what the
    workbook's zip directory declares)."""
    if len(data) > max_bytes:
        raise SheetError(_("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.",
                           size=file_size(len(data)), limit=file_size(max_bytes)))
    if data.startswith(OLE_MAGIC):
        raise SheetError(_("This is an Excel 97–2003 workbook (.xls) or a password-protected one; save it as .xlsx "
                           "without a password, or as “CSV UTF-8”."))
    if data.startswith(XLSX_MAGIC):
        try:
            workbooks.check_archive(data)
        except workbooks.WorkbookRefused as error:
            raise SheetError(str(error)) from None
        return
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines - 1 > max_rows:
        raise SheetError(_("The file has %(rows)s rows; the limit is %(limit)s. Split it into smaller files.",
                           rows=lines - 1, limit=max_rows))


def read_table(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    check_limits(data, max_bytes, max_rows)
    if not data.strip():
        raise SheetError(_("The file is empty."))
    table = _read_xlsx(data, max_rows) if data.startswith(XLSX_MAGIC) else _read_csv(data, max_rows)
    rows = list(table.rows)
    while rows and not any(c not in ("", None) for c in rows[-1]):
        rows.pop()
    rows = tuple(rows)
    if not rows:
        raise SheetError(_("The file is empty."))
    if len(rows) - 1 > max_rows:
        raise SheetError(_("The sheet has %(rows)s rows; the limit is %(limit)s. Split it into smaller files.",
                           rows=len(rows) - 1, limit=max_rows))
    return Table(rows, table.kind, table.delimiter, table.encoding)


def _rows_within_limits(records, max_rows: int, cell) -> list[tuple[Cell, ...]]:
    """The records read one at a time, MAX_COLUMNS wide, until a limit says stop: more than
    max_rows rows after the header (blank rows past it are let be, up to as many again: formatted
    blanks), MAX_CELLS filled cells or a cell over MAX_CELL_CHARS."""
    rows, filled, blank_after = [], 0, 0
    for line, record in enumerate(records, start=1):
        row = tuple(cell(value) for value in record[:MAX_COLUMNS])
        count = sum(1 for value in row if value not in ("", None))
        if len(rows) > max_rows:
            blank_after += 1
            if count or blank_after > max_rows:
                raise SheetError(_("The sheet has more than %(limit)s rows; the limit is %(limit)s. "
                                   "Split it into smaller files.", limit=max_rows))
            continue
        filled += count
        if filled > MAX_CELLS:
            raise SheetError(_("The sheet has more than %(cells)s filled cells; split it into smaller files.",
                               cells=number(MAX_CELLS)))
        long = max((len(value) for value in row if isinstance(value, str)), default=0)
        if long > MAX_CELL_CHARS:
            raise SheetError(_("Line %(line)s has a cell of %(chars)s characters; a cell may hold %(limit)s.",
                               line=line, chars=number(long), limit=number(MAX_CELL_CHARS)))
        rows.append(row)
    return rows


def _read_csv(data: bytes, max_rows: int = MAX_ROWS) -> Table:
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    first_line = _FIRST_LINE.match(text).group()
    delimiter = max((";", ",", "\t"), key=first_line[:MAX_LINE_CHARS].count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        rows = _rows_within_limits(csv.reader(_csv_lines(text), delimiter=delimiter, strict=True), max_rows, str.strip)
    except csv.Error as error:
        raise SheetError(_("The CSV is broken: %(error)s.", error=error)) from None
    return Table(tuple(rows), "csv", delimiter, encoding)


def _csv_lines(text: str):
    """The text's lines one at a time (a quoted cell may span several), none over MAX_LINE_CHARS."""
    for at, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise SheetError(_("Line %(line)s of the file is %(chars)s characters long; the limit is %(limit)s. "
                               "Is it really a sheet of rows?", line=at, chars=number(len(line)),
                               limit=number(MAX_LINE_CHARS)))
        yield line


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-16 or UTF-32 when the file starts with their byte-order mark (Excel's "Unicode text"),
    UTF-8 (with or without BOM) when it is valid UTF-8, else Windows-1252 (Excel's "CSV"). Text
    full of NUL bytes without a mark is UTF-16 when it decodes as such, else refused by name."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as error:
                raise SheetError(_("The file starts as %(codec)s text but is damaged at byte %(byte)s; save it again "
                                   "as “CSV UTF-8” or as an Excel workbook (.xlsx).", codec=codec.upper(),
                                   byte=error.start)) from None
    sample = data[:4096]
    if sample and sample.count(0) * 4 >= len(sample):
        codec = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" not in text:
            return text, codec
        raise SheetError(_("The file is full of NUL bytes: UTF-16 or UTF-32 text without a byte-order mark, or not "
                           "text at all. Save it as “CSV UTF-8” or as an Excel workbook (.xlsx)."))
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise SheetError(_("The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s); save it as "
                           "“CSV UTF-8” or as an Excel workbook (.xlsx) and try again.", byte=error.start)) from None


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    records = workbooks.read_rows(data, MAX_COLUMNS)
    try:
        rows = _rows_within_limits(records, max_rows, _cell)
    except workbooks.WorkbookRefused as error:
        raise SheetError(str(error)) from None
    finally:
        records.close()  # the workbook too, when a limit stopped the reading
    return Table(_trimmed(rows), "xlsx")


def _cell(value) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _trimmed(rows) -> tuple[tuple[Cell, ...], ...]:
    """Every row as wide as the header: a workbook's rows end at their last value, or run on
    into formatted blanks."""
    if not rows:
        return ()
    header = list(rows[0])
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    return tuple([tuple(header)] + [tuple((list(r) + [""] * width)[:width]) for r in rows[1:]])


def header_index(header: tuple[Cell, ...], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Which position holds each known column; headers match case-insensitively, English or Finnish."""
    names = [str(c).strip().lower().lstrip("\ufeff") for c in header]
    found = {}
    for key, aliases in columns.items():
        positions = [i for i, name in enumerate(names) if name in aliases]
        if positions:
            found[key] = positions[0]
    return found


def records(table: Table, header: dict[str, int]):
    """The sheet's data lines as (line number, {column key: cell}, problem): blank lines skipped, and a
    CSV line with another number of fields than the header given only its problem (cells None)."""
    width = len(table.rows[0])
    for line, record in enumerate(table.rows[1:], start=2):
        if not any(cell not in ("", None) for cell in record):
            continue
        if table.kind == "csv" and len(record) != width:
            yield line, None, _("expected %(width)s fields, found %(found)s", width=width, found=len(record))
            continue
        yield line, {key: (record[i] if i < len(record) else "") for key, i in header.items()}, None
