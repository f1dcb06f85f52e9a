"""The API's token throttle cannot be turned against real users: over real HTTP (a threaded WSGI
server on loopback), forged tokens from one address never lock out a valid token; failures count
per token presented and per client address, the address taken from the trusted proxy hops."""
import http.client
import json
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from sqlalchemy import func, select

from okrapp.accounts.models import AuthEvent
from okrapp.core.extensions import db

from tests.api.test_api import token_for
from tests.conftest import make_app
from tests.factories import make_user


def call(base, token=None, forwarded_for=None, path="/api/v1/me"):
    """(status, headers, JSON body) of one GET over a connection of its own."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        connection.close()


def statuses(base, tokens, forwarded_for=None):
    return [call(base, token, forwarded_for)[0] for token in tokens]


@contextmanager
def serving(application):
    """application on a threaded WSGI server of its own (the live_server fixture serves the test app)."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_twenty_forged_tokens_from_one_address_do_not_lock_out_a_valid_token(app, live_server):
    token = token_for(make_user("executive"))
    limit = app.config["OKRAPP_API_MAX_FAILURES"]
    assert limit == 20
    assert statuses(live_server, [f"okr_forged{n}" for n in range(limit)]) == [401] * limit
    status, _, body = call(live_server, token)
    assert status == 200 and body["role"] == "executive"
    status, headers, body = call(live_server, "okr_forged-again")  # the address's failing attempts wait
    assert status == 429 and int(headers["Retry-After"]) == 15 * 60 and "wait" in body["error"]
    assert statuses(live_server, [token, token]) == [200, 200]
    assert statuses(live_server, [None]) == [429]  # no token at all is a failing attempt too


def test_a_forged_token_gets_401_then_429_and_failures_count_per_token(app, live_server, monkeypatch, clock):
    monkeypatch.setitem(app.config, "OKRAPP_API_MAX_FAILURES_TOKEN", 3)
    token = token_for(make_user("executive"))
    assert statuses(live_server, ["okr_same"] * 5) == [401, 401, 401, 429, 429]
    # another token from the same address has failures of its own (the address has 3 of its 20)
    assert statuses(live_server, ["okr_other", "okr_other"]) == [401, 401]
    assert call(live_server, token)[0] == 200
    clock.advance(minutes=15)  # the wait is over; a quiet token starts counting again
    assert statuses(live_server, ["okr_same"] * 4) == [401, 401, 401, 429]
    db.session.expire_all()
    refused = db.session.scalar(select(func.count(AuthEvent.id)).where(AuthEvent.reason == "api_token"))
    assert refused == 11  # every failing attempt is in the audit table, the throttled ones included


def test_behind_a_proxy_two_clients_are_throttled_apart(database_url, tmp_path, clock):
    proxied = make_app(database_url, tmp_path, OKRAPP_PROXY_HOPS=1, OKRAPP_CLOCK=clock)
    token = token_for(make_user("executive"))
    guesser, colleague = "203.0.113.7", "198.51.100.9"
    try:
        with serving(proxied) as base:
            assert statuses(base, [f"okr_guess{n}" for n in range(20)], guesser) == [401] * 20
            assert statuses(base, ["okr_guess20"], guesser) == [429]
            assert statuses(base, ["okr_typo"], colleague) == [401]  # not the guesser's 429
            assert statuses(base, [token], guesser) == [200]
            assert statuses(base, [token], colleague) == [200]
            # the proxy appends the address it saw: what the guesser writes in the header is not trusted
            assert statuses(base, ["okr_guess21"], f"192.0.2.1, {guesser}") == [429]
    finally:
        with proxied.app_context():
            db.engine.dispose()
