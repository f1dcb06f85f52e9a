"""Login, sessions, lockout and cookie rules."""
import logging

from sqlalchemy import func, select

from okrapp.extensions import db
from okrapp.models import AuthEvent, User
from okrapp.services.auth import LOGIN_FAILED

from ..conftest import make_app
from ..factories import PASSWORD, make_user


def post_login(client, email, password, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password, "next": next_ or ""})


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/objectives")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_login_success_and_failure_are_logged_in_utc(client, caplog, clock):
    user = make_user("executive")
    with caplog.at_level(logging.INFO, logger="okrapp.auth"):
        assert post_login(client, user.email, "wrong password").status_code == 401
        assert post_login(client, user.email, PASSWORD).status_code == 302
    events = db.session.scalars(select(AuthEvent).order_by(AuthEvent.id)).all()
    assert [(e.success, e.reason, e.at) for e in events] == [(False, "bad_password", clock.now), (True, "ok", clock.now)]
    assert f"at={clock.now.isoformat(timespec='seconds')}Z" in caplog.text
    assert "login failure" in caplog.text and "login success" in caplog.text


def test_failure_message_does_not_reveal_whether_account_exists(client):
    user = make_user("executive")
    wrong_password = post_login(client, user.email, "nope-nope-nope")
    unknown = post_login(client, "nobody@example.com", "nope-nope-nope")
    assert wrong_password.status_code == unknown.status_code == 401
    assert LOGIN_FAILED.encode() in wrong_password.data and LOGIN_FAILED.encode() in unknown.data
    assert wrong_password.data.replace(user.email.encode(), b"") == unknown.data.replace(b"nobody@example.com", b"")


def test_account_locks_after_repeated_failures_and_unlocks_later(client, app, clock):
    user = make_user("executive")
    for _ in range(app.config["OKRAPP_LOGIN_MAX_FAILURES"]):
        post_login(client, user.email, "wrong password")
    # even the right password is refused while locked
    assert post_login(client, user.email, PASSWORD).status_code == 401
    clock.advance(minutes=app.config["OKRAPP_LOGIN_LOCK_MINUTES"] + 1)
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_failure_count_is_shared_by_separate_app_processes(app, database_url, tmp_path, clock):
    """Two app instances (as two gunicorn workers would be) share one counter in the database."""
    user = make_user("executive")
    other = make_app(database_url, tmp_path, OKRAPP_CLOCK=clock)
    first, second = app.test_client(), other.test_client()
    for attempt in range(app.config["OKRAPP_LOGIN_MAX_FAILURES"]):
        post_login(first if attempt % 2 else second, user.email, "wrong password")
    with other.app_context():
        locked = db.session.scalar(select(User.locked_until).where(User.id == user.id))
        db.session.remove()
        db.engine.dispose()
    assert locked is not None and locked > clock.now


def test_logout_ends_the_session_on_the_server(client):
    user = make_user("executive")
    post_login(client, user.email, PASSWORD)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = client.application.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/objectives").status_code == 302


def test_password_change_ends_other_sessions(app, login):
    user = make_user("executive")
    laptop, phone = login(user), login(user)
    response = laptop.post("/account/password", data={"current": PASSWORD, "new": "a much better one",
                                                      "confirm": "a much better one"})
    assert response.status_code == 302
    assert laptop.get("/objectives").status_code == 200
    assert phone.get("/objectives").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(login):
    user = make_user("executive")
    session = login(user)
    response = session.post("/account/password", data={"current": "not it at all", "new": "a much better one",
                                                        "confirm": "a much better one"})
    assert b"Current password is wrong" in response.data
    assert session.get("/objectives").status_code == 200
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_deactivating_a_user_ends_their_sessions(login):
    admin = make_user("admin")
    user = make_user("executive")
    session = login(user)
    assert session.get("/objectives").status_code == 200
    login(admin).post(f"/admin/users/{user.id}/edit", data={"name": user.name, "role": "executive"})
    assert session.get("/objectives").status_code == 302
    assert post_login(session, user.email, PASSWORD).status_code == 401


def test_next_parameter_only_leads_inside_the_app(client):
    user = make_user("executive")
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]:
        fresh = client.application.test_client()
        response = post_login(fresh, user.email, PASSWORD, next_=evil)
        assert response.location == "/", evil
    fresh = client.application.test_client()
    assert post_login(fresh, user.email, PASSWORD, next_="/metrics").location == "/metrics"


def test_session_cookie_is_httponly_and_samesite_lax(client):
    user = make_user("executive")
    response = post_login(client, user.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured_for_https(database_url, tmp_path, clock):
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        user = make_user("executive")
        response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
        db.session.remove()
    assert "Secure" in response.headers["Set-Cookie"]


def test_passwords_are_stored_hashed_with_scrypt():
    user = make_user("executive")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_forms_require_csrf_token(app, client):
    user = make_user("executive")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AuthEvent)) == 0
