"""Two server processes sharing one Redis page cache: a change made through one shows on the next
request to the other (and the other way round); neither serves the page it kept before the change."""
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from okrapp.accounts.models import User
from okrapp.core.extensions import db

from tests.conftest import make_app
from tests.factories import make_cycle, make_key_result, make_objective, make_unit
from tests.gunicorn_server import HttpClient, gunicorn_server, needs_gunicorn

REDIS_URL = "redis://127.0.0.1:6379/0"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _redis():
    try:
        import redis
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 (no server: the test is skipped, not failed)
        return None


needs_redis = pytest.mark.skipif(_redis() is None, reason=f"no Redis at {REDIS_URL}")


@pytest.fixture(scope="session")
def cache_prefix():
    """This test session's own keys, so parallel runs on one Redis never meet."""
    prefix = f"okrapp-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = _redis()
    if client is not None:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def seed(directory):
    """Two objectives with a key result each, in the servers' database, made by its executive."""
    other = make_app(f"sqlite:///{directory / 'okrapp.db'}", directory)
    with other.app_context():
        ceo = db.session.scalar(select(User).where(User.email == "ceo@example.com"))
        cycle = make_cycle("2026 Q4")
        first, second = make_objective(cycle, "One smooth delivery", ceo), make_objective(cycle, "Customers stay", ceo)
        kr = make_key_result(first, unit=make_unit("Delivery"), by=ceo)
        make_key_result(second, unit=make_unit("Sales"), by=ceo)
        ids = {"kr": kr.id, "version": kr.version, "second": second.id}
        db.session.remove()
        db.engine.dispose()
    return ids


def post(client, path, form_page, **fields):
    body = urlencode({"csrf_token": client.token(form_page), **fields}).encode()
    return client.request(path, body, FORM)


@needs_gunicorn
@needs_redis
def test_a_change_through_one_process_shows_at_once_in_the_other(tmp_path, cache_prefix):
    shared = {"OKRAPP_CACHE_URL": REDIS_URL, "OKRAPP_CACHE_PREFIX": cache_prefix,
              "OKRAPP_SECRET_KEY": "shared-" + uuid.uuid4().hex}  # one deployment: sessions work on both
    with gunicorn_server(tmp_path, users=[("ceo@example.com", "executive")], workers=1, **shared) as first_url:
        ids = seed(tmp_path)
        with gunicorn_server(tmp_path, workers=1, **shared) as second_url:
            first = HttpClient(first_url)
            first.login("ceo@example.com")
            second = HttpClient(second_url)
            second.opener = first.opener  # the same browser, its requests balanced over two servers
            kr_page = f"/key-results/{ids['kr']}"
            for client in (first, second, first, second):
                status, page = client.get(kr_page)
                assert status == 200 and b"Counted on the first server" not in page
                assert client.get("/objectives")[0] == 200
            assert list(_redis().scan_iter(f"{cache_prefix}page:*")), "the pages are kept in Redis"

            status, _ = post(first, f"{kr_page}/check-in", kr_page, value="74", confidence="8",
                             comment="Counted on the first server", version=str(ids["version"]))
            assert status == 200  # followed the redirect
            assert b"Counted on the first server" in second.get(kr_page)[1]

            before = second.get("/objectives")[1].decode()
            assert before.index("One smooth delivery") < before.index("Customers stay")
            status, _ = post(second, f"/objectives/{ids['second']}/rank", kr_page, rank="1")
            assert status == 200
            after = first.get("/objectives")[1].decode()
            assert after.index("Customers stay") < after.index("One smooth delivery")
