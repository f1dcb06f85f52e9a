"""Credentials follow the person: a password change, deactivation and "sign out everywhere" cut
off every other session, every API token and the calendar link; sessions are server-side records
a user can end one by one; no session key or calendar secret is stored in clear. Through the test
client, CSRF on."""
import hashlib
from contextlib import contextmanager

from sqlalchemy import event, select, text

from okrapp.accounts.models import ApiToken, User, UserSession
from okrapp.core.extensions import db

from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a much better one"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token(client, name="CRM") -> str:
    page = client.post("/account", data={"name": name}).get_data(as_text=True)
    return page.split('<code id="new-token">')[1].split("</code>")[0]


def new_feed(client) -> str:
    """The path of a fresh calendar link, as the page shows it (this once)."""
    page = client.post("/account/calendar").get_data(as_text=True)
    url = page.split('<code id="calendar-url">')[1].split("</code>")[0]
    return url[url.index("/calendar/"):]


def api(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def refused(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def session_key(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def sessions_of(user):
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def credentials(login, user):
    """A logged-in laptop and phone, a token and a calendar link, all working."""
    laptop, phone = login(user), login(user)
    token, feed = new_token(laptop), new_feed(laptop)
    assert api(phone, token).status_code == 200
    assert phone.get(feed).status_code == 200
    assert phone.get("/objectives").status_code == 200
    return laptop, phone, token, feed


def assert_cut_off(client, phone, token, feed):
    assert refused(phone.get("/objectives"))
    assert api(client, token).status_code == 401
    assert client.get(feed).status_code == 404


def test_a_password_change_keeps_this_session_and_ends_everything_else(login, client):
    user = make_user("executive")
    laptop, phone, token, feed = credentials(login, user)
    response = laptop.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/account"
    page = laptop.get(response.location).get_data(as_text=True)
    assert "1 other session signed out, 1 API token revoked and the calendar link ended" in page
    assert laptop.get("/objectives").status_code == 200
    assert_cut_off(client, phone, token, feed)
    laptop_session, phone_session = sessions_of(user)
    assert laptop_session.ended_at is None
    assert phone_session.end_reason == "password changed"
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    assert db.session.get(User, user.id).calendar_token_hash is None


def test_the_password_page_says_what_a_change_ends(login):
    page = login(make_user("board")).get("/account/password").get_data(as_text=True)
    assert "revokes all your API tokens" in page and "signs you out everywhere else" in page


def test_deactivation_ends_sessions_tokens_and_feed_for_good(login, client):
    admin, user = make_user("admin"), make_user("executive")
    _, phone, token, feed = credentials(login, user)
    boss = login(admin)
    assert boss.post(f"/admin/users/{user.id}/edit", data={"name": user.name, "role": "executive"}).status_code == 302
    assert_cut_off(client, phone, token, feed)
    assert {s.end_reason for s in sessions_of(user)} == {"deactivated"}
    boss.post(f"/admin/users/{user.id}/edit", data={"name": user.name, "role": "executive", "active": "y"})
    assert_cut_off(client, phone, token, feed)  # coming back opens none of the old doors


def test_sign_out_everywhere_from_the_users_admin_page(login, client):
    admin, user = make_user("admin"), make_user("unit_leader")
    laptop, phone, token, feed = credentials(login, user)
    boss = login(admin)
    assert "Sign out everywhere" in boss.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    response = boss.post(f"/admin/users/{user.id}/sign-out")
    assert response.status_code == 302
    assert "2 sessions signed out, 1 API token revoked and the calendar link ended" in \
        boss.get(response.location).get_data(as_text=True)
    assert refused(laptop.get("/objectives"))
    assert_cut_off(client, phone, token, feed)
    assert {s.end_reason for s in sessions_of(user)} == {"signed out by an admin"}
    assert boss.get("/admin/users").status_code == 200  # the admin's own session goes on
    assert login(user).get("/objectives").status_code == 200  # the password still works


def test_only_admins_sign_people_out(login):
    user = make_user("executive")
    phone = login(user)
    for role in ("executive", "unit_leader", "board"):
        assert login(make_user(role)).post(f"/admin/users/{user.id}/sign-out").status_code == 403
    assert phone.get("/objectives").status_code == 200


def test_ending_one_session_from_the_account_page(login):
    user = make_user("executive")
    laptop, phone = login(user), login(user)
    laptop_session, phone_session = sessions_of(user)
    page = laptop.get("/account").get_data(as_text=True)
    assert f'id="session-{laptop_session.id}"' in page and f'id="session-{phone_session.id}"' in page
    assert "this session" in page.split(f'id="session-{laptop_session.id}"')[1].split("</tr>")[0]
    stranger = login(make_user("executive"))
    stranger.post(f"/account/sessions/{phone_session.id}/end")  # not theirs: refused
    assert phone.get("/objectives").status_code == 200
    response = laptop.post(f"/account/sessions/{phone_session.id}/end")
    assert response.status_code == 302 and response.location == "/account"
    assert refused(phone.get("/objectives"))
    assert laptop.get("/objectives").status_code == 200
    assert f'id="session-{phone_session.id}"' not in laptop.get("/account").get_data(as_text=True)
    assert sessions_of(user)[1].end_reason == "ended by its user"


def test_logout_ends_the_session_record(login):
    user = make_user("board")
    browser = login(user)
    stolen = browser.get_cookie("session").value
    browser.post("/logout")
    assert sessions_of(user)[0].end_reason == "logout"
    thief = browser.application.test_client()
    thief.set_cookie("session", stolen)
    assert refused(thief.get("/objectives"))


def test_no_session_key_or_calendar_secret_is_stored_in_clear(login):
    user = make_user("executive")
    browser = login(user)
    key = session_key(browser)
    feed = new_feed(browser)
    secret = feed.removeprefix("/calendar/").removesuffix(".ics")
    stored = db.session.execute(text("SELECT calendar_token_hash FROM users WHERE id = :id"), {"id": user.id}).scalar()
    assert stored == sha256(secret) and secret not in str(db.session.execute(
        text("SELECT * FROM users WHERE id = :id"), {"id": user.id}).one())
    assert db.session.execute(text("SELECT key_hash FROM user_sessions")).scalar() == sha256(key)
    assert key not in str(db.session.execute(text("SELECT * FROM user_sessions")).all())
    page = browser.get("/account").get_data(as_text=True)  # shown once: later visits say how to get a new one
    assert secret not in page and "Rotate it to get a new link." in page


def test_the_account_page_shows_sessions_tokens_and_the_feed_with_their_last_use(app, clock):
    user = make_user("executive")
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": PASSWORD},
                 headers={"User-Agent": "Firefox/133.0 (the laptop)"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    token, feed = new_token(browser), new_feed(browser)
    page = browser.get("/account").get_data(as_text=True)
    assert "Firefox/133.0 (the laptop)" in page and "192.0.2.7" in page
    assert page.count("never") == 2  # neither the token nor the feed used yet
    clock.advance(hours=2)
    assert api(browser, token).status_code == 200 and browser.get(feed).status_code == 200
    page = browser.get("/account").get_data(as_text=True)
    assert "never" not in page
    db.session.expire_all()
    assert db.session.get(User, user.id).calendar_last_used_at == clock.now
    assert sessions_of(user)[0].last_seen_at == clock.now


def test_last_seen_is_written_at_most_once_a_minute_and_the_loader_is_one_query(login, clock):
    user = make_user("executive")
    browser = login(user)
    started = clock.now
    clock.advance(seconds=30)
    with statements() as sent:
        assert browser.get("/account/password").status_code == 200
    assert sessions_of(user)[0].last_seen_at == started
    assert len([s for s in sent if "user_sessions" in s]) == 1
    assert not [s for s in sent if s.lstrip().upper().startswith("UPDATE")]
    clock.advance(seconds=31)
    browser.get("/account/password")
    assert sessions_of(user)[0].last_seen_at == clock.now


@contextmanager
def statements():
    sent = []

    def before(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
