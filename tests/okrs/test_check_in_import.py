"""A sheet of check-ins: previewed row by row, then all recorded or none."""
import io

from openpyxl import Workbook
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult

from tests.factories import make_key_result, make_unit, make_user


def upload(client, data, name="check-ins.csv"):
    return client.post("/check-ins/import", data={"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def payload_of(page):
    return page.split('name="payload" type="hidden" value="')[1].split('"')[0]


def test_a_finnish_excel_check_in_sheet_records_every_row(login):
    leader = make_user("unit_leader")
    kr = make_key_result(unit=make_unit(leaders=[leader]), metric_key="revenue", baseline=3_100_000, target=3_500_000)
    sheet = (f"Avaintulos;Arvo;Päivämäärä;Luottamus;Kommentti\r\n"
             f"KR-{kr.id};3 200 000,5;2.11.2026;6;Lokakuu\r\n"
             f"{kr.id};3 300 000;2026-11-09;;\r\n").encode("cp1252")
    client = login(leader)
    preview = upload(client, sheet)
    assert preview.status_code == 200, preview.data.decode()[-3000:]
    assert db.session.scalar(select(CheckIn.id)) is None
    assert client.post("/check-ins/import/confirm", data={"payload": payload_of(preview.data.decode())}).status_code == 302
    db.session.expire_all()
    rows = db.session.execute(select(CheckIn.value, CheckIn.confidence, CheckIn.comment)
                              .order_by(CheckIn.created_at)).all()
    assert [tuple(r) for r in rows] == [(3200000.5, 6, "Lokakuu"), (3300000.0, 5, "Imported from a sheet, line 3.")]
    fresh = db.session.get(KeyResult, kr.id)
    assert fresh.current_value == 3300000 and fresh.progress == 0.5


def test_every_problem_is_listed_and_nothing_is_recorded(login):
    leader = make_user("unit_leader")
    mine = make_key_result(unit=make_unit(leaders=[leader]))  # csat, 0..100
    other = make_key_result(unit=make_unit())
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Key result", "Value", "Date", "Confidence", "Comment"])
    sheet.append([mine.id, 120, "2026-13-01", 11, ""])
    sheet.append([other.id, 75, None, None, ""])
    sheet.append([999999, "abc", None, None, ""])
    out = io.BytesIO()
    workbook.save(out)
    response = upload(login(leader), out.getvalue(), "check-ins.xlsx")
    assert response.status_code == 422
    page = response.data.decode()
    for problem in ["value 120 is above the metric&#39;s maximum 100", "date must look like", "confidence must be",
                    "you may not check in on", "unknown key result “999999”", "value: “abc” is not a number"]:
        assert problem in page, problem
    assert db.session.scalar(select(CheckIn.id)) is None


def test_a_confirm_with_a_damaged_sheet_goes_back_to_the_upload_and_saves_nothing(login):
    leader = make_user("unit_leader")
    make_key_result(unit=make_unit(leaders=[leader]), metric_key="revenue", baseline=3_100_000, target=3_500_000)
    client = login(leader)
    response = client.post("/check-ins/import/confirm", data={"payload": "not base64!"}, follow_redirects=True)
    assert response.request.path == "/check-ins/import"
    assert "The import could not be read; upload the sheet again." in response.data.decode()
    assert db.session.scalar(select(CheckIn.id)) is None
