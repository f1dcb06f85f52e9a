"""KPI sheets as Excel and LibreOffice really write them all import to the same incentives;
a broken one lists every problem; an oversized one is refused before it is parsed."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from okrapp.domain import sheets
from okrapp.core.extensions import db
from okrapp.incentives.models import Incentive
from okrapp.admin.models import Unit
from okrapp.incentives import operations as incentive_service

from tests.factories import make_unit, make_user, metric

EXPECTED = {
    ("Equipment Sales", "Orders per sales rep", "revenue", "increase", 0.4, 1200000.5),
    ("Equipment Sales", "Asiakastyytyväisyys €", "csat", "decrease", 0.35, None),
    ("Asiakaspalvelu Åland", "Käsittelyaika", "csat", "decrease", 0.25, 6.5),
}

# Excel (Finnish Windows) "CSV (semicolon delimited)": Windows-1252, CRLF, decimal commas, Finnish headers.
EXCEL_CP1252 = ("Yksikkö;Nimi;Mittari;Suunta;Paino;Tavoite\r\n"
                "Equipment Sales;Orders per sales rep;revenue;kasvu;40 %;1 200 000,5\r\n"
                "Equipment Sales;Asiakastyytyväisyys €;csat;lasku;0,35;\r\n"
                "Asiakaspalvelu Åland;Käsittelyaika;csat;lasku;25 %;6,5\r\n").encode("cp1252")
# Excel "CSV UTF-8": a byte-order mark, commas, English headers, quoted where needed.
EXCEL_UTF8_BOM = ("\ufeffunit,KPI name,metric key,direction,weight,target\r\n"
                  'Equipment Sales,Orders per sales rep,revenue,increase,0.4,1200000.5\r\n'
                  'Equipment Sales,Asiakastyytyväisyys €,csat,decrease,35%,\r\n'
                  'Asiakaspalvelu Åland,Käsittelyaika,csat,decrease,"0,25","6,5"\r\n').encode("utf-8")
# LibreOffice (fi_FI): UTF-8 without BOM, semicolons, every text cell quoted, LF.
LIBREOFFICE = ('"unit";"KPI name";"metric key";"direction";"weight";"target"\n'
               '"Equipment Sales";"Orders per sales rep";"revenue";"increase";0,4;1200000,5\n'
               '"Equipment Sales";"Asiakastyytyväisyys €";"csat";"decrease";0,35;\n'
               '"Asiakaspalvelu Åland";"Käsittelyaika";"csat";"decrease";0,25;6,5\n').encode("utf-8")


def xlsx_with_percent_weights() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Unit", "KPI name", "Metric key", "Direction", "Weight", "Target"])
    sheet.append(["Equipment Sales", "Orders per sales rep", "revenue", "increase", 0.4, 1200000.5])
    sheet.append(["Equipment Sales", "Asiakastyytyväisyys €", "csat", "decrease", 0.35, None])
    sheet.append(["Asiakaspalvelu Åland", "Käsittelyaika", "csat", "decrease", 0.25, 6.5])
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].number_format = "0%"
    sheet.cell(row=6, column=1).number_format = "@"  # a formatted blank row, as spreadsheets leave them
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def executive():
    make_unit("Equipment Sales")
    make_unit("Asiakaspalvelu Åland")
    return make_user("executive")


def upload(client, data, name):
    return client.post("/incentives/import", data={"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored():
    db.session.expire_all()
    return {(i.unit.name, i.name, i.metric.key, i.direction, round(i.weight, 9), i.target)
            for i in db.session.scalars(select(Incentive))}


@pytest.mark.parametrize("data, name", [
    (EXCEL_CP1252, "kpit.csv"), (EXCEL_UTF8_BOM, "kpis.csv"), (LIBREOFFICE, "kpis-libreoffice.csv"),
    (xlsx_with_percent_weights(), "kpis.xlsx"),
])
def test_sheets_as_excel_and_libreoffice_write_them_import_the_same_incentives(login, executive, data, name):
    client = login(executive)
    preview = upload(client, data, name)
    page = preview.data.decode()
    assert preview.status_code == 200, page.split("Preview of")[-1][:2000]
    assert "Import 3 incentives" in page and "75 %" in page  # Equipment Sales' total share
    payload = page.split('name="payload" type="hidden" value="')[1].split('"')[0]
    assert client.post("/incentives/import/confirm", data={"payload": payload}).status_code == 302
    assert stored() == EXPECTED


def test_a_broken_sheet_lists_every_problem_of_every_row(login, executive):
    sheet = ("unit;KPI name;metric key;direction;weight;target\n"
             "Nobody;X;csatt;increase;0,5;\n"
             "Equipment Sales;;csat;sideways;150 %;lots\n"
             "Equipment Sales;Fine;csat;increase;0,5;\n"
             "Equipment Sales;Fine;revenue;increase;0,2;1,234\n").encode("utf-8")
    response = upload(login(executive), sheet, "broken.csv")
    assert response.status_code == 422
    page = response.data.decode()
    for line, problem in [(2, "unknown unit “Nobody”"), (2, "unknown metric key “csatt”"), (3, "KPI name is empty"),
                          (3, "direction must be increase or decrease"), (3, "weight must be a number"),
                          (3, "target must be a number, not “lots”"), (5, "duplicate of line 4")]:
        assert problem in page, problem
        row = page.split(f"data-label=\"Line\">{line}</td>")[1].split("</tr>")[0]
        assert problem in row, (line, problem)
    assert "7 problems on 3 lines" in page
    assert db.session.scalar(select(func.count(Incentive.id))) == 0


def test_unit_totals_over_100_percent_and_a_metric_twice_in_a_unit_are_flagged_before_saving(login, executive):
    sales = db.session.scalar(select(Unit).where(Unit.name == "Equipment Sales"))
    incentive_service.save_incentive(None, unit=sales, name="Volume", metric=metric("revenue"), direction="increase",
                                     weight=0.6, target=None, period="", note="", by=None)
    db.session.commit()
    response = upload(login(executive), EXCEL_CP1252, "kpit.csv")
    assert response.status_code == 422
    page = response.data.decode()
    assert "Equipment Sales: bonus shares add up to 135 % (60 % already active + 75 % in this sheet)" in page
    assert "metric “revenue” is rewarded twice in Equipment Sales (also by the active incentive “Volume”)" in page
    assert "Import " not in page.split("</table>")[-1]
    assert db.session.scalar(select(func.count(Incentive.id))) == 1


@pytest.mark.parametrize("limit, data, message, status", [
    ({"OKRAPP_IMPORT_MAX_BYTES": 1024}, b"unit;KPI name\n" + b"x;y\n" * 400, "larger than 1 KB", 413),
    ({"OKRAPP_IMPORT_MAX_ROWS": 10}, b"unit;KPI name\n" + b"x;y\n" * 11, "the limit is 10", 422),
])
def test_an_oversized_sheet_is_refused_before_parsing(app, login, executive, monkeypatch, limit, data, message,
                                                      status):
    def never(*args):
        raise AssertionError("parsed an oversized file")
    monkeypatch.setattr(sheets, "_read_csv", never)
    monkeypatch.setattr(sheets, "_read_xlsx", never)
    app.config.update(limit)
    try:
        response = upload(login(executive), data, "big.csv")
    finally:
        for key in limit:
            app.config.pop(key)
    assert response.status_code == status
    assert message in response.data.decode()


def test_the_templates_download_and_import_once_filled(login, executive):
    client = login(executive)
    workbook = load_workbook(io.BytesIO(client.get("/incentives/import/template.xlsx").data))
    assert [c.value for c in next(workbook.active.iter_rows(max_row=1))] == [
        "unit", "KPI name", "metric key", "direction", "weight", "target"]
    csv_template = client.get("/incentives/import/template.csv")
    assert csv_template.data.startswith("\ufeffunit;KPI name".encode())
    page = client.get("/incentives/import").data.decode()
    assert "<code>revenue</code>" in page and "<code>csat</code>" in page  # the keys beside the form
