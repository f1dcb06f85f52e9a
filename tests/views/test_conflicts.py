"""Stored findings: refresh on change, lifecycle, decisions and history, filters."""

import pytest
from sqlalchemy import select

from okrapp.extensions import db
from okrapp.models import ConflictFinding, MetricLink
from okrapp.services.incentives import save_incentive, save_link

from ..factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def org():
    executive = make_user("executive", name="Aino Virtanen")
    sales_lead, care_lead = make_user("unit_leader"), make_user("unit_leader")
    sales, care = make_unit("Sales", leaders=[sales_lead]), make_unit("Customer Care", leaders=[care_lead])
    kr = make_key_result(make_objective(make_cycle(), by=executive), unit=care, metric_key="csat", baseline=70,
                         target=85, by=executive)
    return dict(executive=executive, sales=sales, care=care, sales_lead=sales_lead, care_lead=care_lead, kr=kr)


def findings():
    db.session.expire_all()
    return db.session.scalars(select(ConflictFinding).order_by(ConflictFinding.id)).all()


def add_volume_bonus(org):
    incentive = save_incentive(None, unit=org["sales"], name="Orders per rep", metric=metric("revenue"),
                               direction="increase", weight=0.6, target=None, period="2026", note="",
                               by=org["executive"])
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.5, rationale="",
              by=org["executive"])
    db.session.commit()
    return incentive


def test_change_of_incentives_or_links_refreshes_findings(org, clock):
    add_volume_bonus(org)
    [finding] = findings()
    assert (finding.kind, finding.status, finding.first_seen_at) == ("indirect", "open", clock.now)
    assert finding.severity == pytest.approx(0.6 * 1.0 * 0.5)
    assert {u.name for u in finding.units} == {"Sales", "Customer Care"}
    assert {finding.label_a, finding.label_b} == {"Sales: Orders per rep",
                                                  f"{org['kr'].title} ({org['kr'].objective.cycle.name})"}


def test_vanished_finding_is_resolved_by_change_and_reopens_when_it_returns(org, clock, login):
    add_volume_bonus(org)
    first_seen = clock.now
    link = db.session.scalar(select(MetricLink))
    clock.advance(days=3)
    client = login(org["executive"])
    client.post(f"/influence-links/{link.id}/delete")
    [finding] = findings()
    assert (finding.status, finding.resolved_at, finding.present) == ("resolved_by_change", clock.now, False)
    clock.advance(days=3)
    client.post("/influence-links/new", data={"source": metric("revenue").id, "target": metric("csat").id,
                                              "sign": "-1", "strength": 0.4})
    [finding] = findings()
    assert (finding.status, finding.present, finding.first_seen_at) == ("open", True, first_seen)
    assert [e.action for e in reversed(finding.events)] == ["detected", "resolved_by_change", "reopened"]


def test_retiring_the_incentive_resolves_its_findings(org, login):
    incentive = add_volume_bonus(org)
    login(org["executive"]).post(f"/incentives/{incentive.id}/retire")
    [finding] = findings()
    assert finding.status == "resolved_by_change"
    db.session.refresh(incentive)
    assert not incentive.active and incentive.retired_at is not None


def test_key_result_change_refreshes_findings(org, login):
    add_volume_bonus(org)
    kr = org["kr"]
    login(org["executive"]).post(f"/key-results/{kr.id}/edit", data={
        "title": kr.title, "metric": metric("csat").id, "baseline": 85, "target": 70,
        "accountable_unit": org["care"].id, "weight": 1, "commitment": "committed", "version": kr.version})
    [finding] = findings()
    assert finding.status == "resolved_by_change"  # CSAT going down no longer opposes the volume bonus


@pytest.mark.parametrize("action, note, status", [
    ("acknowledge", "", "acknowledged"), ("review", "", "in_review"),
    ("accept", "Growth first in 2026; revisit in Q2", "accepted"),
    ("resolve", "Volume bonus retired; Sales now shares KR Delivery CSAT", "resolved")])
def test_executive_decides_and_history_is_kept(org, login, action, note, status):
    add_volume_bonus(org)
    [finding] = findings()
    response = login(org["executive"]).post(f"/conflicts/{finding.id}", data={"action": action, "note": note})
    assert response.status_code == 302
    [finding] = findings()
    assert finding.status == status and finding.note == note
    assert (finding.events[0].action, finding.events[0].actor.name) == (action, "Aino Virtanen")


@pytest.mark.parametrize("action", ["accept", "resolve"])
def test_trade_off_and_resolution_need_a_reason(org, login, action):
    add_volume_bonus(org)
    [finding] = findings()
    response = login(org["executive"]).post(f"/conflicts/{finding.id}", data={"action": action, "note": "  "})
    assert response.status_code == 422
    assert findings()[0].status == "open"


def test_only_executives_decide(org, login):
    add_volume_bonus(org)
    [finding] = findings()
    for role in ("admin", "board", "unit_leader"):
        user = org["care_lead"] if role == "unit_leader" else make_user(role)
        response = login(user).post(f"/conflicts/{finding.id}", data={"action": "acknowledge"})
        assert response.status_code == 403
    assert findings()[0].status == "open"


def test_list_sorts_by_severity_and_filters(org, login):
    add_volume_bonus(org)
    other = make_unit("Finance")
    save_incentive(None, unit=other, name="Push prices", metric=metric("csat"), direction="decrease", weight=0.2,
                   target=None, period="", note="", by=org["executive"])
    db.session.commit()
    client = login(org["executive"])
    page = client.get("/conflicts").data.decode()
    assert page.index("Finance: Push prices") > page.index("Sales: Orders per rep")  # 0.3 before 0.2
    only_finance = client.get(f"/conflicts?unit={other.id}").data.decode()
    assert "Push prices" in only_finance and "Orders per rep" not in only_finance
    direct = client.get("/conflicts?kind=direct").data.decode()
    assert "Push prices" in direct and "Orders per rep" not in direct


def test_unit_leaders_see_only_findings_of_their_units(org, login):
    add_volume_bonus(org)
    outsider = make_user("unit_leader")
    make_unit("Elsewhere", leaders=[outsider])
    [finding] = findings()
    assert login(org["sales_lead"]).get(f"/conflicts/{finding.id}").status_code == 200
    assert login(outsider).get(f"/conflicts/{finding.id}").status_code == 403
    assert "Orders per rep" not in login(outsider).get("/conflicts").data.decode()
