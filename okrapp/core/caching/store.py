"""Where rendered pages are kept: Flask-Caching over an in-process SimpleCache (one process, the
default) or Redis (OKRAPP_CACHE_URL=redis://host:6379/0), shared by every gunicorn worker. Entries
are keyed by data versions, so nothing needs invalidating; old entries simply expire. A cache that
fails (Redis down) costs speed, never an answer: the page is computed as if nothing were kept."""
import logging

from flask import current_app
from flask_caching import Cache

cache = Cache()
log = logging.getLogger("okrapp.cache")
KINDS = ("simple", "redis", "none")


def backend_config(url: str, prefix: str, timeout: int) -> dict:
    """Flask-Caching's settings for OKRAPP_CACHE_URL: empty → in-process, redis://… → Redis, none → off."""
    url = (url or "").strip()
    common = {"CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": prefix}
    if not url or url == "simple":
        return common | {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 1000}
    if url == "none":
        return common | {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return common | {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    raise RuntimeError(f"OKRAPP_CACHE_URL must be empty (in-process cache), 'none', or a redis:// address, "
                       f"not {url!r}")


def init_app(app) -> None:
    config = backend_config(app.config.get("OKRAPP_CACHE_URL", ""), app.config.get("OKRAPP_CACHE_PREFIX", "okrapp:"),
                            int(app.config.get("OKRAPP_CACHE_SECONDS", 86400)))
    cache.init_app(app, config=config)
    app.extensions["okrapp_cache_kind"] = {"SimpleCache": "simple", "RedisCache": "redis"}.get(
        config["CACHE_TYPE"], "none")


def kind() -> str:
    return current_app.extensions.get("okrapp_cache_kind", "none")


def get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 (any backend failure means: not cached)
        log.warning("page cache unavailable for reading", exc_info=True)
        return None


def put(key: str, value) -> None:
    try:
        cache.set(key, value)
    except Exception:  # noqa: BLE001
        log.warning("page cache unavailable for writing", exc_info=True)


def clear() -> bool:
    """Empty this instance's entries. Only tidiness: renewed versions already make them unreachable."""
    try:
        return bool(cache.clear())
    except Exception:  # noqa: BLE001
        log.warning("page cache could not be emptied", exc_info=True)
        return False
