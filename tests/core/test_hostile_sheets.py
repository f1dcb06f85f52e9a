"""Uploaded sheets are read as far as what is in them, never as far as they declare: a worksheet
declaring the whole grid, a million short rows, a row of 16,384 cells, a zip that unpacks to
gigabytes, 50,000 styles or a thousand sheets each answer with a clear message (or their few real
rows) at once, in bounded memory; UTF-16 and UTF-32 text, as Excel's "Unicode text" saves it, reads
like UTF-8. Each hostile file is parsed in a child process limited to 300 MB of address space, so
a reader that unpacks, pads or collects what a file declares fails the test instead of passing
slowly; and six of them posted at once to a real gunicorn get their answers while /healthz keeps
answering."""
import io
import json
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from okrapp.domain import sheets, workbooks
from tests import hostile_sheets as hostile
from tests.factories import make_unit, make_user
from tests.gunicorn_server import HttpClient, gunicorn_server, needs_gunicorn

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 300 * 1024 * 1024
CHILD = """
import json, sys
from okrapp.domain import sheets
data = open(sys.argv[1], "rb").read()
try:
    table = sheets.read_table(data)
except sheets.SheetError as error:
    print(json.dumps({"refused": str(error)}))
else:
    print(json.dumps({"rows": len(table.rows), "width": max(len(row) for row in table.rows),
                      "encoding": table.encoding, "first": [[str(cell) for cell in row] for row in table.rows[:2]]}))
"""


def read_in_child(data: bytes, tmp_path: Path) -> dict:
    """sheets.read_table in a child process with 300 MB of address space and a minute of CPU."""
    path = tmp_path / "upload"
    path.write_bytes(data)

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                            preexec_fn=limited, timeout=300)
    assert result.returncode == 0, f"the reader died (exit {result.returncode}):\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_sheet_declaring_the_whole_grid_reads_as_the_two_rows_it_holds(tmp_path):
    """Rows are read as wide as MAX_COLUMNS, not as the 16,384 columns declared (with the second row
    on the grid's last line, the old reader padded a million rows that wide: 721 MB)."""
    data = hostile.dimension_trick()
    assert b'ref="A1:XFD1048576"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    outcome = read_in_child(data, tmp_path)
    assert outcome["rows"] == 2 and outcome["width"] == len(hostile.HEADER)
    assert outcome["first"][1][:2] == ["Equipment Sales", "Orders per sales rep"]


def test_a_value_in_the_last_column_of_every_row_is_read_fifty_columns_wide(tmp_path):
    outcome = read_in_child(hostile.far_cells_xlsx(), tmp_path)
    assert outcome["rows"] == 5000 and outcome["width"] <= sheets.MAX_COLUMNS


@pytest.mark.parametrize("name", list(hostile.EDGE))
def test_files_at_the_edge_of_the_budgets_are_read(tmp_path, name):
    outcome = read_in_child(hostile.EDGE[name](), tmp_path)
    assert outcome.get("rows") in (2, 5000) or outcome.get("refused") == "The file is empty.", outcome


def test_a_workbook_of_a_thousand_sheets_reads_its_first_sheet_once(tmp_path):
    outcome = read_in_child(hostile.many_sheets(), tmp_path)
    assert outcome["rows"] == 4000 and outcome["first"][0] == ["1.0"]


@pytest.mark.parametrize("build, message", [
    (lambda: hostile.dimension_trick(last_row=True), "The sheet has more than 5000 rows; the limit is 5000"),
    (hostile.million_rows_csv, "The file has 1000000 rows; the limit is 5000"),
    (lambda: hostile.million_rows_csv(b"\r"), "The sheet has more than 5000 rows; the limit is 5000"),
    (hostile.million_rows_xlsx, "(xl/worksheets/sheet1.xml) unpacks to 46.73 MB; the limit is 10 MB"),
    (hostile.million_empty_rows_xlsx, "The sheet is too large to read"),
    (hostile.many_cells_xlsx, "The sheet is too large to read"),
    (hostile.rows_over_limit_xlsx, "The sheet has more than 5000 rows; the limit is 5000"),
    (hostile.wide_row_csv, "Line 2 of the file is 1 500 001 characters long; the limit is 65 536"),
    (hostile.wide_row_xlsx, "A row of the sheet holds more than 1 000 cells"),
    (hostile.declared_huge_zip, "unpacks to 2 861 MB; the limit is 10 MB"),
    (hostile.zip_bomb, "unpacks to 57.22 MB; the limit is 10 MB"),
    (hostile.packed_tight, "is packed 922:1, which no spreadsheet writes"),
    (hostile.many_styles, "The workbook carries too much besides its cells"),
    (hostile.doctype_xlsx, "declares a DTD, which Excel does not write"),
    (lambda: sheets.OLE_MAGIC + bytes(4000), "Excel 97–2003 workbook (.xls) or a password-protected"),
    (lambda: "unit\tname\r\n".encode("utf-32-be") * 10, "full of NUL bytes: UTF-16 or UTF-32 text without"),
    (lambda: b"\xff\xfe" + "unit".encode("utf-16-le") + b"\x00\xd8", "starts as UTF-16 text but is damaged at byte"),
], ids=["xlsx-whole-grid-last-row", "csv-million-lf", "csv-million-cr", "xlsx-million", "xlsx-million-empty",
        "xlsx-cells", "xlsx-6000", "csv-wide", "xlsx-wide", "zip-declares-3gb", "zip-60mb", "zip-ratio", "styles",
        "dtd", "xls", "utf32-no-bom", "utf16-damaged"])
def test_a_hostile_file_is_refused_with_a_message_in_bounded_memory(tmp_path, build, message):
    data = build()
    assert len(data) <= sheets.MAX_BYTES
    assert message in read_in_child(data, tmp_path).get("refused", "")


def test_a_csv_of_a_million_rows_is_read_no_further_than_the_limit(monkeypatch):
    read = []
    lines = sheets._csv_lines
    monkeypatch.setattr(sheets, "_csv_lines", lambda text: (read.append(1) or line for line in lines(text)))
    with pytest.raises(sheets.SheetError, match="more than 5000 rows"):
        sheets.read_table(hostile.million_rows_csv(b"\r"))
    assert len(read) <= sheets.MAX_ROWS + 2


def test_a_workbook_over_the_row_limit_is_read_no_further_than_the_limit(monkeypatch):
    read = []
    rows = workbooks.read_rows
    monkeypatch.setattr(workbooks, "read_rows", lambda *a: (read.append(1) or row for row in rows(*a)))
    with pytest.raises(sheets.SheetError, match="more than 100 rows"):
        sheets.read_table(hostile.rows_over_limit_xlsx(300), max_rows=100)
    assert len(read) == 102  # the header, 100 rows and the one that said stop
    read.clear()
    with pytest.raises(sheets.SheetError, match="more than 5000 rows"):
        sheets.read_table(hostile.dimension_trick(last_row=True))  # a million blank rows, then one
    assert len(read) <= 2 * sheets.MAX_ROWS + 2  # blank rows past the limit are let be, up to as many again


def test_formatted_blank_rows_past_the_limit_are_let_be():
    rows = [hostile.HEADER] + [("Unit", f"KPI {i}", "revenue", "increase", 0.1, i) for i in range(10)]
    data = hostile.small_xlsx(rows + [("",) * 6] * 5)
    assert len(sheets.read_table(data, max_rows=10).rows) == 11


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", True), ("utf-16-be", True), ("utf-32-le", True),
                                           ("utf-32-be", True), ("utf-16-le", False), ("utf-16-be", False)])
def test_unicode_text_reads_like_utf8(encoding, bom):
    expected = sheets.read_table(hostile.unicode_text("utf-8"))
    table = sheets.read_table(hostile.unicode_text(encoding, bom))
    assert table.rows == expected.rows and table.delimiter == "\t"
    assert table.rows[1][:2] == ("Asiakaspalvelu Åland", "Käsittelyaika €")


def test_excel_unicode_text_previews_cleanly(login):
    make_unit("Asiakaspalvelu Åland")
    client = login(make_user("executive"))
    response = client.post("/incentives/import", data={"sheet": (io.BytesIO(hostile.unicode_text("utf-16-le")),
                                                                  "kpis.txt")}, content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 200, page
    assert "Käsittelyaika €" in page and "problem" not in page


@needs_gunicorn
def test_six_hostile_uploads_at_once_get_their_answers_while_healthz_keeps_answering(tmp_path):
    uploads = [("/incentives/import", "exec@example.com", hostile.dimension_trick(last_row=True), "kpis.xlsx",
                "more than 5000 rows"),
               ("/incentives/import", "exec@example.com", hostile.million_rows_csv(b"\r"), "kpis.csv",
                "more than 5000 rows"),
               ("/incentives/import", "exec@example.com", hostile.wide_row_xlsx(), "kpis.xlsx",
                "more than 1 000 cells"),
               ("/check-ins/import", "leader@example.com", hostile.many_cells_xlsx(), "c.xlsx", "too large to read"),
               ("/check-ins/import", "leader@example.com", hostile.zip_bomb(), "c.xlsx", "unpacks to 57.22 MB"),
               ("/check-ins/import", "leader@example.com", hostile.unicode_text("utf-32-be", False) * 50, "c.csv",
                "full of NUL bytes")]
    with gunicorn_server(tmp_path, users=[("exec@example.com", "executive"), ("leader@example.com", "unit_leader")],
                         workers=2) as base_url:
        answers, health, done = {}, [], threading.Event()

        def upload(index, path, email, data, name):
            try:
                client = HttpClient(base_url)
                client.login(email)
                answers[index] = client.post_file(path, "sheet", name, data)
            except Exception as error:  # noqa: BLE001 - shown by the assertion below
                answers[index] = (None, repr(error).encode())

        def poll():
            while not done.is_set():
                started = time.monotonic()
                status, _ = HttpClient(base_url, timeout=30).get("/healthz")
                health.append((status, round(time.monotonic() - started, 3)))
                time.sleep(0.05)
        poller = threading.Thread(target=poll)
        poller.start()
        threads = [threading.Thread(target=upload, args=(i, path, email, data, name))
                   for i, (path, email, data, name, _) in enumerate(uploads)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        finally:
            done.set()
            poller.join(60)
        for index, (path, _, _, _, message) in enumerate(uploads):
            status, page = answers.get(index, (None, b"no answer"))
            assert status in (413, 422) and message in page.decode(), (path, status, message, page[-500:])
        slow = [(status, seconds) for status, seconds in health if status != 200 or seconds >= 2]
        assert health and not slow, (slow, len(health))
