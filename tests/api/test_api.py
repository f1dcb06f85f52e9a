"""The REST API through the real app and database: tokens, policy, check-ins, metric values."""

import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.accounts.models import ApiToken, AuthEvent
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.okrs.metric_models import MetricValue, MetricWeek
from okrapp.accounts import tokens as api_tokens
from okrapp.okrs import operations as okrs

from tests.factories import make_key_result, make_unit, make_user, metric


def token_for(user, name="test"):
    _, token = api_tokens.create_token(user, name, scopes=tuple(api_tokens.SCOPES))
    db.session.commit()
    return token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_is_shown_once_stored_hashed_and_shows_its_last_use(login, client, clock):
    user = make_user("executive")
    page = login(user).post("/account", data={"name": "survey tool"})
    token = page.data.decode().split('<code id="new-token">')[1].split("</code>")[0]
    record = db.session.scalar(select(ApiToken))
    assert token.startswith("okr_") and token not in record.token_hash and record.token_hash == api_tokens.digest(token)
    assert token not in login(user).get("/account").data.decode()  # shown once
    clock.advance(minutes=5)
    assert client.get("/api/v1/me", headers=bearer(token)).json["email"] == user.email
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) == clock.now


def test_revoked_token_is_refused(login, client):
    user = make_user("executive")
    token = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    record = db.session.scalar(select(ApiToken))
    login(user).post(f"/account/tokens/{record.id}/revoke")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and "revoked" in response.json["error"]


def test_a_deactivated_users_token_and_a_session_cookie_do_not_open_the_api(login, client):
    user = make_user("executive")
    token = token_for(user)
    assert login(user).get("/api/v1/me").status_code == 401  # the browser session is not an API credential
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_token_cannot_act_beyond_its_users_role(client):
    leader = make_user("unit_leader")
    board = make_user("board")
    mine = make_key_result(unit=make_unit(leaders=[leader]))
    other = make_key_result(unit=make_unit())
    leader_token, board_token = token_for(leader), token_for(board)
    assert client.post(f"/api/v1/key-results/{mine.id}/check-ins", json={"value": 72},
                       headers=bearer(leader_token)).status_code == 201
    refused = client.post(f"/api/v1/key-results/{other.id}/check-ins", json={"value": 72}, headers=bearer(leader_token))
    assert refused.status_code == 403 and refused.json["error"]
    assert client.post(f"/api/v1/key-results/{mine.id}/check-ins", json={"value": 72},
                       headers=bearer(board_token)).status_code == 403
    assert client.post("/api/v1/metrics/csat/values", json={"source": "survey", "points": [
        {"at": "2026-11-10T10:00:00Z", "value": 80}]}, headers=bearer(leader_token)).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1
    assert db.session.scalar(select(func.count(MetricValue.id))) == 0


def test_unit_leader_token_sees_only_own_units_incentives(client):
    from okrapp.incentives import operations as incentives
    leader = make_user("unit_leader")
    mine, other = make_unit("Mine", leaders=[leader]), make_unit("Other")
    for unit in (mine, other):
        incentives.save_incentive(None, unit=unit, name=f"{unit.name} volume", metric=metric("revenue"),
                                  direction="increase", weight=0.5, target=None, period="", note="", by=None)
    db.session.commit()
    items = client.get("/api/v1/incentives", headers=bearer(token_for(leader))).json["items"]
    assert [i["unit"]["name"] for i in items] == ["Mine"]


def test_failed_token_attempts_are_limited_per_address_but_a_valid_token_still_answers(monkeypatch, client):
    user = make_user("executive")
    token = token_for(user)
    monkeypatch.setitem(client.application.config, "OKRAPP_API_MAX_FAILURES", 3)
    for n in range(3):
        assert client.get("/api/v1/me", headers=bearer(f"okr_guess{n}")).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # the credential is checked first
    limited = client.get("/api/v1/me", headers=bearer("okr_guess3"))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "900"
    assert db.session.scalar(select(func.count(AuthEvent.id)).where(AuthEvent.reason == "api_token")) == 4


def test_check_in_through_the_api_asks_to_confirm_an_implausible_value(client):
    executive = make_user("executive")
    kr = make_key_result(metric_key="revenue", baseline=3_100_000, target=3_500_000)
    token = token_for(executive)
    response = client.post(f"/api/v1/key-results/{kr.id}/check-ins", json={"value": 34750005}, headers=bearer(token))
    assert response.status_code == 422 and "confirm" in response.json["error"]
    response = client.post(f"/api/v1/key-results/{kr.id}/check-ins", json={"value": 34750005, "confirm": True},
                           headers=bearer(token))
    assert response.status_code == 201 and response.json["value"] == 34750005
    bad = client.post(f"/api/v1/key-results/{kr.id}/check-ins", json={"value": "NaN"}, headers=bearer(token))
    assert bad.status_code == 422 and bad.json["error"].startswith("The request is not valid")


def test_metric_values_pushed_twice_are_stored_once(client):
    token = token_for(make_user("executive"))
    body = {"source": "surveytool", "points": [{"at": "2026-11-09T10:00:00+02:00", "value": 41.5},
                                               {"at": "2026-11-10T08:00:00Z", "value": 43}]}
    first = client.post("/api/v1/metrics/nps/values", json=body, headers=bearer(token))
    assert first.status_code == 200 and first.json == {"stored": 2, "unchanged": 0, "changed": 0, "check_ins": 0}
    again = client.post("/api/v1/metrics/nps/values", json=body, headers=bearer(token))
    assert again.json == {"stored": 0, "unchanged": 2, "changed": 0, "check_ins": 0}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MetricValue.id))) == 2
    series = client.get("/api/v1/metrics/nps/values", headers=bearer(token)).json["items"]
    assert series == [{"at": "2026-11-09T08:00:00Z", "value": 41.5, "source": "surveytool"},
                      {"at": "2026-11-10T08:00:00Z", "value": 43.0, "source": "surveytool"}]
    [week] = db.session.scalars(select(MetricWeek).where(MetricWeek.metric_id == metric("nps").id)).all()
    assert (week.total, week.count) == (84.5, 2)  # the observed-conflict rule reads these


def test_a_key_result_bound_to_a_metric_shows_the_pushed_value_as_its_latest_check_in(client, login, clock):
    executive = make_user("executive")
    kr = make_key_result(metric_key="nps", baseline=20, target=40, by=executive)
    okrs.save_key_result(kr, kr.objective, title=kr.title, metric=kr.metric, baseline=20, target=40,
                         accountable_unit=kr.accountable_unit, contributors=[], weight=1, commitment="committed",
                         by=executive, value_source="surveytool")
    db.session.commit()
    token = token_for(executive)
    body = {"source": "surveytool", "points": [{"at": "2026-11-15T12:00:00Z", "value": 31}]}
    assert client.post("/api/v1/metrics/nps/values", json=body, headers=bearer(token)).json["check_ins"] == 1
    other = {"source": "crm", "points": [{"at": "2026-11-15T12:00:00Z", "value": 99}]}
    assert client.post("/api/v1/metrics/nps/values", json=other, headers=bearer(token)).json["check_ins"] == 0
    detail = client.get(f"/api/v1/key-results/{kr.id}", headers=bearer(token)).json
    assert detail["current_value"] == 31 and detail["progress"] == pytest.approx(0.55)
    assert detail["check_ins"][0]["value"] == 31 and detail["check_ins"][0]["source"] == "surveytool"
    assert "via surveytool" in login(executive).get(f"/key-results/{kr.id}").data.decode()
    body["points"][0]["value"] = 33  # the source re-sends a fixed value: the check-in is corrected
    assert client.post("/api/v1/metrics/nps/values", json=body, headers=bearer(token)).json["changed"] == 1
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).current_value == 33
    assert [c.value for c in db.session.scalars(select(CheckIn).order_by(CheckIn.id))] == [31, 33]


def test_api_errors_are_json_with_a_message(client):
    token = token_for(make_user("executive"))
    for url in ("/api/v1/nothing-here", "/api/v1/key-results/999999", "/api/v1/key-results/99999999999999999999",
                "/api/v1/metrics/unknown/values"):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 404 and response.is_json and response.json["error"], url
    assert client.get("/api/v1/me").json["error"].startswith("Send a personal API token")
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 405


def test_openapi_document_and_docs_page(client, login):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/objectives", "/api/v1/metrics/{key}/values", "/api/v1/key-results/{kr_id}/check-ins",
            "/api/v1/conflicts", "/api/v1/reviews", "/api/v1/incentives"} <= set(spec["paths"])
    page = client.get("/api/v1/docs").data.decode()
    assert "POST /api/v1/metrics/{key}/values" in page and "<script" not in page
