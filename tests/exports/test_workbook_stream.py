"""The streamed workbook reads back as written, in openpyxl (as Excel and LibreOffice would open it),
and leaves in pieces as its rows are read, not after the last one."""
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from okrapp.core.files.workbook_stream import stream_xlsx


def read_back(data: bytes) -> list[tuple]:
    return [tuple(c.value for c in row) for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def test_every_kind_of_value_comes_back_typed_and_in_its_column():
    rows = [["Key result", "When", "Day", "Value", "Done", "Empty", "Share"],
            ["NPS <ääkköset> & “quotes”", datetime(2026, 12, 5, 9, 30), date(2026, 12, 31), 1234.5, True, None,
             Decimal("0.25")],
            ["=cmd|' /C calc'!A0", datetime(2026, 1, 1), date(1999, 2, 28), -3, False, None, 7],
            ["bell\x07 and tab\tkept", None, None, float("nan"), None, "last", float("inf")]]
    data = b"".join(stream_xlsx(rows, "Check-ins: [2026/Q4]"))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Check-ins   2026 Q4 "[:31].strip("' ")]
    assert read_back(data) == [
        ("Key result", "When", "Day", "Value", "Done", "Empty", "Share"),
        ("NPS <ääkköset> & “quotes”", datetime(2026, 12, 5, 9, 30), datetime(2026, 12, 31), 1234.5, True, None, 0.25),
        ("'=cmd|' /C calc'!A0", datetime(2026, 1, 1), datetime(1999, 2, 28), -3, False, None, 7),
        ("bell and tab\tkept", None, None, None, None, "last", None)]  # non-finite numbers left empty
    sheet = book.active
    assert sheet["B2"].is_date and sheet["C2"].is_date and sheet["D2"].data_type == "n"
    assert sheet["A3"].data_type == "s"  # a formula-like text is text, neutralised, never a formula
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


def test_the_first_bytes_leave_before_the_last_row_is_read():
    read = []

    def rows():
        for n in range(50_000):
            read.append(n)
            yield [n, f"key result {n}", datetime(2026, 12, 5), 0.5]

    pieces = stream_xlsx(rows(), "Big")
    first = next(pieces)
    assert first.startswith(b"PK") and len(read) < 50_000  # sent while most rows are still unread
    data = first + b"".join(pieces)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    read_back_rows = list(sheet.iter_rows(values_only=True))
    count, last = len(read_back_rows), read_back_rows[-1]
    assert count == 50_000 and last == (49_999, "key result 49999", datetime(2026, 12, 5), 0.5)
