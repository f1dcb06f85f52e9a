"""Writing tables as CSV and .xlsx for people's spreadsheets, safely.

Text a person typed can start with "=", "+", "-", "@", a tab or a carriage return; a spreadsheet
would run it as a formula (=HYPERLINK(...) to exfiltrate, =cmd|...). Every text cell that starts
so gets a leading apostrophe (OWASP's advice); numbers, dates and booleans stay typed values.
Spreadsheets skip blanks before the sign and read the full-width and small signs (＝ ＋ － ＠, ﹦...)
as the ASCII ones, so a cell is judged on its first character after any Unicode blank (a space,
U+00A0, U+3000, U+2000–U+200B, U+FEFF, line breaks...), folded as NFKC folds it.

A CSV is also opened by spreadsheets that split it on another character: Excel in a Finnish (or
German, French...) locale splits a comma-separated file on semicolons, and a quote in the middle of
what it reads as a cell does not hold a line break in. So inside a CSV text cell a ";", a tab or a line break followed by a formula
start gets the apostrophe too: "Done;=cmd|..." would otherwise become a cell of its own."""
import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = "=+-@"
# Unicode whitespace (\s: U+00A0, U+2000–U+200A, U+3000, tabs, line breaks...) and the invisible
# characters a paste carries (zero-width space and joiners, direction marks, word joiner, BOM)
_BLANK = "\\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
# the formula signs and every character NFKC folds to one (full-width, small, super- and subscript)
_SIGN = "=+\\-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u207c\u207a\u208c\u208a\u2a75\u2a76\ufb29"
_LEADING_BLANKS = re.compile(f"^[{_BLANK}]+")
_SPLIT_THEN_FORMULA = re.compile(f"([;\\t\\r\\n][{_BLANK}\"]*)(?=[{_SIGN}])")
_SPLIT = re.compile("[;\t\r\n]")
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 cannot hold


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read text as a formula: a tab or CR first, or a formula sign
    (in any width) as the first character after blanks."""
    if not text or text[0].isalnum():  # most text: no blank or sign is a letter or digit
        return False
    if text.startswith(DANGEROUS_START):
        return True
    rest = _LEADING_BLANKS.sub("", text, count=1)
    return bool(rest) and unicodedata.normalize("NFKC", rest[0])[:1] in FORMULA_SIGNS


def neutralised(value):
    """The cell as a spreadsheet will show it, never as a formula. Only text: a number stays a number."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, (int, Decimal)):  # a real number, -3 included, is written as a number
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    text = neutralised(value if isinstance(value, str) else str(value))
    return _SPLIT_THEN_FORMULA.sub(r"\1'", text) if _SPLIT.search(text) else text


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
    """A one-sheet workbook, in memory: for small sheets (templates); exports stream theirs
    (workbook_stream)."""
    out = io.BytesIO()
    _write_xlsx(out, rows, title)
    return out.getvalue()


def _write_xlsx(out, rows, title: str) -> None:
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    for row in rows:
        sheet.append([_xlsx_cell(v, sheet) for v in row])
    workbook.save(out)


def _xlsx_cell(value, sheet=None):
    """Text is neutralised like in CSV and stored as text: openpyxl would store a string starting
    with "=" as a formula and "#N/A" as an error, so such a string is given the string type
    itself; control characters XML cannot hold are dropped."""
    if not isinstance(value, str):
        return value
    text = neutralised(without_xml_controls(value))
    if text.startswith("=") or text.startswith("#"):
        from openpyxl.cell import WriteOnlyCell
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "s"
        return cell
    return text


def without_xml_controls(text: str) -> str:
    """The control characters XML 1.0 cannot hold, dropped."""
    return _NOT_IN_XML.sub("", text) if _NOT_IN_XML.search(text) else text
