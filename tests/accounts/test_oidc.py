"""Company sign-in with OpenID Connect, against a real OpenID provider on loopback.

The provider is panva's `oidc-provider` (OpenID Certified, the reference provider of the Node.js
world), run by tests/oidc_provider/provider.mjs under Node.js and installed by the Makefile
(`npm ci` when tests/oidc_provider/node_modules is missing or older than the lock file). Chosen over
a provider of our own built from Authlib's server pieces because the client under test is Authlib:
a provider from the same library could share its mistakes, while this one is an independent,
certified implementation that starts in about half a second. It publishes discovery and a JWKS,
issues real RS256-signed ID tokens with a fresh key per run, requires PKCE (S256) of every client,
registers clients through RFC 7591 (so each test gets a client of its own) and serves a real login
form, which `OpenIdProvider.sign_in` fills in over HTTP. For the "key not in the JWKS" test a second
instance in the same process, with the same issuer and storage but another key under the same key
id, answers one client's token requests. Nothing of okrapp's client side is mocked."""
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from okrapp.accounts import oidc
from okrapp.accounts.models import AccountEvent, AuthEvent, User, UserSession
from okrapp.accounts.people import update_user
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage

from tests.factories import PASSWORD, make_user
from tests.oidc_provider.server import shared

DOMAIN = "kaleva.example"


@pytest.fixture(scope="session")
def provider():
    return shared()


@pytest.fixture
def sso(app, provider, monkeypatch):
    """Company sign-in configured on the test app, with a client of its own at the provider."""
    client_id, secret = provider.register(f"{app.config['OKRAPP_BASE_URL']}/login/sso/callback")
    for key, value in {"OKRAPP_OIDC_ISSUER": provider.issuer, "OKRAPP_OIDC_CLIENT_ID": client_id,
                       "OKRAPP_OIDC_CLIENT_SECRET": secret, "OKRAPP_OIDC_NAME": "Kaleva ID",
                       "OKRAPP_OIDC_DOMAINS": f"{DOMAIN}, other.example"}.items():
        monkeypatch.setitem(app.config, key, value)
    return client_id


def sso_sign_in(app, client, provider, login, next_=None):
    """The button, the provider's login form, and the callback: the callback's response."""
    start = client.get("/login/sso" + (f"?next={next_}" if next_ else ""))
    assert start.status_code == 302, start.data
    back = urlsplit(provider.sign_in(start.location, login, app.config["OKRAPP_BASE_URL"]))
    return client.get(f"{back.path}?{back.query}")


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_the_login_page_shows_the_button_only_when_configured(app, client, provider, monkeypatch):
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    monkeypatch.setitem(app.config, "OKRAPP_OIDC_ISSUER", provider.issuer)
    monkeypatch.setitem(app.config, "OKRAPP_OIDC_CLIENT_ID", "x")
    monkeypatch.setitem(app.config, "OKRAPP_OIDC_CLIENT_SECRET", "y")
    page = client.get("/login?next=/objectives").get_data(as_text=True)
    assert "Sign in with your company account" in page and 'href="/login/sso?next=/objectives"' in page
    assert 'name="password"' in page  # password sign-in stays on by default


def test_a_known_user_signs_in_with_pkce_state_and_nonce_and_gets_a_server_side_session(app, client, provider, sso):
    user = make_user("executive", email=f"ann.smith@{DOMAIN}")
    assert "Sign in with Kaleva ID" in client.get("/login").get_data(as_text=True)

    start = client.get("/login/sso?next=/objectives")
    query = parse_qs(urlsplit(start.location).query)
    assert start.location.startswith(f"{provider.issuer}/auth?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"] and query["nonce"] and query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == [f"{app.config['OKRAPP_BASE_URL']}/login/sso/callback"]
    back = urlsplit(provider.sign_in(start.location, f"Ann.Smith@{DOMAIN.upper()}", app.config["OKRAPP_BASE_URL"]))
    done = client.get(f"{back.path}?{back.query}")

    assert done.status_code == 302 and done.location == "/objectives"
    assert signed_in(client)
    record = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert record.ended_at is None and record.created_at is not None
    audit = db.session.scalars(select(AuthEvent).where(AuthEvent.user_id == user.id)).one()
    assert (audit.success, audit.reason) == (True, "signed in with SSO")
    event = db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)).one()
    assert (event.kind, event.label) == ("sso_sign_in", "Signed in with SSO")
    client.post("/logout")
    assert not signed_in(client)
    db.session.refresh(record)
    assert record.ended_at is not None


def test_an_unknown_person_is_refused_with_who_to_ask(app, client, provider, sso):
    response = sso_sign_in(app, client, provider, "stranger@elsewhere.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "No okrapp account for stranger@elsewhere.example" in page
    assert "Ask one of okrapp's administrators" in page or "Ask one of okrapp&#39;s administrators" in page
    assert not signed_in(client)
    assert db.session.scalar(select(User).where(User.email == "stranger@elsewhere.example")) is None
    assert db.session.scalars(select(AuthEvent.reason)).all() == ["sso: unknown account"]


def test_a_person_of_a_listed_domain_joins_inactive_until_an_admin_gives_a_role(app, client, provider, sso, login):
    admin = make_user("admin")
    response = sso_sign_in(app, client, provider, f"new.colleague@{DOMAIN}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "an administrator has been asked" in page.replace("\n", " ")
    assert not signed_in(client)
    joined = db.session.scalar(select(User).where(User.email == f"new.colleague@{DOMAIN}"))
    assert joined is not None and not joined.active and oidc.waiting_for_role(joined)
    assert not joined.check_password("") and not joined.check_password(oidc.NO_PASSWORD)
    assert [e.kind for e in db.session.scalars(select(AccountEvent))] == ["sso_joined"]
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.recipient, m.category) for m in mails] == [(admin.email, "account")]
    assert f"new.colleague@{DOMAIN}" in mails[0].subject and f"/admin/users/{joined.id}/edit" in mails[0].text_body

    again = sso_sign_in(app, app.test_client(), provider, f"new.colleague@{DOMAIN}")
    assert again.status_code == 403 and "Still waiting for a role" in again.get_data(as_text=True)
    assert db.session.query(OutboxMessage).count() == 1  # asked once
    users_page = login(admin).get("/admin/users").get_data(as_text=True)
    assert "waiting for a role" in users_page

    update_user(joined, joined.name, "executive", True, by=admin, expected_version=joined.version)
    db.session.commit()
    assert sso_sign_in(app, client, provider, f"new.colleague@{DOMAIN}").status_code == 302
    assert signed_in(client)


def test_an_email_the_provider_does_not_call_verified_matches_nobody(app, client, provider, sso):
    make_user("executive", email=f"eve@{DOMAIN}")
    response = sso_sign_in(app, client, provider, f"unverified:eve@{DOMAIN}")
    assert response.status_code == 403 and "is not verified" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert db.session.scalars(select(AuthEvent.reason)).all() == ["sso: e-mail not verified"]


def test_a_deactivated_user_is_not_let_in(app, client, provider, sso):
    user = make_user("executive", email=f"gone@{DOMAIN}")
    update_user(user, user.name, user.role, False, expected_version=user.version)
    db.session.commit()
    response = sso_sign_in(app, client, provider, f"gone@{DOMAIN}")
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_id_token_signed_with_a_key_not_in_the_jwks_is_refused(app, client, provider, sso, caplog):
    make_user("executive", email=f"ann@{DOMAIN}")
    provider.sign_tokens_with_a_foreign_key(sso)
    with caplog.at_level(logging.WARNING, logger="okrapp.auth"):
        response = sso_sign_in(app, client, provider, f"ann@{DOMAIN}")
    assert "BadSignatureError" in caplog.text  # the published key under the same key id did not verify it
    assert response.status_code == 401 and "failed verification" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert db.session.query(UserSession).count() == 0 and db.session.query(AuthEvent).count() == 0


def test_a_wrong_or_replayed_state_is_refused(app, client, provider, sso):
    make_user("executive", email=f"ann@{DOMAIN}")
    start = client.get("/login/sso")
    back = urlsplit(provider.sign_in(start.location, f"ann@{DOMAIN}", app.config["OKRAPP_BASE_URL"]))
    params = parse_qs(back.query)
    forged = client.get(f"{back.path}?code={params['code'][0]}&state=forged{params['state'][0]}")
    assert forged.status_code == 400 and "not started in this browser" in forged.get_data(as_text=True)
    other_browser = app.test_client()  # the callback of someone else's sign-in (login CSRF)
    assert other_browser.get(f"{back.path}?{back.query}").status_code == 400
    assert not signed_in(client) and not signed_in(other_browser)

    assert client.get(f"{back.path}?{back.query}").status_code == 302  # the real one still works, once
    assert signed_in(client)
    assert client.get(f"{back.path}?{back.query}").status_code == 400


def test_starting_again_replaces_the_sign_in_in_flight(app, client, provider, sso):
    make_user("executive", email=f"ann@{DOMAIN}")
    first = urlsplit(provider.sign_in(client.get("/login/sso").location, f"ann@{DOMAIN}",
                                      app.config["OKRAPP_BASE_URL"]))
    for _ in range(20):  # the session cookie keeps one attempt, however often the button is pressed
        second = client.get("/login/sso")
    with client.session_transaction() as session:
        assert len([key for key in session if key.startswith("_state_")]) == 1
    assert client.get(f"{first.path}?{first.query}").status_code == 400
    back = urlsplit(provider.sign_in(second.location, f"ann@{DOMAIN}", app.config["OKRAPP_BASE_URL"]))
    assert client.get(f"{back.path}?{back.query}").status_code == 302


def test_an_answer_naming_another_issuer_is_refused(app, client, provider, sso):
    make_user("executive", email=f"ann@{DOMAIN}")
    start = client.get("/login/sso")
    back = urlsplit(provider.sign_in(start.location, f"ann@{DOMAIN}", app.config["OKRAPP_BASE_URL"]))
    mixed_up = back.query.replace("iss=http", "iss=https")
    assert client.get(f"{back.path}?{mixed_up}").status_code == 400
    assert not signed_in(client)


def test_the_provider_being_cancelled_or_down_gives_a_page_not_an_error(app, client, provider, sso, monkeypatch):
    client.get("/login/sso")
    cancelled = client.get("/login/sso/callback?error=access_denied&error_description=End-User+aborted")
    assert cancelled.status_code == 403 and "did not sign you in" in cancelled.get_data(as_text=True)
    issuer = provider.issuer.replace("127.0.0.1", "localhost")  # the same server, but not the issuer it names
    monkeypatch.setitem(app.config, "OKRAPP_OIDC_ISSUER", issuer)
    assert client.get("/login/sso").status_code == 502
    monkeypatch.setitem(app.config, "OKRAPP_OIDC_ISSUER", "http://127.0.0.1:9")  # nothing listens
    down = client.get("/login/sso")
    assert down.status_code == 502 and "did not answer" in down.get_data(as_text=True)


def test_sign_in_is_not_found_when_not_configured(client):
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_password_sign_in_off_except_for_the_break_glass_admin(app, client, provider, sso, monkeypatch):
    admin = make_user("admin", email="keeper@example.com")
    make_user("admin")
    executive = make_user("executive", email=f"exec@{DOMAIN}")
    monkeypatch.setitem(app.config, "OKRAPP_PASSWORD_LOGIN", "off")
    monkeypatch.setitem(app.config, "OKRAPP_BREAK_GLASS_ADMIN", "Keeper@example.com")

    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Kaleva ID" in page and 'name="password"' not in page and "Administrator sign-in" in page
    assert 'name="password"' in client.get("/login?admin=1").get_data(as_text=True)

    refused = client.post("/login", data={"email": executive.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "Password sign-in is turned off here: use “Sign in with Kaleva ID”" in refused.get_data(as_text=True)
    assert not signed_in(client)
    assert db.session.scalars(select(AuthEvent.reason)).all() == ["password sign-in off"]

    assert client.post("/login", data={"email": "KEEPER@example.com", "password": PASSWORD}).status_code == 302
    assert signed_in(client)

    assert sso_sign_in(app, app.test_client(), provider, executive.email).status_code == 302  # the way in for them

    update_user(admin, admin.name, "executive", True, by=admin, expected_version=admin.version)
    db.session.commit()  # no longer an admin: no longer the break-glass account either
    other = app.test_client()
    assert other.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 403


def test_settings_that_would_lock_people_out_refuse_to_start():
    good = {"OKRAPP_OIDC_ISSUER": "https://id.example", "OKRAPP_OIDC_CLIENT_ID": "okrapp",
            "OKRAPP_OIDC_CLIENT_SECRET": "s", "OKRAPP_PASSWORD_LOGIN": "off", "OKRAPP_BREAK_GLASS_ADMIN": "a@x.example"}
    oidc.check_settings(good)
    for broken in ({**good, "OKRAPP_PASSWORD_LOGIN": "maybe"}, {**good, "OKRAPP_OIDC_CLIENT_SECRET": ""},
                   {**good, "OKRAPP_BREAK_GLASS_ADMIN": ""},
                   {**good, "OKRAPP_OIDC_ISSUER": "http://id.example", "OKRAPP_PRODUCTION": True}):
        with pytest.raises(RuntimeError):
            oidc.check_settings(broken)


CLAIMS = {"iss": "https://id.example", "aud": "okrapp", "sub": "1", "exp": 2_000, "iat": 1_000, "nonce": "n",
          "email": "Ann@X.example", "email_verified": True, "name": "Ann\nSmith"}


def test_the_id_token_claims_are_checked_again_after_authlib():
    """Authlib 1.9 checks the audience only when told (claims_options) and the issuer only against
    discovery: verified_claims checks both, the expiry, the authorized party and the nonce itself."""
    ok = oidc.verified_claims(CLAIMS, "https://id.example", "okrapp", "n", now=1_500)
    assert (ok.email, ok.email_verified, ok.name) == ("ann@x.example", True, "Ann Smith")
    assert oidc.verified_claims({**CLAIMS, "aud": ["okrapp", "api"], "azp": "okrapp"}, "https://id.example",
                                "okrapp", "n", now=1_500).subject == "1"
    wrong = {"issuer": {"iss": "https://evil.example"}, "audience": {"aud": "another-app"},
             "authorized party": {"aud": ["okrapp", "api"]}, "expiry": {"exp": 1_000},
             "nonce": {"nonce": "replayed"}, "subject": {"sub": ""}}
    for reason, change in wrong.items():
        with pytest.raises(ValueError, match=reason):
            oidc.verified_claims({**CLAIMS, **change}, "https://id.example", "okrapp", "n", now=1_500)
    without_nonce = {k: v for k, v in CLAIMS.items() if k != "nonce"}
    with pytest.raises(ValueError, match="nonce"):
        oidc.verified_claims(without_nonce, "https://id.example", "okrapp", "n", now=1_500)
    def verified(**change):
        claims = {k: v for k, v in {**CLAIMS, **change}.items() if v is not None}
        return oidc.verified_claims(claims, "https://id.example", "okrapp", "n", now=1_500).email_verified
    assert not verified(email_verified="false") and verified(email_verified="true")
    assert not verified(email_verified=None)
    assert verified(email_verified=None, xms_edov=True)  # Entra ID's way of saying it
    assert not verified(email_verified=False, xms_edov=True) and not verified(email_verified=None, xms_edov=False)


def test_with_password_sign_in_off_an_invitation_leads_to_the_company_sign_in_not_a_password(
        app, client, provider, sso, monkeypatch):
    import re
    from okrapp.accounts.people import invite_person
    from okrapp.core.models import OutboxMessage
    make_user("admin", email="keeper@example.com")
    monkeypatch.setitem(app.config, "OKRAPP_PASSWORD_LOGIN", "off")
    monkeypatch.setitem(app.config, "OKRAPP_BREAK_GLASS_ADMIN", "keeper@example.com")
    person = invite_person(f"new@{DOMAIN}", "New Person", "executive")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == person.email))
    path = re.search(r"(/welcome/[^\s<\"]+)", mail.text_body).group(1)
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign in with Kaleva ID" in text and 'type="password"' not in text
    client.post(path, data={"new": "a long password 1", "confirm": "a long password 1"})
    db.session.expire_all()
    assert db.session.get(type(person), person.id).password_hash is None  # nothing set behind the company's back
