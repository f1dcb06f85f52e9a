"""The new endpoints attacked from outside, through gunicorn as deployed: forged and hostile tokens,
ids beyond any integer, huge pages, garbled If-Match, non-finite numbers. No answer is a 5xx, every
refusal is JSON, and a refused change leaves the record as it was."""
import json
import re
import sqlite3
from urllib.parse import urlencode

from tests.gunicorn_server import HttpClient, gunicorn_server, needs_gunicorn

EXECUTIVE = "exec@example.com"


def issue_token(client: HttpClient, *scopes: str) -> str:
    body = urlencode([("csrf_token", client.token("/account")), ("name", "integration"), ("expires", "30"),
                      *[("scopes", scope) for scope in scopes]]).encode()
    status, page = client.request("/account", body, {"Content-Type": "application/x-www-form-urlencoded"})
    found = re.search(rb'<code id="new-token">([^<]+)</code>', page)
    assert status == 200 and found, status
    return found.group(1).decode()


class Api:
    def __init__(self, client: HttpClient, token: str):
        self.client, self.token = client, token

    def call(self, method: str, path: str, body=None, raw: bytes | None = None, token: str | None = None,
             **headers) -> tuple[int, dict]:
        import urllib.request
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.client.base_url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token if token is None else token}", "Content-Type": "application/json",
            **{k.replace("_", "-"): v for k, v in headers.items()}})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        assert status < 500, (method, path, status, text[:300])
        try:
            return status, json.loads(text)
        except ValueError:
            return status, {"raw": text[:200].decode("latin-1")}


@needs_gunicorn
def test_the_new_endpoints_hold_against_an_outsider_through_gunicorn(tmp_path):
    with gunicorn_server(tmp_path, users=[(EXECUTIVE, "executive")], workers=2) as base_url:
        with sqlite3.connect(tmp_path / "okrapp.db") as conn:
            cycle_id = conn.execute("INSERT INTO cycles (name, starts_on, ends_on, version, updated_by_name) "
                                    "VALUES ('2026 Q4', '2026-10-01', '2026-12-31', 1, '')").lastrowid
        browser = HttpClient(base_url)
        browser.login(EXECUTIVE)
        api = Api(browser, issue_token(browser, "manage"))
        reader = Api(browser, issue_token(browser))

        status, created = api.call("POST", "/api/v1/objectives", {"cycle": cycle_id, "title": "Customers renew"})
        assert status == 201, created
        url = f"/api/v1/objectives/{created['id']}"

        for token in ("", "okr_", "okr_" + "A" * 43, "okr_" + "x" * 5000, "Basic Zm9vOmJhcg==", "okr_\u00e9"):
            status, body = api.call("GET", "/api/v1/key-results", token=token.encode("utf-8").decode("latin-1"))
            assert status in (400, 401), (token[:10], status)
        status, body = reader.call("PATCH", url, {"title": "Taken over"}, If_Match='"1"')
        assert status == 403 and body["missing_scope"] == "manage"

        for path in ("/api/v1/objectives/99999999999999999999", "/api/v1/objectives/0", "/api/v1/objectives/-1",
                     "/api/v1/objectives/1e3", "/api/v1/key-results/2147483648/retire",
                     "/api/v1/incentives/340282366920938463463374607431768211456"):
            method = "POST" if path.endswith("retire") else "PATCH"
            status, body = api.call(method, path, {"title": "x"}, If_Match="*")
            assert status == 404 and body["error"], path
        for query in ("per_page=1000000000", "per_page=-1", "page=0", "page=" + "9" * 400, "cycle=1.5",
                      "updated_since=9999-12-31T23:00:00-14:00", "status=%00", "at_risk=maybe"):
            status, body = api.call("GET", f"/api/v1/key-results?{query}")
            assert status == 422 and body["error"], query

        for match in ('"0"', 'W/"1"', '"1', "\"1\"\"", "*, \"1\"", '"' * 900, "garbage", "1"):
            status, body = api.call("PATCH", url, {"title": "Stale"}, If_Match=match)
            assert status == 412 and body["current_version"] == 1, match
        status, body = api.call("PATCH", url, {"title": "Stale"})
        assert status == 428
        for raw in (b'{"title": NaN}', b'{"description": Infinity}', b'{"title": "x", "cycle": 1e999}',
                    b'{"title": "' + b"x" * 300 + b'"}', b'{"title": "a\\u0000b"}', b"[" * 100 + b"]" * 100,
                    b"not json"):
            status, body = api.call("PATCH", url, raw=raw, If_Match='"1"')
            assert status in (400, 422), raw[:20]
        status, body = api.call("GET", url)
        assert status == 200 and body["title"] == "Customers renew" and body["version"] == 1  # nothing changed

        status, body = api.call("PATCH", url, {"title": "Customers stay"}, If_Match='"1"')
        assert status == 200 and body["version"] == 2
