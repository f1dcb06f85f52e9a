"""Hostile and odd spreadsheets, each small enough for the upload limit (2 MB), built in memory:
used by tests/core/test_hostile_sheets.py and bench/imports.py. Every builder returns bytes."""
import io
import os
import struct
import zipfile

from openpyxl import Workbook

HEADER = ("unit", "KPI name", "metric key", "direction", "weight", "target")
ROW = ("Equipment Sales", "Orders per sales rep", "revenue", "increase", 0.4, 1200.5)
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def small_xlsx(rows=(HEADER, ROW)) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def patched(data: bytes, parts: dict) -> bytes:
    """The workbook with some parts replaced (a bytes value, or a function of the old bytes) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            body = source.read(name)
            change = parts.get(name)
            target.writestr(name, change(body) if callable(change) else (body if change is None else change))
        for name, change in parts.items():
            if name not in source.namelist():
                target.writestr(name, change(b"") if callable(change) else change)
    return out.getvalue()


def sheet_xml(rows: bytes, dimension: bytes = b"") -> bytes:
    return b"<worksheet " + MAIN + b">" + dimension + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def with_sheet(sheet) -> bytes:
    """A small workbook whose sheet is replaced: sheet is the XML's rows, or a function of the old XML."""
    return patched(small_xlsx(), {"xl/worksheets/sheet1.xml": sheet if callable(sheet) else sheet_xml(sheet)})


def padded(spaces: int):
    return lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * spaces)


def cell_formats(count: int) -> bytes:
    return b"".join(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>' % (i * 7919 % 200) for i in range(count))


def dimension_trick(last_row: bool = False) -> bytes:
    """Two rows under a declared dimension of the whole grid, 16,384 × 1,048,576 cells; with last_row
    the second row is the grid's last (openpyxl then yields a million rows, each padded to 16,384)."""
    def declare(xml: bytes) -> bytes:
        start = xml.index(b"<dimension ")
        xml = xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[xml.index(b"/>", start) + 2:]
        return xml.replace(b'<row r="2"', b'<row r="1048576"').replace(b'2" t=', b'1048576" t=') if last_row else xml
    return patched(small_xlsx(), {"xl/worksheets/sheet1.xml": declare})


def far_cells_xlsx(rows: int = 5000) -> bytes:
    """Every row with a value in the last column, XFD: openpyxl would pad each to 16,384 cells."""
    body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c><c r="XFD%d"><v>1</v></c></row>'
                    % (r, r, r) for r in range(1, rows + 1))
    return with_sheet(body)


def million_rows_csv(line_end: bytes = b"\n") -> bytes:
    """A header and a million one-letter rows: 2 MB with "\\n"; "\\r" ends (old Mac) escape a count of "\\n"."""
    return b"unit;KPI name" + line_end + b"a" + (line_end + b"a") * 999_999


def million_rows_xlsx() -> bytes:
    """A million identical rows: 47 MB of XML packed into 150 KB."""
    return with_sheet(b'<row><c t="inlineStr"><is><t>a</t></is></c></row>' * 1_000_000)


def million_empty_rows_xlsx() -> bytes:
    """A million empty rows (6 MB) plus enough noise to pack only about 60:1: the zip directory lets
    it through, the count of elements stops it."""
    noise = os.urandom(75_000).hex().encode()
    return with_sheet(b"<row/>" * 1_000_000 + b"<!--" + noise + b"-->")


def many_cells_xlsx() -> bytes:
    """200,000 cells of random numbers in 40,000 rows (4 MB of XML, 1.3 MB packed): more than a second of
    openpyxl's time, refused before it starts."""
    numbers = iter(int.from_bytes(os.urandom(5), "big") for _ in range(200_000))
    body = b"".join(b"<row>" + b"".join(b"<c><v>%d</v></c>" % next(numbers) for _ in range(5)) + b"</row>"
                    for _ in range(40_000))
    return with_sheet(body)


def rows_over_limit_xlsx(rows: int = 6000) -> bytes:
    return small_xlsx([HEADER] + [("Unit", f"KPI {i}", "revenue", "increase", 0.1, i) for i in range(rows)])


def wide_row_csv() -> bytes:
    """A header, then one line of 1.5 million semicolons."""
    return b"unit;KPI name\n" + b";" * 1_500_000 + b"\n"


def wide_row_xlsx(cells: int = 16_384) -> bytes:
    return with_sheet(b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>")


def declared_huge_zip() -> bytes:
    """A real little workbook whose zip directory says the sheet unpacks to 3 GB."""
    return _declare_size(small_xlsx(), "xl/worksheets/sheet1.xml", 3_000_000_000)


def zip_bomb() -> bytes:
    """A sheet that really unpacks to 60 MB (of spaces, between two rows)."""
    return with_sheet(padded(60_000_000))


def packed_tight() -> bytes:
    """5 MB of spaces packed 1000:1: within the size budget, not within reason."""
    return with_sheet(padded(5_000_000))


def many_styles() -> bytes:
    """50,000 cell formats (openpyxl spends 15–40 µs on each), varied enough to pack only ~20:1."""
    return styles_xlsx(50_000)


def many_sheets() -> bytes:
    """A thousand sheets that all point at one sheet of 4,000 rows without a dimension: openpyxl would
    read all of it a thousand times to size the sheets."""
    sheets = b"".join(b'<sheet name="S%d" sheetId="%d" r:id="rId1"/>' % (i, i + 1) for i in range(1000))
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, 4001))
    return patched(small_xlsx(), {
        "xl/workbook.xml": lambda xml: xml[:xml.index(b"<sheets>") + 8] + sheets + xml[xml.index(b"</sheets>"):],
        "xl/worksheets/sheet1.xml": sheet_xml(rows)})


def doctype_xlsx() -> bytes:
    lol = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return with_sheet(lambda xml: xml.replace(b"<worksheet", lol + b"<worksheet", 1))


def unicode_text(encoding: str, bom: bool = True) -> bytes:
    """Excel's "Unicode text": tab-separated UTF-16 (little-endian, with a byte-order mark)."""
    rows = (HEADER, ("Asiakaspalvelu Åland", "Käsittelyaika €", "csat", "decrease", "25 %", "6,5"))
    text = "\r\n".join("\t".join(row) for row in rows)
    return (("\ufeff" if bom else "") + text + "\r\n").encode(encoding)


def numbers_xlsx(rows: int = 5000, columns: int = 14) -> bytes:
    body = b"".join(b"<row>" + b"".join(b"<c><v>%d.25</v></c>" % (r * columns + c) for c in range(columns)) + b"</row>"
                    for r in range(rows))
    return with_sheet(body)


def inline_texts_xlsx(rows: int = 5000, columns: int = 5) -> bytes:
    """Texts as openpyxl (and so pandas) writes them, inline in each cell: the dearest cells to read."""
    body = b"".join(b"<row>" + b"".join(b'<c t="inlineStr"><is><t>text %d</t></is></c>' % (r * columns + c)
                                        for c in range(columns)) + b"</row>" for r in range(rows))
    return with_sheet(body)


def styles_xlsx(count: int = 25_000) -> bytes:
    formats = cell_formats(count)
    return patched(small_xlsx(), {"xl/styles.xml": lambda xml: xml.replace(b"</cellXfs>", formats + b"</cellXfs>")})


def stray_values_xlsx(count: int = 285_000) -> bytes:
    """Values outside any row, which openpyxl keeps in memory until the sheet ends: the dearest
    elements per byte that the budget lets through."""
    noise = os.urandom(60_000).hex().encode()
    return with_sheet(b"<v/>" * count + b"<!--" + noise + b"-->")


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the unpacked size the zip's central directory declares for one part."""
    patched_data = bytearray(data)
    at = data.index(b"PK\x01\x02")  # the first entry of the central directory
    while True:
        length, extra, comment = struct.unpack("<HHH", data[at + 28:at + 34])
        if data[at + 46:at + 46 + length].decode() == name:
            patched_data[at + 24:at + 28] = struct.pack("<I", size)
            return bytes(patched_data)
        at += 46 + length + extra + comment


# Files at the edge of the budgets that are read: the time and memory any accepted file may cost.
EDGE = {
    "5,000 rows × 14 numbers": numbers_xlsx,
    "5,000 rows × 5 inline texts": inline_texts_xlsx,
    "25,000 styles": styles_xlsx,
    "285,000 values outside rows": stray_values_xlsx,
}

HOSTILE = {
    "dimension A1:XFD1048576": dimension_trick,
    "dimension A1:XFD1048576, row 1048576": lambda: dimension_trick(last_row=True),
    "a value in column XFD on 5,000 rows": far_cells_xlsx,
    "1,000,000 rows, CSV (LF)": million_rows_csv,
    "1,000,000 rows, CSV (CR)": lambda: million_rows_csv(b"\r"),
    "1,000,000 rows, xlsx": million_rows_xlsx,
    "1,000,000 empty rows, xlsx": million_empty_rows_xlsx,
    "200,000 cells, xlsx": many_cells_xlsx,
    "6,000 rows, xlsx": rows_over_limit_xlsx,
    "wide row, CSV": wide_row_csv,
    "wide row, xlsx": wide_row_xlsx,
    "zip declaring 3 GB": declared_huge_zip,
    "zip of 60 MB": zip_bomb,
    "zip packed 1000:1": packed_tight,
    "50,000 styles": many_styles,
    "1,000 sheets": many_sheets,
    "DTD": doctype_xlsx,
    "UTF-16 LE": lambda: unicode_text("utf-16-le"),
    "UTF-16 BE": lambda: unicode_text("utf-16-be"),
    "UTF-32": lambda: unicode_text("utf-32-le"),
    "UTF-16 without BOM": lambda: unicode_text("utf-16-le", bom=False),
}
