"""Login, sessions, throttling and cookie rules."""
import logging
import random
import re
import threading

from sqlalchemy import delete, func, select

from okrapp.core.extensions import db
from okrapp.accounts.models import AuthEvent
from okrapp.accounts.operations import LOGIN_FAILED

from tests.conftest import make_app
from tests.factories import PASSWORD, make_user


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
    def page(response, email):  # the CSRF token carries a timestamp; everything else must be equal
        return re.sub(rb'name="csrf_token" type="hidden" value="[^"]*"', b"", response.data.replace(email.encode(), b""))
    assert page(wrong_password, user.email) == page(unknown, "nobody@example.com")


def test_checks_slow_down_after_the_free_attempts_and_speed_up_again(client, app, clock):
    user = make_user("executive")
    free = app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"]
    for _ in range(free):
        assert post_login(client, user.email, "wrong password").status_code == 401
    # even the right password is not checked while the account waits
    refused = post_login(client, user.email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    first_wait = app.config["OKRAPP_LOGIN_DELAY_SECONDS"]
    clock.advance(seconds=first_wait)
    assert post_login(client, user.email, "wrong password").status_code == 401  # one more check, then a longer wait
    clock.advance(seconds=first_wait)
    assert post_login(client, user.email, PASSWORD).status_code == 429
    clock.advance(seconds=first_wait)
    assert post_login(client, user.email, PASSWORD).status_code == 302
    # a success resets the account: the next failures are free again
    fresh = app.test_client()
    assert post_login(fresh, user.email, "wrong password").status_code == 401
    assert post_login(fresh, user.email, PASSWORD).status_code == 302


def test_the_wait_is_bounded_so_nobody_can_lock_an_account_for_good(client, app, clock):
    user = make_user("executive")
    for _ in range(40):
        post_login(client, user.email, "wrong password")
        clock.advance(seconds=app.config["OKRAPP_LOGIN_MAX_DELAY_SECONDS"])
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_a_browser_that_logged_in_before_is_not_slowed_by_strangers(app, clock):
    user = make_user("executive")
    own = app.test_client()
    assert post_login(own, user.email, PASSWORD).status_code == 302
    own.post("/logout")
    for n in range(app.config["OKRAPP_LOGIN_FREE_ATTEMPTS_ACCOUNT"] + 5):  # guesses from many addresses
        stranger = app.test_client()
        stranger.post("/login", data={"email": user.email, "password": "guess"},
                      environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"})
    from_new_place = app.test_client()
    assert post_login(from_new_place, user.email, PASSWORD).status_code == 429
    assert post_login(own, user.email, PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_like_known_ones(client, app):
    user = make_user("executive")
    answers = []
    for email in (user.email, "nobody@example.com"):
        fresh = app.test_client()
        answers.append([post_login(fresh, email, "wrong password").status_code
                        for _ in range(app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"] + 1)])
    assert answers[0] == answers[1] == [401] * app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"] + [429]


def _burst(apps, email, passwords):
    """Every password in its own thread, all released at once; returns the status codes."""
    barrier = threading.Barrier(len(passwords))
    results = [None] * len(passwords)

    def attempt(index):
        client = apps[index % len(apps)].test_client()
        barrier.wait()
        results[index] = client.post("/login", data={"email": email, "password": passwords[index]}).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _password_checks():
    db.session.expire_all()
    return db.session.execute(select(AuthEvent.reason, func.count()).group_by(AuthEvent.reason)).all()


def test_thirty_parallel_guesses_in_two_processes_get_at_most_the_free_checks(app, database_url, tmp_path, clock):
    """Two app instances (two workers) share the limit; the right password hidden among 29 wrong
    ones is checked only if its request came among the free ones."""
    user = make_user("executive")
    db.session.commit()
    other = make_app(database_url, tmp_path, OKRAPP_CLOCK=clock)
    wrong_only = _burst([app, other], user.email, ["wrong password"] * 30)
    assert wrong_only.count(401) == app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"] and wrong_only.count(429) == 25
    clock.advance(days=2)  # forgotten
    db.session.execute(delete(AuthEvent))
    db.session.commit()
    free = app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"]
    passwords = ["wrong password"] * 29 + [PASSWORD]
    random.shuffle(passwords)
    try:
        statuses = _burst([app, other], user.email, passwords)
    finally:
        with other.app_context():
            db.engine.dispose()
    reasons = dict(_password_checks())
    checked = reasons.get("bad_password", 0) + reasons.get("ok", 0)
    # a success starts the account's count again (the guesser is in anyway): then twice the free checks
    assert checked <= (2 * free if reasons.get("ok") else free) and reasons["throttled"] == 30 - checked
    assert statuses.count(302) == reasons.get("ok", 0) <= 1
    assert statuses.count(429) == 30 - checked


def test_once_throttled_a_parallel_burst_with_the_right_password_logs_nobody_in(app, client, clock):
    user = make_user("executive")
    for _ in range(app.config["OKRAPP_LOGIN_FREE_ATTEMPTS"]):
        post_login(client, user.email, "wrong password")
    db.session.commit()
    statuses = _burst([app], user.email, [PASSWORD] * 30)
    assert statuses == [429] * 30
    assert dict(_password_checks()) == {"bad_password": 5, "throttled": 30}


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
    for token in ("", "forged", client.application.test_client().csrf_token()):  # missing, invalid, another session's
        response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 400, token
    assert db.session.scalar(select(func.count()).select_from(AuthEvent)) == 0
