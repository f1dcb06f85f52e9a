"""Writing tables as CSV and .xlsx for people's spreadsheets, safely.

Text a person typed can start with "=", "+", "-", "@", a tab or a carriage return; a spreadsheet
would run it as a formula (=HYPERLINK(...) to exfiltrate, =cmd|...). Every text cell that starts
so gets a leading apostrophe (OWASP's advice); numbers, dates and booleans stay typed values.

A CSV is also opened by spreadsheets that split it on another character: Excel in a Finnish (or
German, French...) locale splits a comma-separated file on semicolons, and a quote in the middle of
what it reads as a cell does not hold a line break in. So inside a CSV text cell a ";", a tab or a line break followed by a formula
start gets the apostrophe too: "Done;=cmd|..." would otherwise become a cell of its own."""
import csv
import io
import re
from datetime import date, datetime

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_SPLIT_THEN_FORMULA = re.compile(r"([;\t\r\n][ \"]*)(?=[=+\-@])")


def neutralised(value):
    """The cell as a spreadsheet will show it, never as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    return _SPLIT_THEN_FORMULA.sub(r"\1'", str(neutralised(value if isinstance(value, str) else str(value))))


def csv_bytes(rows, delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens ä and € right; CRLF line ends as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_lines(head_rows, rows, delimiter: str = ","):
    """The same CSV as csv_bytes, yielded line by line (a long export is streamed)."""
    yield "\ufeff".encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for index, row in enumerate(_chain(head_rows, rows)):
        writer.writerow([_csv_cell(v) for v in row])
        if index % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def xlsx_bytes(rows, title: str = "Sheet") -> bytes:
    """A one-sheet workbook (openpyxl, write-only: constant memory however many rows)."""
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    """Text is neutralised like in CSV (and so never starts with "=", which openpyxl would store as
    a formula); control characters XML cannot hold are dropped."""
    if isinstance(value, str):
        return neutralised("".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32))
    return value
