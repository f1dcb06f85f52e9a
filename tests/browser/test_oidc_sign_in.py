"""Company sign-in in Chromium: the button on the login page, the provider's own login form (the
real OpenID provider of tests/oidc_provider, see tests/accounts/test_oidc.py), and back signed in."""
import pytest
from sqlalchemy import select

from okrapp.accounts.models import UserSession
from okrapp.core.extensions import db

from tests.factories import make_user
from tests.oidc_provider.server import shared

pytestmark = pytest.mark.browser


def test_the_company_button_signs_a_known_user_in(app, live_server, page, screenshot, monkeypatch):
    provider = shared()
    client_id, secret = provider.register(f"{live_server}/login/sso/callback")
    for key, value in {"OKRAPP_BASE_URL": live_server, "OKRAPP_OIDC_ISSUER": provider.issuer,
                       "OKRAPP_OIDC_CLIENT_ID": client_id, "OKRAPP_OIDC_CLIENT_SECRET": secret,
                       "OKRAPP_OIDC_NAME": "Kaleva ID"}.items():
        monkeypatch.setitem(app.config, key, value)
    user = make_user("executive", email="aino.virtanen@kaleva.example", name="Aino Virtanen")

    page.goto(f"{live_server}/login?next=/objectives")
    screenshot(page, "login-with-company-sign-in")
    page.get_by_role("link", name="Sign in with Kaleva ID").click()
    page.wait_for_url(f"{provider.issuer}/**")
    page.locator("input[name=login]").fill("aino.virtanen@kaleva.example")
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{live_server}/objectives")

    assert page.locator(".who").get_by_text("Aino Virtanen").is_visible()
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one().ended_at is None
    screenshot(page, "signed-in-with-company-sign-in")
