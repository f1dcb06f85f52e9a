"""Reading the spreadsheets people really have into rows of cells, before any meaning is given.

Excel and LibreOffice save CSV as UTF-8 with or without a byte-order mark, or (Excel's plain
"CSV" on Windows) as Windows-1252; Finnish settings use semicolons and decimal commas. .xlsx is
read with openpyxl (cells keep their types: a percent-formatted 40 % arrives as the number 0.4).
Limits are checked on the bytes, before anything is parsed, so a huge or hostile file costs little."""
import csv
import io
import re
import zipfile
from dataclasses import dataclass

from okrapp.core.formatting import file_size

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_XLSX_UNPACKED = 40 * 1024 * 1024  # a zip bomb is refused before openpyxl unpacks it
XLSX_MAGIC = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the pages' rule (okrapp/validators.py)
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def text_problem(label: str, text: str, single_line: bool = False) -> str | None:
    """A cell's text as the forms take it: no NUL or other control characters (a sheet can hold
    them; PostgreSQL refuses NUL), and in a one-line field no line breaks."""
    if _CONTROL.search(text):
        return f"{label} contains control characters; remove them"
    if single_line and _LINE_BREAK.search(text):
        return f"{label} must be on one line"
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
        return sorted({line for line, _ in self.problems if line > 0 and line not in good})


def check_limits(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> None:
    """Refuse a file that is too large before parsing it (row count from line breaks or the
    workbook's unpacked size)."""
    if len(data) > max_bytes:
        raise SheetError(f"The file is {file_size(len(data))}; the limit is {file_size(max_bytes)}. "
                         "Split it into smaller files.")
    if data.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise SheetError("The file looks like an .xlsx workbook but is damaged; save it again.") from None
        if unpacked > MAX_XLSX_UNPACKED:
            raise SheetError("The workbook unpacks to more than "
                             f"{MAX_XLSX_UNPACKED // 1024 // 1024} MB; remove other sheets or split it.")
        return
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines - 1 > max_rows:
        raise SheetError(f"The file has {lines - 1} rows; the limit is {max_rows}. Split it into smaller files.")


def read_table(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    check_limits(data, max_bytes, max_rows)
    if not data.strip():
        raise SheetError("The file is empty.")
    table = _read_xlsx(data, max_rows) if data.startswith(XLSX_MAGIC) else _read_csv(data)
    rows = list(table.rows)
    while rows and not any(c not in ("", None) for c in rows[-1]):
        rows.pop()
    rows = tuple(rows)
    if not rows:
        raise SheetError("The file is empty.")
    if len(rows) - 1 > max_rows:
        raise SheetError(f"The sheet has {len(rows) - 1} rows; the limit is {max_rows}. Split it into smaller files.")
    return Table(rows, table.kind, table.delimiter, table.encoding)


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise SheetError(f"The CSV is broken: {error}.") from None
    rows = tuple(tuple(cell.strip() for cell in record) for record in records)
    return Table(rows, "csv", delimiter, encoding)


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) when it is valid UTF-8, else Windows-1252 (Excel's "CSV")."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise SheetError(f"The file is neither UTF-8 nor Windows-1252 text (byte {error.start}); save it as "
                         "“CSV UTF-8” or as an Excel workbook (.xlsx) and try again.") from None


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file  # noqa: BLE001
        raise SheetError(f"The workbook could not be read ({type(error).__name__}); save it again as .xlsx.") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            if len(rows) > max_rows + 1:
                raise SheetError(f"The sheet has more than {max_rows} rows; the limit is {max_rows}.")
            rows.append(tuple(_cell(v) for v in values))
    finally:
        workbook.close()
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
