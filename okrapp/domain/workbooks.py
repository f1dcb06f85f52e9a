"""The first worksheet of an uploaded .xlsx, read within budgets set by what a sheet of KPIs or
check-ins needs, never by what the file declares.

An .xlsx is a zip of XML parts. 2 MB of zip can unpack to gigabytes, declare a sheet of
16,384 × 1,048,576 cells (openpyxl pads every row it reads to the declared width), or carry
millions of rows, styles, names or sheets that openpyxl turns into objects one by one. So:

1. The zip's directory, before anything is unpacked: at most MAX_PARTS parts, each declaring at
   most MAX_PART_BYTES unpacked and all of them MAX_UNPACKED_BYTES (zipfile never unpacks more
   than a part declares), and no part over 1 MB packed tighter than MAX_RATIO:1.
2. Only the parts the first worksheet needs are unpacked: the package and workbook relationships,
   the workbook, the sheet, its shared strings and styles. Their tags are counted as they stream,
   each weighed by what openpyxl spends on its kind (WORK: a number cell 16 µs, a style 40 µs),
   and the sum held under MAX_WORK; no row over MAX_ROW_CELLS cells, no DTD, no UTF-16 XML (whose
   tags the count would not see).
3. openpyxl reads, read-only, a copy holding just those parts under a workbook of that one sheet
   (no other sheets, names, links or properties to parse, and a dimension first in the sheet, so
   that it is not read twice to size it); the declared dimension is ignored (reset_dimensions) and
   rows are read at most max_columns wide.

So the work openpyxl can be given is bounded: any file under the budgets reads in well under two
seconds and 100 MB (bench/imports.py). Pure: the standard library and openpyxl only."""
import io
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from xml.etree import ElementTree

from okrapp.core.formatting import file_size, number
from okrapp.core.words import _

MAX_PARTS = 1000
MAX_PART_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_RATIO = 100  # deflate packs real sheets 5–20:1; padding packs 1000:1
RATIO_FROM_BYTES = 1024 * 1024
MAX_ROW_CELLS = 1000  # cells one row may hold, empty or not
# What reading each kind of element costs (openpyxl, and this module's count), in microseconds of one
# server core, about twice what bench/imports.py measures: a number cell (c + v) 16, a shared text
# (si + t) 18, an inline one (c + is + t) 30, a cell style 40, a row or a value outside a cell 4. At most
# MAX_WORK, about a second: 5,000 rows of 12 numbers, or of 8 cells with 20,000 different texts, fit;
# so do 10,000 styles, but not 30,000. bench/imports.py reads files at these edges.
WORK = {b"c": 12, b"si": 14, b"is": 14, b"row": 4, b"v": 4, b"f": 4, b"t": 4, b"date": 8, b"other": 40}
MAX_WORK = 1_200_000

_CHUNK = 256 * 1024
_TAG_NAME = rb"<(?:[^\s<>/:!?]+:)?"  # a start tag, any namespace prefix
_ROOT = re.compile(rb"<([^\s<>/?!]+)[^<>]*?(/?)>")
_KNOWN = re.compile(_TAG_NAME + rb"(row|c|v|f|t|is|si)(?=[\s/>])")
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class WorkbookRefused(ValueError):
    """The workbook is damaged or over a budget; the message says what to do."""


def check_archive(data: bytes) -> None:
    """What the zip's directory declares, checked before anything is unpacked."""
    with _opened(data) as archive:
        _check_directory(archive)


def read_rows(data: bytes, max_columns: int):
    """The first worksheet's rows, as openpyxl gives them (values; missing rows and cells None),
    each at most max_columns wide, one at a time. Raises WorkbookRefused."""
    from openpyxl import load_workbook
    copy = _first_sheet_copy(data)
    try:
        workbook = load_workbook(copy, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file  # noqa: BLE001
        raise WorkbookRefused(_("The workbook could not be read (%(error)s); save it again as .xlsx, or as "
                                "“CSV UTF-8”.", error=type(error).__name__)) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared size may be A1:XFD1048576 around two rows
        rows = sheet.iter_rows(max_col=max_columns, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # damaged XML inside the sheet  # noqa: BLE001
                raise WorkbookRefused(_("The sheet could not be read (%(error)s); save it again as .xlsx, or as "
                                        "“CSV UTF-8”.", error=type(error).__name__)) from None
            yield row
    finally:
        workbook.close()


class _opened:
    """The zip, with a damaged one refused in the same words whatever zipfile raised."""

    def __init__(self, data: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            raise WorkbookRefused(_("The file looks like an .xlsx workbook but is damaged; save it again as .xlsx, "
                                    "or as “CSV UTF-8”.")) from None

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, *exc):
        self.archive.close()


def _check_directory(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise WorkbookRefused(_("The workbook has %(parts)s parts; a sheet needs a dozen. Copy the rows into a new "
                                "workbook, or save it as “CSV UTF-8”.", parts=number(len(parts))))
    total = 0
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            raise WorkbookRefused(_("A part of the workbook (%(part)s) unpacks to %(size)s; the limit is %(limit)s. "
                                    "Remove other sheets and pictures, or split the sheet.",
                                    part=_shown(part.filename), size=file_size(part.file_size),
                                    limit=file_size(MAX_PART_BYTES)))
        if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise WorkbookRefused(_("A part of the workbook (%(part)s) is packed %(ratio)s:1, which no spreadsheet "
                                    "writes; save it again as .xlsx, or as “CSV UTF-8”.", part=_shown(part.filename),
                                    ratio=number(part.file_size // max(part.compress_size, 1))))
        total += part.file_size
    if total > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(_("The workbook unpacks to %(size)s; the limit is %(limit)s. Remove other sheets and "
                                "pictures, or split it.", size=file_size(total), limit=file_size(MAX_UNPACKED_BYTES)))


def _first_sheet_copy(data: bytes) -> io.BytesIO:
    """A workbook of just the first worksheet, its shared strings and styles, unpacked within the
    budgets (ZIP_STORED: openpyxl reads it without unpacking anything again)."""
    budget = _Budget()
    with _opened(data) as archive:
        _check_directory(archive)
        names = set(archive.namelist())
        package = _xml(archive, "_rels/.rels", budget)
        book = _target(package, "", "/officeDocument", names) or "xl/workbook.xml"
        if book not in names:
            raise WorkbookRefused(_("The file is a zip archive but not an Excel workbook; save it as .xlsx, or as "
                                    "“CSV UTF-8”."))
        workbook = _xml(archive, book, budget)
        relations = _xml(archive, _rels_path(book), budget)
        folder = posixpath.dirname(book)
        sheet = _first_worksheet(workbook, relations, folder, names)
        strings = _target(relations, folder, "/sharedStrings", names)
        styles = _target(relations, folder, "/styles", names) or ("xl/styles.xml" if "xl/styles.xml" in names else None)
        date1904 = any(_local(el.tag) == "workbookPr" and el.get("date1904", "").lower() in ("1", "true")
                       for el in workbook.iter())
        parts = {"xl/worksheets/sheet1.xml": ("worksheet", _sized(_unpack(archive, sheet, budget, rows=True)))}
        if strings:
            parts["xl/sharedStrings.xml"] = ("sharedStrings", _unpack(archive, strings, budget))
        if styles:
            parts["xl/styles.xml"] = ("styles", _unpack(archive, styles, budget))
    overrides = "".join(f'<Override PartName="/{name}" ContentType="{_TYPES}{kind}+xml"/>'
                        for name, (kind, _body) in parts.items())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        copy.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}sheet.main+xml"/>{overrides}</Types>'))
        copy.writestr("_rels/.rels", _relationships(f"{_RELATIONSHIPS}/officeDocument", "xl/workbook.xml"))
        copy.writestr("xl/workbook.xml", (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{_RELATIONSHIPS}"><workbookPr date1904="{int(date1904)}"/>'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        copy.writestr("xl/_rels/workbook.xml.rels",
                      _relationships(f"{_RELATIONSHIPS}/worksheet", "worksheets/sheet1.xml"))
        for name, (_kind, body) in parts.items():
            copy.writestr(name, body)
    out.seek(0)
    return out


def _sized(sheet: bytes) -> bytes:
    """The sheet with a dimension first: without one, openpyxl reads the whole sheet to size it
    before reading it again (the size given is ignored anyway: reset_dimensions)."""
    root = _ROOT.search(sheet)
    if not root or root.group(2):
        return sheet
    prefix = root.group(1).rpartition(b":")[0]
    return sheet[:root.end()] + b"<" + (prefix + b":" if prefix else b"") + b'dimension ref="A1"/>' + sheet[root.end():]


def _relationships(kind: str, target: str) -> str:
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{kind}" Target="{target}"/></Relationships>')


def _first_worksheet(workbook, relations, folder: str, names: set[str]) -> str:
    """The first sheet in the workbook's order that is a worksheet (not a chart)."""
    by_id = {rel.get("Id"): rel for rel in _children(relations, "Relationship")}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
        rel = by_id.get(rid)
        if rel is not None and rel.get("Type", "").endswith("/worksheet"):
            target = _resolved(folder, rel)
            if target in names:
                return target
    raise WorkbookRefused(_("The workbook has no worksheet to read; save it as .xlsx, or as “CSV UTF-8”."))


def _target(relations, folder: str, kind: str, names: set[str]) -> str | None:
    for rel in _children(relations, "Relationship"):
        if rel.get("Type", "").endswith(kind):
            target = _resolved(folder, rel)
            if target in names:
                return target
    return None


def _resolved(folder: str, rel) -> str | None:
    target = rel.get("Target", "")
    if rel.get("TargetMode") == "External" or not target:
        return None
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(folder, target))


def _rels_path(name: str) -> str:
    return posixpath.join(posixpath.dirname(name), "_rels", posixpath.basename(name) + ".rels")


def _children(root, name: str):
    return [el for el in root.iter() if _local(el.tag) == name] if root is not None else []


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _xml(archive: zipfile.ZipFile, name: str, budget: "_Budget"):
    """A small part we read ourselves (relationships, the workbook), counted like the others."""
    try:
        archive.getinfo(name)
    except KeyError:
        return None
    body = _unpack(archive, name, budget)
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise WorkbookRefused(_("A part of the workbook (%(part)s) is damaged; save it again as .xlsx, or as "
                                "“CSV UTF-8”.", part=_shown(name))) from None


class _Budget:
    """What openpyxl will spend on the parts read, estimated from their tags as they stream."""

    def __init__(self):
        self.work = self.other = 0

    def add(self, names: list[bytes], elements: int, dates: int) -> None:
        counts = Counter(names)
        other = max(0, elements - len(names))
        self.other += other * WORK[b"other"]
        self.work += other * WORK[b"other"] + dates * WORK[b"date"] + sum(WORK[n] * k for n, k in counts.items())
        if self.work <= MAX_WORK:
            return
        if self.other > self.work / 2:
            raise WorkbookRefused(_("The workbook carries too much besides its cells (thousands of styles, formats "
                                    "or settings). Copy the rows into a new workbook, or save it as “CSV UTF-8”."))
        raise WorkbookRefused(_("The sheet is too large to read: it holds more cells and texts than 5 000 rows of 12 "
                                "columns. Delete unused rows and columns, or save it as “CSV UTF-8”."))


def _unpack(archive: zipfile.ZipFile, name: str, budget: _Budget, rows: bool = False) -> bytes:
    """The part's bytes, refused as soon as its XML is over budget. Counting needs no parsing:
    every element starts with "<" and a name (the last, maybe unfinished, tag of a chunk is
    carried into the next)."""
    out, carry, row_cells = bytearray(), b"", -1  # -1: no row started yet
    try:
        with archive.open(name) as part:
            while chunk := part.read(_CHUNK):
                if not out and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:64]):
                    raise WorkbookRefused(_("A part of the workbook (%(part)s) is UTF-16 XML, which Excel does not "
                                            "write; save it again as .xlsx, or as “CSV UTF-8”.", part=_shown(name)))
                out += chunk
                text = carry + chunk
                cut = text.rfind(b"<")
                scan, carry = (text, b"") if cut < 0 else (text[:cut], text[cut:cut + 256])
                row_cells = _count(scan, budget, row_cells if rows else None, name)
        _count(carry, budget, row_cells if rows else None, name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        raise WorkbookRefused(_("The workbook is damaged or password-protected (%(part)s); save it again as .xlsx, or "
                                "as “CSV UTF-8”, without a password.", part=_shown(name))) from None
    return bytes(out)


def _count(scan: bytes, budget: _Budget, row_cells: int | None, name: str) -> int | None:
    if b"<!DOCTYPE" in scan or b"<!ENTITY" in scan:
        raise WorkbookRefused(_("A part of the workbook (%(part)s) declares a DTD, which Excel does not write; save it "
                                "again as .xlsx, or as “CSV UTF-8”.", part=_shown(name)))
    names = _KNOWN.findall(scan)
    elements = scan.count(b"<") - scan.count(b"</") - scan.count(b"<?") - scan.count(b"<!")
    budget.add(names, elements, scan.count(b't="d"') + scan.count(b"t='d'"))
    if row_cells is None:
        return None
    for tag in names:
        if tag == b"row":
            row_cells = 0
        elif tag == b"c" and row_cells >= 0:
            row_cells += 1
            if row_cells > MAX_ROW_CELLS:
                raise WorkbookRefused(_("A row of the sheet holds more than %(cells)s cells. Delete the columns after "
                                        "the table, or save it as “CSV UTF-8”.", cells=number(MAX_ROW_CELLS)))
    return row_cells


def _shown(name: str) -> str:
    return "".join(ch for ch in name if ch.isprintable())[:60]
