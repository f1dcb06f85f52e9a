"""CSRF protection covers every write view: a post without the session's token is refused
before the view runs, whoever is logged in."""
import pytest
from werkzeug.routing import IntegerConverter
from sqlalchemy import func, select

from okrapp import CSRF_FAILED
from okrapp.core.extensions import csrf, db
from okrapp.accounts.models import AuthEvent

from tests.factories import make_user
from tests.core.test_permissions import snapshot

# Token-authenticated JSON endpoints (no session cookie involved) may be exempt, and the board
# mail's one-click unsubscribe (RFC 8058: the mail client posts without a form; the signed token in
# the URL is the authorisation, and it can only pause that one recipient); nothing else.
EXEMPT_PREFIXES = ("/api/",)
EXEMPT_VIEWS = {"okrapp.board.views.pause_by_link": "/board/pause/<token>"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def write_urls(app):
    """Every rule that accepts a write method, with its variables filled in."""
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.rule.startswith(EXEMPT_PREFIXES) or rule.rule in EXEMPT_VIEWS.values():
            continue
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
        yield rule, sorted(methods)[0], rule.rule if not values else _build(app, rule, values)


def _build(app, rule, values):
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **values)


def test_no_write_view_or_blueprint_is_exempt(app):
    exempt = [v for v in csrf._exempt_views
              if v not in EXEMPT_VIEWS and not any(p.strip("/") in v for p in EXEMPT_PREFIXES)]
    blueprints = [bp for bp in csrf._exempt_blueprints  # Blueprint objects, or names in older Flask-WTF
                  if not (getattr(bp, "url_prefix", None) or "").startswith(EXEMPT_PREFIXES)]
    assert exempt == [] and blueprints == []


@pytest.mark.parametrize("token", ["", "forged"])
def test_every_write_route_refuses_a_post_without_the_sessions_token(app, login, token):
    clients = [login(make_user(role)) for role in ("admin", "executive")] + [app.test_client()]
    before = snapshot()
    urls = list(write_urls(app))
    assert len(urls) > 20
    for client in clients:
        for rule, method, url in urls:
            response = client.open(url, method=method, data={"csrf_token": token, "title": "x"})
            assert response.status_code == 400, (rule.rule, response.status_code)
            assert CSRF_FAILED.encode() in response.data, rule.rule
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(AuthEvent)) == 2  # only the two logins
