"""The bad inputs once found to answer 500 or be stored: each gets a clear 4xx or form error and
changes nothing."""
import pytest

from tests.factories import PASSWORD, make_user
from tests.core.test_fuzz_inputs import fuzz_world  # noqa: F401  (fixture)
from tests.core.test_permissions import snapshot, world  # noqa: F401  (fixture)


def cases(w):
    o, kr, m = w["objective"].id, w["kr"], w["meeting"].id
    check_in = f"/key-results/{kr.id}/check-in"
    kr_form = {"title": "K", "metric": kr.metric_id, "baseline": 1, "accountable_unit": w["unit"].id, "weight": 1,
               "commitment": "committed"}
    return {
        "check-in value nan": ("post", check_in, {"value": "nan", "confidence": 5}, 422),
        "check-in value inf": ("post", check_in, {"value": "inf", "confidence": 5}, 422),
        "check-in value CR/LF only": ("post", check_in, {"value": "\r\n", "confidence": 5}, 422),
        "target 1e308": ("post", f"/objectives/{o}/key-results/new", {**kr_form, "target": "1e308"}, 422),
        "target -inf": ("post", f"/objectives/{o}/key-results/new", {**kr_form, "target": "-inf"}, 422),
        "metric min nan": ("post", "/metrics/new", {"name": "Odd", "min_value": "nan"}, 422),
        "review moved to 9999-12-31": ("post", f"/reviews/{m}/move", {"day": "9999-12-31", "at": "09:00"}, 302),
        "review moved to 0001-01-01": ("post", f"/reviews/{m}/move", {"day": "0001-01-01", "at": "09:00"}, 302),
        "cycle ending 9999-12-31": ("post", "/admin/cycles/new", {"name": "Forever", "starts_on": "2027-01-01",
                                                                 "ends_on": "9999-12-31"}, 422),
        "NUL in a title": ("post", f"/objectives/{o}/edit", {"title": "a\x00b"}, 400),
        "control character in a title": ("post", f"/objectives/{o}/edit", {"title": "a\x07b"}, 422),
        "CR/LF in a schedule name": ("post", "/reviews/schedules/new", {
            "name": "Review\r\nBcc: x@example.com", "cadence": "weekly", "weekday": 3, "time_of_day": "09:00",
            "timezone": "Europe/Helsinki", "duration_minutes": 60, "reminder_days": 2, "anchor_on": "2026-11-16",
            "chair": w["users"]["executive"].id, "participants": [w["users"]["executive"].id]}, 422),
        "rank objective abc": ("post", f"/reviews/{m}/rank", {"objective": "abc", "rank": 1}, 400),
        "rank objective 2^64": ("post", f"/reviews/{m}/rank", {"objective": str(2**64), "rank": 1}, 400),
        "rank beyond an integer": ("post", f"/objectives/{o}/rank", {"rank": str(2**40)}, 400),
        "path id above 2^63": ("get", f"/objectives/{2**63 + 5}", None, 404),
        "path id above 2^31": ("post", f"/key-results/{2**31}/check-in", {"value": 1, "confidence": 5}, 404),
        "?cycle= above 2^63": ("get", f"/objectives?cycle={2**63 + 5}", None, 200),
        "?unit= above 2^63": ("get", f"/conflicts?unit={2**63 + 5}", None, 200),
        "?page= above 2^63": ("get", f"/objectives?page={2**64}", None, 200),
        "NUL in a query": ("get", "/conflicts?status=open%00", None, 400),
    }


@pytest.mark.parametrize("case", ["check-in value nan", "check-in value inf", "check-in value CR/LF only", "target 1e308", "target -inf",
                                  "metric min nan", "review moved to 9999-12-31", "review moved to 0001-01-01",
                                  "cycle ending 9999-12-31", "NUL in a title", "control character in a title",
                                  "CR/LF in a schedule name", "rank objective abc", "rank objective 2^64",
                                  "rank beyond an integer", "path id above 2^63", "path id above 2^31",
                                  "?cycle= above 2^63", "?unit= above 2^63", "?page= above 2^63", "NUL in a query"])
def test_bad_input_is_refused_clearly_and_changes_nothing(fuzz_world, login, case):  # noqa: F811
    method, url, data, status = cases(fuzz_world)[case]
    client = login(fuzz_world["users"]["admin" if "cycle ending" in case else "executive"])
    before = snapshot()
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == status, response.data[:300]
    if method == "post":
        assert snapshot() == before


def test_login_next_with_crlf_leads_home_without_header_injection(client):
    user = make_user("executive")
    for evil in ["/\r\nSet-Cookie: x=1", "/\r\nLocation: //evil", "/ok\tpath"]:
        fresh = client.application.test_client()
        response = fresh.post("/login?next=" + evil.replace("\r", "%0d").replace("\n", "%0a"),
                              data={"email": user.email, "password": PASSWORD, "next": evil})
        assert response.status_code == 302 and response.location == "/", evil
        assert "Set-Cookie: x" not in str(response.headers)


# -- the API's JSON bodies, and methods a route does not take -----------------------------------

@pytest.fixture
def check_in_url_and_token():
    from okrapp.core.extensions import db
    from tests.api.test_api import token_for
    from tests.factories import make_key_result, make_unit
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    token = token_for(make_user("executive"))
    db.session.commit()
    return f"/api/v1/key-results/{kr.id}/check-ins", {"Authorization": f"Bearer {token}",
                                                       "Content-Type": "application/json"}


def _check_ins():
    from sqlalchemy import func, select

    from okrapp.core.extensions import db
    from okrapp.okrs.models import CheckIn
    db.session.expire_all()
    return db.session.scalar(select(func.count(CheckIn.id)))


@pytest.mark.parametrize("body", ['{"value": ' + "[" * 1000 + "]" * 1000 + "}",
                                  "[" * 100_000,  # never closed: the parser would recurse all the same
                                  '{"value": 5, "comment": "x", "extra": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"])
def test_json_nested_a_thousand_levels_deep_is_a_400_json_error(client, check_in_url_and_token, body):
    url, headers = check_in_url_and_token
    response = client.post(url, data=body, headers=headers)
    assert response.status_code == 400 and response.is_json
    assert "levels deep" in response.json["error"]
    assert _check_ins() == 0


def test_json_within_the_depth_limit_reaches_validation_and_brackets_in_strings_do_not_count(
        client, check_in_url_and_token):
    url, headers = check_in_url_and_token
    nested = client.post(url, data='{"value": ' + "[" * 30 + "]" * 30 + "}", headers=headers)
    assert nested.status_code == 422 and nested.json["details"][0].startswith("value")
    comment = '[[{{ \\" ' * 100  # brackets and an escaped quote inside a string
    fine = client.post(url, json={"value": 75, "comment": comment}, headers={"Authorization": headers["Authorization"]})
    assert fine.status_code == 201 and fine.json["comment"] == comment.strip()
    assert _check_ins() == 1


def test_a_huge_json_body_is_refused_with_413_before_it_is_read(app, client, check_in_url_and_token):
    url, headers = check_in_url_and_token
    limit = app.config["OKRAPP_API_MAX_JSON_BYTES"]
    assert limit < app.config["MAX_CONTENT_LENGTH"]
    body = '{"value": 75, "comment": "' + "x" * limit + '"}'
    response = client.post(url, data=body, headers=headers)
    assert response.status_code == 413 and "too large" in response.json["error"]
    assert _check_ins() == 0


def test_a_huge_chunked_json_body_is_refused_too(app, live_server, check_in_url_and_token):
    import http.client
    from urllib.parse import urlsplit
    url, headers = check_in_url_and_token
    where = urlsplit(live_server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    chunk = b"x" * 65536
    chunks = [b'{"value": 75, "comment": "'] + [chunk] * (app.config["OKRAPP_API_MAX_JSON_BYTES"] // len(chunk) + 1) + [b'"}']
    try:
        connection.request("POST", url, body=iter(chunks), headers=headers, encode_chunked=True)
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status == 413 and b"too large" in body
    assert _check_ins() == 0


def test_the_depth_scan_reads_strings_as_json_does():
    from okrapp.core.web.validators import json_too_deep
    assert not json_too_deep(b'{"a": [1, {"b": "]]]]"}]}', 3)
    assert json_too_deep(b'{"a": [1, {"b": [2]}]}', 3)
    assert not json_too_deep(b'["\\"[[[[", "\\\\"]', 1)  # an escaped quote, then an escaped backslash
    assert json_too_deep(b'["\\\\", [[[', 3)
    assert not json_too_deep(b'"[[[[ never closed', 1)
    assert not json_too_deep(b"", 1) and not json_too_deep(b"]]]]", 1)


@pytest.mark.parametrize("method, url, allowed, kind", [
    ("put", "/login", {"GET", "POST"}, "text/html"),
    ("delete", "/api/v1/me", {"GET"}, "application/json"),
    ("put", "/api/v1/key-results/1/check-ins", {"POST"}, "application/json"),
])
def test_a_405_names_the_methods_the_address_takes(client, method, url, allowed, kind):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response.mimetype == kind
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
