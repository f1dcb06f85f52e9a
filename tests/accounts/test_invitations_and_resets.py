"""Invitations and password resets through the real parts: the admin's form, the outbox delivered to
a real SMTP server on loopback, the link in the mail followed with the test client (CSRF on), a
frozen clock for expiry. A link works once, until it expires or is revoked; a reset answers the
same for every address and ends every session of the person."""
import hashlib
import re

from sqlalchemy import func, select

from okrapp.accounts.models import AccountEvent, AccountLink, ApiToken, User, UserSession
from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage

from tests.accounts.test_credentials_follow import api, assert_cut_off, credentials, refused
from tests.factories import PASSWORD, make_user

NEW = "a brand new password"


def deliver():
    """What the scheduler process does within seconds."""
    db.session.commit()
    mail.deliver_pending()


def link_in(message, prefix: str) -> str:
    """The path of the one link under prefix in the mail's plain text (the HTML part has the same)."""
    text = message.get_body(("plain",)).get_content()
    [url] = re.findall(r"https?://\S+" + re.escape(prefix) + r"\S+", text)
    html = message.get_body(("html",)).get_content()
    assert url in html
    return url[url.index(prefix):]


def invite(admin_client, email="new.person@example.com", **fields):
    data = {"email": email, "name": "New Person", "role": "executive", "locale": "fi", **fields}
    response = admin_client.post("/admin/users/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(User).where(User.email == email.lower()))


def choose(client, path, password=NEW):
    return client.post(path, data={"new": password, "confirm": password})


def events():
    db.session.expire_all()
    return [e.kind for e in db.session.scalars(select(AccountEvent).order_by(AccountEvent.id))]


def test_an_invited_person_chooses_a_password_from_the_mail_and_is_signed_in(login, client, app, smtp):
    admin = make_user("admin", name="Anna Admin")
    person = invite(login(admin))
    assert person.password_hash is None and person.locale == "fi" and person.active
    deliver()
    [message] = smtp.to("new.person@example.com")
    # in the language the admin chose for them
    assert message["Subject"] == "Sinut on kutsuttu okrappiin"
    assert "Anna Admin kutsui sinut" in message.get_body(("plain",)).get_content()
    path = link_in(message, "/welcome/")
    assert client.post("/login", data={"email": "new.person@example.com", "password": "anything at all"}).status_code == 401

    page = client.get(path)
    assert page.status_code == 200 and "Welcome, New Person" in page.get_data(as_text=True)
    assert choose(client, path, "short").status_code == 422  # the existing password rules
    response = choose(client, path)
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/objectives").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == person.id)) == 1
    assert db.session.get(User, person.id).check_password(NEW)
    assert events() == ["invited", "joined"]

    again = app.test_client()
    for response in (again.get(path), choose(again, path, "another long password")):
        assert response.status_code == 410
        assert "This invitation was used already" in response.get_data(as_text=True)
        assert "Forgot your password?" in response.get_data(as_text=True)
    assert not db.session.get(User, person.id).check_password("another long password")
    assert login(person, NEW).get("/objectives").status_code == 200


def test_an_expired_invitation_is_refused_and_one_sent_again_works(login, client, clock, smtp):
    admin = login(make_user("admin"))
    person = invite(admin)
    deliver()
    old = link_in(smtp.to(person.email)[0], "/welcome/")
    clock.advance(days=7, seconds=1)
    response = client.get(old)
    assert response.status_code == 410
    assert "This invitation has expired" in response.get_data(as_text=True)
    assert "works for 7 days" in response.get_data(as_text=True)
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert "Pending invitations" in users_page and "expired" in users_page

    assert admin.post(f"/admin/users/{person.id}/invitation/resend").status_code == 302
    deliver()
    new = link_in(smtp.to(person.email)[1], "/welcome/")
    assert new != old
    assert client.get(old).status_code == 410
    assert choose(client, new).status_code == 302
    assert events() == ["invited", "invitation_resent", "joined"]
    assert "Pending invitations" not in admin.get("/admin/users").get_data(as_text=True)


def test_a_revoked_invitation_is_refused_and_a_forged_link_is_not_found(login, client, smtp):
    admin = login(make_user("admin"))
    person = invite(admin)
    deliver()
    path = link_in(smtp.to(person.email)[0], "/welcome/")
    assert admin.post(f"/admin/users/{person.id}/invitation/revoke").status_code == 302
    response = choose(client, path)
    assert response.status_code == 410 and "This invitation was withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, person.id).active and db.session.get(User, person.id).password_hash is None
    assert "invitation_revoked" in events()

    payload, _, signature = path.removeprefix("/welcome/").rpartition(".")
    for forged in (f"{payload}.{'A' * len(signature)}", "garbage", "x" * 500):
        response = client.get(f"/welcome/{forged}")
        assert response.status_code == 404 and "This invitation link is not valid" in response.get_data(as_text=True)
    # an invitation's token is no reset's
    assert client.get("/password/reset/" + path.removeprefix("/welcome/")).status_code == 404


def test_a_reset_answers_the_same_for_a_known_and_an_unknown_address(app, smtp):
    known, retired = make_user("executive", email="known@example.com"), make_user("board", email="gone@example.com")
    retired.active = False
    db.session.commit()
    answers = [app.test_client().post("/password/forgot", data={"email": address})
               for address in ("known@example.com", "nobody@example.com", "Known@Example.com ", "gone@example.com")]
    # the same page but for each browser's own CSRF token (the language switch in the footer carries one)
    pages = {(r.status_code, re.sub(rb'name="csrf_token" value="[^"]*"', b"", r.get_data())) for r in answers}
    assert len(pages) == 1
    assert answers[0].status_code == 200 and b"Check your mail" in answers[0].get_data()
    deliver()
    assert [m[0] for m in smtp.messages] == ["known@example.com", "known@example.com"]  # asked twice, case aside
    assert smtp.to("gone@example.com") == [] and smtp.to("nobody@example.com") == []
    rows = db.session.execute(select(AccountEvent.kind, AccountEvent.user_id, AccountEvent.email)
                              .order_by(AccountEvent.id)).all()
    assert [(kind, email) for kind, _, email in rows] == [
        ("reset_requested", "known@example.com"), ("reset_requested", "nobody@example.com"),
        ("reset_requested", "known@example.com"), ("reset_requested", "gone@example.com")]
    assert [user_id for _, user_id, _ in rows] == [known.id, None, known.id, retired.id]
    # the second request revoked the first link: only the newest works
    links = db.session.scalars(select(AccountLink).order_by(AccountLink.id)).all()
    assert [link.revoked_at is not None for link in links] == [True, False]


def test_a_reset_link_works_once_and_ends_every_session_token_and_calendar_link(login, client, app, smtp):
    user = make_user("executive", email="pia@example.com")
    laptop, phone, token, feed = credentials(login, user)
    old_cookie = app.test_client()
    assert old_cookie.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert app.test_client().post("/password/forgot", data={"email": user.email}).status_code == 200
    deliver()
    [message] = smtp.to(user.email)
    assert message["Subject"] == "Choose a new okrapp password"
    path = link_in(message, "/password/reset/")
    assert "pia@example.com" in client.get(path).get_data(as_text=True)
    response = choose(client, path)
    assert response.status_code == 302 and response.location == "/login"
    assert "Log in with the new password" in client.get("/login").get_data(as_text=True)

    assert refused(old_cookie.get("/objectives")) and refused(laptop.get("/objectives"))
    assert_cut_off(client, phone, token, feed)
    assert api(client, token).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    assert {s.end_reason for s in db.session.scalars(select(UserSession))} == {"password reset"}
    assert app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert login(user, NEW).get("/objectives").status_code == 200

    again = choose(app.test_client(), path, "yet another password")
    assert again.status_code == 410 and "This password reset link was used already" in again.get_data(as_text=True)
    assert events() == ["reset_requested", "reset_completed"]


def test_an_expired_reset_link_is_refused(client, clock, smtp):
    user = make_user("board")
    client.post("/password/forgot", data={"email": user.email})
    deliver()
    path = link_in(smtp.to(user.email)[0], "/password/reset/")
    clock.advance(minutes=60)
    response = choose(client, path)
    assert response.status_code == 410 and "This password reset link has expired" in response.get_data(as_text=True)
    assert "Forgot your password?" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_reset_requests_are_throttled_per_address_and_per_client_alike(app):
    make_user("executive", email="known@example.com")
    client = app.test_client()
    for address in ("known@example.com", "nobody@example.com"):
        statuses = [client.post("/password/forgot", data={"email": address}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], address
    app.config["OKRAPP_RESET_FREE_ATTEMPTS_CLIENT"] = 7  # this client's 7th request is its last
    try:
        assert client.post("/password/forgot", data={"email": "third@example.com"}).status_code == 200
        refused = client.post("/password/forgot", data={"email": "fourth@example.com"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "Too many requests" in refused.get_data(as_text=True)
    finally:
        app.config["OKRAPP_RESET_FREE_ATTEMPTS_CLIENT"] = 20
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_the_login_page_offers_the_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_stored_link_secrets_are_hashes(login, smtp):
    person = invite(login(make_user("admin")))
    deliver()
    path = link_in(smtp.to(person.email)[0], "/welcome/")
    from itsdangerous import URLSafeSerializer
    from flask import current_app
    secret = URLSafeSerializer(current_app.secret_key, salt="okrapp-account-link-invite").loads(
        path.removeprefix("/welcome/"))
    link = db.session.scalar(select(AccountLink))
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert link.kind == "invite" and (link.expires_at - link.created_at).days == 7
