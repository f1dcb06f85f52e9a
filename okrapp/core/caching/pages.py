"""@cached_page(aggregates…): a page rendered once per change of what it shows, then served from the
cache, with an ETag so a browser's repeat visit answers 304 without a body.

The key holds everything the page depends on: the versions of the aggregates it reads, the viewer's
role and units (permissions depend on nothing else, see core.policy), the language, the time zone,
the local day, the address with its query and the code's release. What belongs to one session is
never kept: the page is rendered with stand-ins for the CSRF token and the user's name, which each
request fills in; a request with flashed messages is rendered afresh and kept by nobody."""
import hashlib
import hmac
import time
from functools import wraps
from pathlib import Path

from flask import Response, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from okrapp.core import words
from okrapp.core.caching import store, versions
from okrapp.core.timeutil import local_today, utcnow

CSRF_STAND_IN = "\ue000okrapp-csrf\ue001"
NAME_STAND_IN = "\ue000okrapp-viewer\ue001"
PAGE_CACHE_CONTROL = "private, no-cache"


def init_app(app) -> None:
    app.extensions["okrapp_release"] = _release()

    @app.context_processor
    def _stand_in_viewer():  # registered after Flask-Login's, so it wins while a page is captured
        if g.get("okrapp_capturing"):
            return {"current_user": _StandIn(current_user._get_current_object())}
        return {}


def cached_page(*aggregates: str, per_minute: bool = False, unless=None):
    """Keep the page for as long as the named aggregates (see versions.AGGREGATES) keep their versions;
    'people' (users, roles, units) is always among them, since every page's menu depends on it.
    per_minute: the page also depends on the clock (a review that starts, the next one), so it is kept
    one minute of the clock at most: exact for the whole minutes reviews start at.
    unless(user): True for viewers whose page shows what no version follows (the mail's delivery states an
    admin sees on the board pages): computed for them on every request."""
    unknown = set(aggregates) - set(versions.AGGREGATES)
    if unknown:  # a typo would key the page by nothing that changes: refuse it at import
        raise ValueError(f"unknown aggregates {sorted(unknown)}; see okrapp/core/caching/versions.py")
    depends = tuple(sorted({*aggregates, "people"}))

    def decorate(view):
        @wraps(view)
        def serve(*args, **kwargs):
            if not _cacheable() or (unless is not None and unless(current_user)):
                return view(*args, **kwargs)
            generate_csrf()  # the session's CSRF secret exists before its ETag is made
            key = page_key(depends, utcnow().strftime("%Y-%m-%dT%H:%M") if per_minute else "")
            tag = entity_tag(key)
            if not request.if_none_match.star_tag and request.if_none_match.contains(tag):  # "*" names no page
                return _not_modified(tag)
            body = store.get(key)
            if body is None:
                response = _capture(view, args, kwargs)
                if not _keepable(response):
                    return _personal(response)
                body = response.get_data(as_text=True)
                store.put(key, body)
            response = Response(_fill(body), mimetype="text/html")
            response.set_etag(tag)
            response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
            return response
        return serve
    return decorate


def page_key(depends, moment: str = "") -> str:
    stamps = versions.current()
    viewer = ",".join(str(unit.id) for unit in sorted(current_user.units, key=lambda u: u.id))
    parts = [current_app.extensions["okrapp_release"], request.endpoint or "", request.full_path,
             f"{current_user.role}:{int(bool(current_user.active))}:{viewer}", words.current(),
             current_app.config["OKRAPP_TIMEZONE"], local_today().isoformat(), moment,
             *(f"{name}={stamps[name]}" for name in depends)]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def entity_tag(key: str) -> str:
    """The page's key plus what makes it this session's: the user, the session's CSRF secret and, when
    tokens expire, a time bucket shorter than their life (a 304 must not keep an expired form)."""
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    bucket = int(time.time() // max(1, limit // 2)) if limit else 0
    secret = str(session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    mixed = hmac.new(current_app.config["SECRET_KEY"].encode(), digestmod=hashlib.sha256)
    mixed.update(f"{key}\n{current_user.get_id()}\n{secret}\n{bucket}".encode())
    return mixed.hexdigest()[:40]


def _cacheable() -> bool:
    return (request.method == "GET" and current_user.is_authenticated and not session.get("_flashes")
            and store.kind() != "none")


def _capture(view, args, kwargs) -> Response:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    real = g.get(field)
    g.okrapp_capturing = True
    setattr(g, field, CSRF_STAND_IN)
    try:
        return make_response(view(*args, **kwargs))
    finally:
        g.okrapp_capturing = False
        setattr(g, field, real)


def _keepable(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough
            and not session.get("_flashes"))


def _personal(response):
    if response.mimetype == "text/html" and not response.direct_passthrough:
        response.set_data(_fill(response.get_data(as_text=True)))
    return response


def _fill(body: str) -> str:
    return body.replace(CSRF_STAND_IN, generate_csrf()).replace(NAME_STAND_IN, str(escape(current_user.name)))


def _not_modified(tag: str) -> Response:
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    return response


class _StandIn:
    """The viewer as a shared page sees them: everything but the name, which each request fills in."""

    def __init__(self, user):
        object.__setattr__(self, "_user", user)

    def __getattr__(self, name):
        return NAME_STAND_IN if name == "name" else getattr(self._user, name)

    def __eq__(self, other):
        return self._user == getattr(other, "_user", other)

    def __hash__(self):
        return hash(self._user)


def _release() -> str:
    """Changes with the code, templates and catalogues, so a new release never serves a page rendered
    by the old one from a shared cache."""
    root = Path(__file__).resolve().parents[3]
    digest = hashlib.sha256()
    for folder, pattern in ((root / "okrapp", "**/*.py"), (root / "templates", "**/*.html"),
                            (root / "okrapp" / "translations", "**/*.mo")):
        for path in sorted(folder.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
