"""Incentives, the KPI sheet import, proposals and influence links through the pages."""
import io

import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem
from okrapp.incentives.models import Incentive, IncentiveProposal, MetricLink
from okrapp.conflicts.operations import refresh_items

from tests.factories import make_unit, make_user, metric

GOOD_SHEET = ("unit;KPI name;metric key;direction;weight;target\n"
              "Myynti Häme;Tilauksia per myyjä;revenue;increase;0,6;14\n"
              "Asiakaspalvelu Åland;Käsittelyaika;csat;decrease;40 %;6,5\n"
              "Myynti Häme;Asiakastyytyväisyys;csat;increase;0,2;\n").encode("utf-8")


@pytest.fixture
def executive():
    make_unit("Myynti Häme")
    make_unit("Asiakaspalvelu Åland")
    return make_user("executive")


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, data: bytes, name="kpis.csv", period="2026"):
    return client.post("/incentives/import", data={"sheet": (io.BytesIO(data), name), "period": period},
                       content_type="multipart/form-data")


def test_preview_then_import_a_finnish_semicolon_sheet(login, executive):
    client = login(executive)
    preview = upload(client, GOOD_SHEET)
    assert preview.status_code == 200
    page = preview.data.decode()
    assert "Tilauksia per myyjä" in page and "Import 3 incentives" in page
    assert count(Incentive) == 0  # a preview saves nothing
    payload = page.split('name="payload" type="hidden" value="')[1].split('"')[0]
    done = client.post("/incentives/import/confirm", data={"payload": payload, "period": "2026"})
    assert done.status_code == 302
    rows = {i.name: (i.unit.name, i.direction, i.weight, i.target, i.source, i.period)
            for i in db.session.scalars(select(Incentive))}
    assert rows == {"Tilauksia per myyjä": ("Myynti Häme", "increase", 0.6, 14, "import", "2026"),
                    "Käsittelyaika": ("Asiakaspalvelu Åland", "decrease", 0.4, 6.5, "import", "2026"),
                    "Asiakastyytyväisyys": ("Myynti Häme", "increase", 0.2, None, "import", "2026")}
    refresh_items()
    items = db.session.scalars(select(ConflictItem)).all()  # the import shows where the KPIs collide
    assert {(i.title, i.kinds) for i in items} == {("Asiakastyytyväisyys ↑", "direct"), ("Käsittelyaika ↓", "direct")}


@pytest.mark.parametrize("sheet, problem", [
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csatt,increase,0.5,\n", "unknown metric key “csatt”"),
    (b"unit,KPI name,metric key,direction,weight,target\nNobody,X,csat,increase,0.5,\n", "unknown unit “Nobody”"),
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csat,sideways,0.5,\n", "direction must be increase or decrease"),
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csat,increase,1.5,\n", "weight must be a number in (0, 1]"),
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csat,increase,0.5,lots\n", "target must be a number"),
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csat,increase,0.5,\nMyynti H\xc3\xa4me,x,csat,increase,0.5,\n", "duplicate of line 2"),
    (b"unit,KPI name,metric key,direction,weight,target\nMyynti H\xc3\xa4me,X,csat\n", "expected 6 fields, found 3"),
    (b"unit;name;weight\n", "missing column “metric key”"),
        (b"unit;KPI name;metric key;direction;weight;target\nMyynti H\x81me;K\x8fsittelyaika;csat;increase;0,5;\n",
         "The file is neither UTF-8 nor Windows-1252 text"),
    (b'unit,KPI name,metric key,direction,weight,target\n"Myynti,X,csat,increase,0.5,\n', "The CSV is broken"),
    (b"", "The file is empty."),
])
def test_bad_sheet_says_which_rows_are_wrong_and_saves_nothing(login, executive, sheet, problem):
    response = upload(login(executive), sheet)
    assert response.status_code == 422
    assert problem in response.data.decode()
    assert "Import " not in response.data.decode().split("Preview of")[-1].split("</table>")[-1]
    assert count(Incentive) == 0


def test_confirm_revalidates_and_imports_nothing_from_a_bad_payload(login, executive):
    import base64
    client = login(executive)
    bad = base64.b64encode(b"unit,KPI name,metric key,direction,weight,target\nNobody,X,csat,increase,0.5,\n").decode()
    response = client.post("/incentives/import/confirm", data={"payload": bad}, follow_redirects=True)
    assert "nothing was imported" in response.data.decode()
    response = client.post("/incentives/import/confirm", data={"payload": "not base64!!"}, follow_redirects=True)
    assert "upload the sheet again" in response.data.decode()
    assert count(Incentive) == 0


def test_sheet_row_that_exists_already_is_refused(login, executive):
    client = login(executive)
    payload = upload(client, GOOD_SHEET).data.decode().split('name="payload" type="hidden" value="')[1].split('"')[0]
    client.post("/incentives/import/confirm", data={"payload": payload})
    again = upload(client, GOOD_SHEET)
    assert again.status_code == 422 and "already has an active incentive" in again.data.decode()
    assert count(Incentive) == 3


def test_incentive_form_validates_weight(login, executive):
    unit = make_unit("Sales")
    response = login(executive).post("/incentives/new", data={"unit": unit.id, "name": "Volume",
                                                              "metric": metric("revenue").id, "direction": "increase",
                                                              "weight": 1.5})
    assert response.status_code == 422 and "at most 1" in response.data.decode()
    assert count(Incentive) == 0


@pytest.mark.parametrize("data, message", [
    ({"source": "csat", "target": "csat", "sign": "1", "strength": 0.5}, "A metric cannot influence itself."),
    ({"source": "csat", "target": "nps", "sign": "1", "strength": 0}, "Strength is above 0 and at most 1."),
    ({"source": "csat", "target": "nps", "sign": "1", "strength": 1.2}, "Strength is above 0 and at most 1."),
    ({"source": "csat", "target": "nps", "sign": "2", "strength": 0.5}, "Not a valid choice"),
])
def test_link_form_rejects_bad_links(login, data, message):
    executive = make_user("executive")
    form = {**data, "source": metric(data["source"]).id, "target": metric(data["target"]).id}
    response = login(executive).post("/influence-links/new", data=form)
    assert response.status_code == 422 and message in response.data.decode()
    assert count(MetricLink) == 0


def test_duplicate_link_is_refused_and_the_first_kept(login):
    client = login(make_user("executive"))
    form = {"source": metric("csat").id, "target": metric("nps").id, "sign": "1", "strength": 0.6}
    assert client.post("/influence-links/new", data=form).status_code == 302
    response = client.post("/influence-links/new", data={**form, "sign": "-1"})
    assert "There is already a link" in response.data.decode()
    assert [l.sign for l in db.session.scalars(select(MetricLink))] == [1]


def test_links_page_lists_links_by_metric(login):
    client = login(make_user("executive"))
    client.post("/influence-links/new", data={"source": metric("csat").id, "target": metric("nps").id, "sign": "1",
                                              "strength": 0.6, "rationale": "Satisfied customers recommend."})
    page = login(make_user("board")).get("/influence-links").data.decode()
    assert "Raising Customer satisfaction (CSAT)" in page and "Satisfied customers recommend." in page


def test_unit_leader_sees_own_units_incentives_and_proposes_a_change(login):
    leader = make_user("unit_leader", name="Mikko")
    mine, theirs = make_unit("Sales", leaders=[leader]), make_unit("Finance")
    executive = make_user("executive")
    client = login(executive)
    for unit, name in ((mine, "Volume bonus"), (theirs, "Secret margin bonus")):
        client.post("/incentives/new", data={"unit": unit.id, "name": name, "metric": metric("revenue").id,
                                             "direction": "increase", "weight": 0.5})
    page = login(leader).get("/incentives").data.decode()
    assert "Volume bonus" in page and "Secret margin bonus" not in page
    assert login(leader).post(f"/units/{mine.id}/proposals", data={"text": "Share KR Delivery CSAT"}).status_code == 302
    assert login(leader).post(f"/units/{theirs.id}/proposals", data={"text": "Cut theirs"}).status_code == 403
    [proposal] = db.session.scalars(select(IncentiveProposal)).all()
    assert (proposal.unit.name, proposal.text, proposal.status) == ("Sales", "Share KR Delivery CSAT", "open")
    client.post(f"/proposals/{proposal.id}/decide", data={"decision": "accept", "answer": "From Q1"})
    db.session.refresh(proposal)
    assert proposal.status == "open"  # accepting changes an incentive: that is a review's decision
    client.post(f"/proposals/{proposal.id}/decide", data={"decision": "decline", "answer": "Not now"})
    db.session.refresh(proposal)
    assert (proposal.status, proposal.answer, proposal.decided_by_id) == ("declined", "Not now", executive.id)


def test_cli_import_checks_and_imports(runner, executive, tmp_path):
    path = tmp_path / "kpis.csv"
    path.write_bytes(b"unit,KPI name,metric key,direction,weight,target\nNobody,X,csat,increase,0.5,\n")
    result = runner.invoke(args=["incentives", "import", str(path)])
    assert result.exit_code == 2 and f"{path}:2: unknown unit “Nobody”" in result.output
    path.write_bytes(GOOD_SHEET)
    assert runner.invoke(args=["incentives", "import", str(path), "--dry-run"]).exit_code == 0
    assert count(Incentive) == 0
    result = runner.invoke(args=["incentives", "import", str(path), "--period", "2026"])
    assert result.exit_code == 0 and "Imported 3 incentives." in result.output
    assert count(Incentive) == 3


def test_shares_targets_and_strengths_take_a_decimal_comma(login):
    """Value fields are text read by the one number parser: 0,4 and 40 % are a share of 0.4, not an
    error ("Not a valid float value") or, after a Finnish browser's number field dropped the comma, 4."""
    unit = make_unit("Sales")
    client = login(make_user("executive"))
    response = client.post("/incentives/new", data={"unit": unit.id, "name": "Volume bonus", "metric": metric("revenue").id,
                                                    "direction": "increase", "weight": "40 %", "target": "3 475 000,5"})
    assert response.status_code == 302
    bonus = db.session.scalar(select(Incentive))
    assert (bonus.weight, bonus.target) == (0.4, 3475000.5)
    page = client.get(f"/incentives/{bonus.id}/edit").data.decode()
    assert 'inputmode="decimal"' in page and 'type="number"' not in page
    assert client.post("/influence-links/new", data={"source": metric("csat").id, "target": metric("nps").id,
                                                     "sign": "1", "strength": "0,6"}).status_code == 302
    assert db.session.scalar(select(MetricLink.strength)) == 0.6
    refused = client.post("/incentives/new", data={"unit": unit.id, "name": "Bad", "metric": metric("revenue").id,
                                                   "direction": "increase", "weight": "0,4,5"})
    assert refused.status_code == 422 and "is not a number" in refused.data.decode()


def test_a_refused_proposal_keeps_what_the_leader_typed(login):
    leader = make_user("unit_leader")
    mine = make_unit("Sales", leaders=[leader])
    login(make_user("executive")).post("/incentives/new", data={
        "unit": mine.id, "name": "Volume bonus", "metric": metric("revenue").id, "direction": "increase", "weight": 0.5})
    bonus = db.session.scalar(select(Incentive))
    client = login(leader)
    response = client.post(f"/units/{mine.id}/proposals", data={
        "incentive": bonus.id, "change": "weight", "new_weight": "1,5", "text": "Halve the volume bonus, please."})
    page = response.data.decode()
    assert response.status_code == 422
    assert "Halve the volume bonus, please." in page and 'value="1,5"' in page
    assert f'<option value="{bonus.id}" selected>' in page and "<details class=\"propose\" open>" in page
    assert count(IncentiveProposal) == 0
    assert client.post(f"/units/{mine.id}/proposals", data={
        "incentive": bonus.id, "change": "target", "new_target": "22,5", "text": "Fewer, larger customers."}
    ).status_code == 302
    assert db.session.scalar(select(IncentiveProposal.new_target)) == 22.5
