"""Creating, changing and retiring through the API: ETags, If-Match, the pages' rules and policy, and
token scopes and expiry."""
from datetime import timedelta

from sqlalchemy import select

from okrapp.accounts import tokens as api_tokens
from okrapp.accounts.models import ApiToken
from okrapp.core.extensions import db
from okrapp.incentives.models import Incentive
from okrapp.okrs.models import KeyResult, Objective

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user

ALL = tuple(api_tokens.SCOPES)


def bearer(user, scopes=ALL, days=90, **headers):
    _, token = api_tokens.create_token(user, "test", scopes=scopes, expires_in_days=days)
    db.session.commit()
    return {"Authorization": f"Bearer {token}", **headers}


def test_an_objective_is_created_changed_only_against_its_etag_and_retired(client):
    executive = make_user("executive")
    cycle = make_cycle()
    auth = bearer(executive)
    created = client.post("/api/v1/objectives", json={"cycle": cycle.id, "title": "Customers renew"}, headers=auth)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    objective_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/objectives/{objective_id}")
    assert client.get(f"/api/v1/objectives/{objective_id}", headers=auth).headers["ETag"] == '"1"'
    url = f"/api/v1/objectives/{objective_id}"

    missing = client.patch(url, json={"title": "Customers stay"}, headers=auth)
    assert missing.status_code == 428 and "If-Match" in missing.json["error"]
    changed = client.patch(url, json={"title": "Customers stay"}, headers={**auth, "If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json["title"] == "Customers stay"
    assert changed.headers["ETag"] == '"2"' and changed.json["version"] == 2

    for stale in ('"1"', 'W/"2"', "garbage", '"2', '"99999999999999999999"', "\"2\" junk"):
        refused = client.patch(url, json={"title": "Lost"}, headers={**auth, "If-Match": stale})
        assert refused.status_code == 412, stale
        assert refused.json["current_version"] == 2 and refused.headers["ETag"] == '"2"'
    db.session.expire_all()
    assert db.session.get(Objective, objective_id).title == "Customers stay"  # nothing changed

    assert client.patch(url, json={"description": "Why"}, headers={**auth, "If-Match": '"3", "2"'}).status_code == 200
    retired = client.post(f"{url}/retire", headers={**auth, "If-Match": "*"})
    assert retired.status_code == 200 and retired.json["retired_at"] and retired.json["version"] == 4
    listed = client.get(f"/api/v1/objectives?cycle={cycle.id}", headers=auth).json
    assert objective_id not in [o["id"] for o in listed["items"]]


def test_a_key_result_is_created_changed_and_retired_with_the_pages_rules(client):
    executive = make_user("executive")
    unit, other = make_unit("Sales"), make_unit("Service")
    objective = make_objective(by=executive)
    sibling = make_key_result(objective=objective, unit=unit, by=executive)
    auth = bearer(executive)
    body = {"objective": objective.id, "title": "NPS up", "metric": "nps", "baseline": 10, "target": 30,
            "accountable_unit": unit.id, "contributors": [other.id], "weight": 2}
    created = client.post("/api/v1/key-results", json=body, headers=auth)
    assert created.status_code == 201, created.json
    kr_id, etag = created.json["id"], created.headers["ETag"]

    same = client.post("/api/v1/key-results", json={**body, "target": 10}, headers=auth)
    assert same.status_code == 422 and "differ" in same.json["error"]  # save_key_result's rule
    unknown = client.post("/api/v1/key-results", json={**body, "metric": "no_such"}, headers=auth)
    assert unknown.status_code == 422 and unknown.json["details"][0].startswith("metric:")
    for bad in ({"baseline": "NaN"}, {"target": 1e400}, {"weight": 0}, {"objective": 2**40}, {"title": "a\nb"},
                {"contributors": [0]}, {"accountable_unit": -1}):
        assert client.post("/api/v1/key-results", json={**body, **bad}, headers=auth).status_code == 422, bad
    assert client.post("/api/v1/key-results", json={**body, "objective": 2**31 - 1}, headers=auth).status_code == 422

    url = f"/api/v1/key-results/{kr_id}"
    client.post(f"{url}/check-ins", json={"value": 12, "confidence": 7}, headers=auth)  # a check-in moves the ETag
    stale = client.patch(url, json={"target": 40}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412
    db.session.expire_all()
    assert db.session.get(KeyResult, kr_id).target == 30
    fresh = client.get(url, headers=auth).headers["ETag"]
    changed = client.patch(url, json={"target": 40, "weight": None}, headers={**auth, "If-Match": fresh})
    assert changed.status_code == 200 and changed.json["target"] == 40 and changed.json["weight"] == 2
    assert changed.headers["ETag"] != fresh

    retired = client.post(f"{url}/retire", headers={**auth, "If-Match": changed.headers["ETag"]})
    assert retired.status_code == 200 and retired.json["retired_at"]
    shown = client.get(f"/api/v1/objectives/{objective.id}", headers=auth).json
    assert [k["id"] for k in shown["key_results"]] == [sibling.id]  # scored without the retired one
    assert client.post("/api/v1/key-results/0/retire", headers={**auth, "If-Match": "*"}).status_code == 404


def test_incentives_keep_the_forms_totals_and_duplicate_rules_and_their_plan_period(client):
    executive = make_user("executive")
    unit = make_unit("Sales", leaders=[make_user("unit_leader")])
    auth = bearer(executive)
    body = {"unit": unit.id, "name": "Volume", "metric": "revenue", "direction": "increase", "weight": 0.6,
            "period": "2027"}
    created = client.post("/api/v1/incentives", json=body, headers=auth)
    assert created.status_code == 201, created.json
    assert created.json["period"] == "2027" and str(created.json["period_starts_on"]) == "2027-01-01"
    over = client.post("/api/v1/incentives", json={**body, "name": "Margin", "metric": "nps", "weight": 0.5},
                       headers=auth)
    assert over.status_code == 422  # 0.6 + 0.5 of the unit's bonus in 2027
    twice = client.post("/api/v1/incentives", json={**body, "weight": 0.1}, headers=auth)
    assert twice.status_code == 422  # the same row again
    assert db.session.scalar(select(Incentive.id).where(Incentive.name == "Margin")) is None

    url = f"/api/v1/incentives/{created.json['id']}"
    assert client.patch(url, json={"weight": 0.5}, headers=auth).status_code == 428
    changed = client.patch(url, json={"weight": 0.5}, headers={**auth, "If-Match": created.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["weight"] == 0.5
    assert client.patch(url, json={"weight": 0.4}, headers={**auth, "If-Match": created.headers["ETag"]}).status_code == 412
    retired = client.post(f"{url}/retire", headers={**auth, "If-Match": changed.headers["ETag"]})
    assert retired.status_code == 200 and retired.json["active"] is False


def test_writes_follow_the_pages_policy(client):
    leader = make_user("unit_leader")
    unit = make_unit("Sales", leaders=[leader])
    kr = make_key_result(unit=unit)
    auth = bearer(leader)
    assert client.post("/api/v1/objectives", json={"cycle": kr.objective.cycle_id, "title": "X"},
                       headers=auth).status_code == 403
    assert client.post(f"/api/v1/key-results/{kr.id}/retire", headers={**auth, "If-Match": "*"}).status_code == 403
    assert client.post("/api/v1/incentives", json={"unit": unit.id, "name": "V", "metric": "nps",
                                                   "direction": "increase", "weight": 0.2},
                       headers=auth).status_code == 403


def test_a_read_scoped_token_cannot_write_and_an_expired_token_is_refused(client, clock):
    executive = make_user("executive")
    kr = make_key_result(by=executive)
    reader = bearer(executive, scopes=("read",))
    assert client.get(f"/api/v1/key-results/{kr.id}", headers=reader).status_code == 200
    for method, url, body in (("post", f"/api/v1/key-results/{kr.id}/check-ins", {"value": 75}),
                              ("post", "/api/v1/metrics/nps/values", {"source": "s", "points": [
                                  {"at": "2026-11-01T00:00:00Z", "value": 1}]}),
                              ("patch", f"/api/v1/key-results/{kr.id}", {"target": 90}),
                              ("post", f"/api/v1/key-results/{kr.id}/retire", None)):
        refused = getattr(client, method)(url, json=body, headers={**reader, "If-Match": "*"})
        scope = refused.json.get("missing_scope")
        assert refused.status_code == 403 and scope in refused.json["error"], url
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).retired_at is None and kr.current_value == 70

    checker = bearer(executive, scopes=("check-ins",), days=30)
    assert client.post(f"/api/v1/key-results/{kr.id}/check-ins", json={"value": 75},
                       headers=checker).status_code == 201
    clock.advance(days=31)
    expired = client.get("/api/v1/me", headers=checker)
    assert expired.status_code == 401 and "expired" in expired.json["error"]
    assert client.get("/api/v1/me", headers=reader).status_code == 200  # 90 days


def test_a_token_is_made_with_its_scopes_and_expiry_on_the_profile_page(login, client, clock):
    user = make_user("executive")
    page = login(user).post("/account", data={"name": "CRM", "scopes": ["check-ins"], "expires": "30"})
    assert page.status_code == 200
    record = db.session.scalar(select(ApiToken))
    assert record.scope_list == ["read", "check-ins"] and record.expires_at == clock.now + timedelta(days=30)
    shown = login(user).get("/account").data.decode()
    assert "check-ins" in shown
    refused = login(user).post("/account", data={"name": "CRM", "scopes": ["root"], "expires": "30"})
    assert refused.status_code == 422 and db.session.query(ApiToken).count() == 1
    clock.advance(days=31)
    assert "expired" in login(user).get("/account").data.decode()


def test_errors_read_in_the_asked_language_else_in_the_token_owners(client):
    finn = make_user("executive")
    finn.locale = "fi"
    db.session.commit()
    reader = bearer(finn, scopes=("read",))
    owner = client.post("/api/v1/objectives", json={"cycle": 1, "title": "X"}, headers=reader)
    asked = client.post("/api/v1/objectives", json={"cycle": 1, "title": "X"},
                        headers={**reader, "Accept-Language": "en"})
    assert owner.status_code == asked.status_code == 403
    assert "oikeutta" in owner.json["error"] and "lacks the “manage” scope" in asked.json["error"]
    assert owner.json["missing_scope"] == asked.json["missing_scope"] == "manage"


def test_retired_objectives_and_key_results_leave_the_pages_and_the_conflict_scan(client, login):
    from okrapp.conflicts.goals import current_key_results
    from okrapp.core.timeutil import local_today

    executive = make_user("executive")
    cycle = make_cycle()
    kept, gone = make_objective(cycle, title="Customers renew", by=executive), make_objective(
        cycle, title="Customers wait less", by=executive)
    stays = make_key_result(objective=kept, by=executive)
    leaves = make_key_result(objective=kept, by=executive)
    make_key_result(objective=gone, by=executive)
    auth = bearer(executive)
    client.post(f"/api/v1/objectives/{gone.id}/retire", headers={**auth, "If-Match": "*"})
    client.post(f"/api/v1/key-results/{leaves.id}/retire", headers={**auth, "If-Match": "*"})
    browser = login(executive)
    board = browser.get(f"/objectives?cycle={cycle.id}").get_data(as_text=True)
    assert 'id="main"' in board or "<main" in board
    assert "Customers renew" in board and "Customers wait less" not in board
    detail = browser.get(f"/objectives/{kept.id}").get_data(as_text=True)
    assert stays.title in detail and leaves.title not in detail
    dashboard = browser.get("/dashboard")
    assert dashboard.status_code == 200 and "Customers renew" in dashboard.get_data(as_text=True)
    assert "Customers wait less" not in dashboard.get_data(as_text=True)
    assert {row.id for row in current_key_results(local_today())} == {stays.id}
