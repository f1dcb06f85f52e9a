"""A one-sheet .xlsx written while it is sent, for exports of any length.

openpyxl has to finish the whole zip before a byte can leave (88 s for 500,000 check-ins, longer
than a proxy waits). Here the sheet's XML is made row by row into a zip written with data descriptors
(zipfile does that on a stream it cannot seek), so the first bytes leave at once and memory stays
flat. The workbook is the plainest one Excel, LibreOffice and openpyxl read: inline strings, numbers,
booleans, and dates with a date style. Text is neutralised like every spreadsheet cell we write
(spreadsheets.neutralised); an inline string is never read as a formula."""
import math
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from okrapp.core.files.spreadsheets import neutralised, without_xml_controls

FLUSH_CHARS = 256 * 1024  # sheet XML collected before it is compressed and handed on
EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's serial dates (1900 system, after its leap-year bug)
DATETIME_STYLE, DATE_STYLE = 1, 2  # cellXfs indices in STYLES

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{RELS}">'
             f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{RELS}">'
                 f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{DOC}/styles" Target="styles.xml"/></Relationships>')
STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
SHEET_START = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>'
SHEET_END = "</sheetData></worksheet>"
_NOT_IN_SHEET_NAME = str.maketrans({c: " " for c in "[]:*?/\\"})


def stream_xlsx(rows, title: str = "Sheet"):
    """The workbook's bytes, in pieces, as the rows are read."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook(title))
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/styles.xml", STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            pending, size = [SHEET_START], len(SHEET_START)
            for number, row in enumerate(rows, start=1):
                line = f'<row r="{number}">{"".join(_cell(value) for value in row)}</row>'
                pending.append(line)
                size += len(line)
                if size >= FLUSH_CHARS:
                    sheet.write("".join(pending).encode("utf-8"))
                    pending, size = [], 0
                    if pipe.parts:
                        yield pipe.take()
            pending.append(SHEET_END)
            sheet.write("".join(pending).encode("utf-8"))
    yield pipe.take()


def _workbook(title: str) -> str:
    name = (title.translate(_NOT_IN_SHEET_NAME).strip("' ") or "Sheet")[:31]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
            f'xmlns:r="{DOC}"><sheets><sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets></workbook>')


def _cell(value) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return f"<c><v>{repr(number) if not number.is_integer() else int(number)}</v></c>" \
            if math.isfinite(number) else "<c/>"
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
        return f'<c s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c s="{DATE_STYLE}"><v>{(value - EPOCH.date()).days}</v></c>'
    text = escape(neutralised(without_xml_controls(str(value))))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class _Pipe:
    """What zipfile writes, kept until the generator hands it on (zipfile cannot seek it, so it writes
    each member's sizes after its data)."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data
