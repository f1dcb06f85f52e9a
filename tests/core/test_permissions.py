"""Every write route for every role: refused writes answer 403 and change nothing."""
import base64
from datetime import date

import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import refresh_items
from okrapp.incentives import operations as incentives

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def world():
    leader_a, leader_b = make_user("unit_leader"), make_user("unit_leader")
    unit_a = make_unit("Unit A", leaders=[leader_a])
    make_unit("Unit B", leaders=[leader_b])
    executive = make_user("executive")
    cycle = make_cycle("2026 Q4")
    other_cycle = make_cycle("2027 Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    objective = make_objective(cycle, by=executive)
    make_objective(cycle, by=executive)
    kr = make_key_result(objective, unit=unit_a, by=executive)
    users = {"admin": make_user("admin"), "executive": executive, "unit_leader": leader_a,
             "other_leader": leader_b, "board": make_user("board")}
    incentive = incentives.save_incentive(None, unit=unit_a, name="Cheap service", metric=metric("csat"),
                                          direction="decrease", weight=0.5, target=None, period="", note="",
                                          by=executive)
    link = incentives.save_link(None, source=metric("nps"), target=metric("csat"), sign=1, strength=0.5, rationale="",
                                by=executive)
    proposal = incentives.propose(unit_a, "Share the CSAT result instead", leader_a)
    db.session.commit()
    refresh_items()
    db.session.commit()
    finding = db.session.scalar(select(ConflictItem))
    return dict(users=users, unit=unit_a, cycle=cycle, other_cycle=other_cycle, objective=objective, kr=kr,
                target_user=make_user("executive"), incentive=incentive, link=link, proposal=proposal,
                finding=finding)


def write_routes(w):
    o, kr, u, c = w["objective"].id, w["kr"], w["unit"].id, w["cycle"].id
    return {
        "create objective": ("/objectives/new", {"cycle": c, "title": "New"}, {"executive"}),
        "edit objective": (f"/objectives/{o}/edit", {"title": "Changed"}, {"executive"}),
        "rank objective": (f"/objectives/{o}/rank", {"rank": 2}, {"executive"}),
        "carry objective": (f"/objectives/{o}/carry", {"cycle": w["other_cycle"].id}, {"executive"}),
        "create key result": (f"/objectives/{o}/key-results/new",
                              {"title": "K", "metric": kr.metric_id, "baseline": 1, "target": 2,
                               "accountable_unit": u, "weight": 1, "commitment": "committed"}, {"executive"}),
        "edit key result": (f"/key-results/{kr.id}/edit",
                            {"title": "K2", "metric": kr.metric_id, "baseline": 1, "target": 2, "accountable_unit": u,
                             "weight": 1, "commitment": "committed", "version": kr.version}, {"executive"}),
        "check in": (f"/key-results/{kr.id}/check-in", {"value": 75, "confidence": 6, "version": kr.version},
                     {"executive", "unit_leader"}),
        "create metric": ("/metrics/new", {"name": "Parcels lost"}, {"admin", "executive"}),
        "create user": ("/admin/users/new", {"email": "x@example.com", "name": "X", "role": "board",
                                              "password": "long enough pw"}, {"admin"}),
        "edit user": (f"/admin/users/{w['target_user'].id}/edit", {"name": "Y", "role": "board", "active": "y"}, {"admin"}),
        "create unit": ("/admin/units/new", {"name": "New unit", "kind": "partner"}, {"admin"}),
        "edit unit": (f"/admin/units/{u}/edit", {"name": "Renamed", "kind": "function"}, {"admin"}),
        "create cycle": ("/admin/cycles/new", {"name": "2027 Q2", "starts_on": "2027-04-01", "ends_on": "2027-06-30"},
                         {"admin"}),
        "edit cycle": (f"/admin/cycles/{c}/edit", {"name": "Q4", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
                       {"admin"}),
        "create incentive": ("/incentives/new", {"unit": u, "name": "Volume", "metric": metric("nps").id,
                                                  "direction": "increase", "weight": 0.3}, {"admin", "executive"}),
        "edit incentive": (f"/incentives/{w['incentive'].id}/edit", {"unit": u, "name": "Cheaper", "metric": kr.metric_id,
                                                                      "direction": "decrease", "weight": 0.4},
                           {"admin", "executive"}),
        "retire incentive": (f"/incentives/{w['incentive'].id}/retire", {}, {"admin", "executive"}),
        "import sheet": ("/incentives/import/confirm", {"payload": base64.b64encode(
            b"unit,KPI name,metric key,direction,weight,target\nUnit A,Calls,nps,increase,0.4,\n").decode()},
                         {"admin", "executive"}),
        "propose change": (f"/units/{u}/proposals", {"text": "Please"}, {"unit_leader"}),
        "decide proposal": (f"/proposals/{w['proposal'].id}/decide", {"decision": "decline"}, {"admin", "executive"}),
        "create link": ("/influence-links/new", {"source": metric("csat").id, "target": metric("churn_rate").id,
                                                 "sign": "-1", "strength": 0.5}, {"executive"}),
        "edit link": (f"/influence-links/{w['link'].id}/edit", {"source": metric("nps").id, "target": metric("csat").id,
                                                                "sign": "-1", "strength": 0.5}, {"executive"}),
        "delete link": (f"/influence-links/{w['link'].id}/delete", {}, {"executive"}),
        "decide finding": (f"/conflicts/{w['finding'].id}", {"action": "acknowledge"}, {"executive"}),
    }


def snapshot():
    """Every row of every table: a refused write must leave all of it as it was."""
    db.session.expire_all()
    return {t.name: sorted(map(tuple, db.session.execute(select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


ROLES = ["admin", "executive", "unit_leader", "other_leader", "board"]
ROUTES = ["create objective", "edit objective", "rank objective", "carry objective", "create key result",
          "edit key result", "check in", "create metric", "create user", "edit user", "create unit", "edit unit",
          "create cycle", "edit cycle", "create incentive", "edit incentive", "retire incentive", "import sheet",
          "propose change", "decide proposal", "create link", "edit link", "delete link", "decide finding"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_write_route_permissions(world, login, role, route):
    url, data, allowed = write_routes(world)[route]
    client = login(world["users"][role])
    before = snapshot()
    response = client.post(url, data=data)
    if role in allowed:
        assert response.status_code in (200, 302), response.data[:500]
        assert snapshot() != before, "an allowed write should have changed something"
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_writes_are_sent_to_login(world, client, route):
    url, data, _ = write_routes(world)[route]
    before = snapshot()
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.location.startswith("/login")
    assert snapshot() == before


def test_get_requests_change_nothing(world, login):
    w = world
    client = login(w["users"]["executive"])
    admin = login(w["users"]["admin"])
    before = snapshot()
    assert client.get("/").status_code == 302
    pages = ["/objectives", f"/objectives/{w['objective'].id}", f"/objectives/{w['objective'].id}/edit",
             f"/objectives/{w['objective'].id}/key-results/new", f"/key-results/{w['kr'].id}/edit",
             f"/key-results/{w['kr'].id}/check-in", "/my/key-results", "/metrics", "/metrics/new",
             "/objectives/new", "/account/password", "/admin/units", "/admin/cycles", "/incentives",
             "/incentives/new", f"/incentives/{w['incentive'].id}/edit", "/incentives/import", "/influence-links",
             "/influence-links/new", f"/influence-links/{w['link'].id}/edit", "/conflicts",
             f"/conflicts/{w['finding'].id}", "/conflicts?status=all&level=all"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    for page in ["/admin/users", "/admin/users/new", f"/admin/users/{w['target_user'].id}/edit", "/admin/units/new",
                 f"/admin/units/{w['unit'].id}/edit", "/admin/cycles/new", f"/admin/cycles/{w['cycle'].id}/edit"]:
        assert admin.get(page).status_code == 200, page
    assert client.get("/logout").status_code == 405
    assert snapshot() == before


def test_board_member_can_read_but_sees_no_write_controls(world, login):
    board = login(world["users"]["board"])
    page = board.get(f"/objectives/{world['objective'].id}")
    assert page.status_code == 200
    assert b"Check in</a>" not in page.data and b"Add key result" not in page.data and b"Carry forward" not in page.data
