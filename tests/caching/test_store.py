"""OKRAPP_CACHE_URL picks the backend, and a wrong value stops the start with the setting named."""
import pytest

from okrapp.core.caching.store import backend_config
from tests.conftest import make_app
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize("url, kind", [("", "SimpleCache"), ("none", "NullCache"),
                                       ("redis://127.0.0.1:6379/0", "RedisCache")])
def test_the_url_picks_the_backend(url, kind):
    config = backend_config(url, "okrapp:", 60)
    assert config["CACHE_TYPE"] == kind and config["CACHE_KEY_PREFIX"] == "okrapp:"
    assert config.get("CACHE_REDIS_URL") == (url if kind == "RedisCache" else None)


def test_an_unknown_cache_url_stops_the_start(tmp_path, database_url):
    with pytest.raises(RuntimeError, match="OKRAPP_CACHE_URL"):
        make_app(database_url, tmp_path, OKRAPP_CACHE_URL="memcached://127.0.0.1:11211")


def test_with_caching_off_pages_are_computed_every_time(tmp_path, database_url):
    app = make_app(database_url, tmp_path, OKRAPP_CACHE_URL="none")
    user = make_user("executive")
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.get("/dashboard")
    assert response.status_code == 200 and "ETag" not in response.headers


def test_a_cache_that_fails_costs_speed_never_an_answer(tmp_path, database_url):
    """Redis down: pages are computed as without a cache, and clearing still renews every version."""
    app = make_app(database_url, tmp_path, OKRAPP_CACHE_URL="redis://127.0.0.1:1/0")  # nothing listens there
    user = make_user("executive")
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
