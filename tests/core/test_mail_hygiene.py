"""Mail leaves the request, says it is automatic, offers a working one-click pause on board
summaries, and only goes to addresses an SMTP server accepts."""
import socket
import threading
import time

import pytest
from sqlalchemy import select

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.board.models import SummaryRecipient

from tests.conftest import make_app
from tests.factories import make_user
from tests.board.test_board import company, received  # noqa: F401 — the fixture


@pytest.fixture
def hanging_smtp(app):
    """An SMTP server that accepts the connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    app.config.update(OKRAPP_SMTP_HOST="127.0.0.1", OKRAPP_SMTP_PORT=server.getsockname()[1])
    yield
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()
    app.config.update(OKRAPP_SMTP_HOST="", OKRAPP_SMTP_PORT=25)


def test_a_web_write_answers_fast_while_the_smtp_server_hangs(hanging_smtp, login):
    mail.queue("waiting:1", "someone@example.com", "Waiting", "Body")  # mail a request used to deliver
    admin = login(make_user("admin"))
    db.session.commit()
    started = time.perf_counter()
    response = admin.post("/admin/users/new", data={"email": "new@example.com", "name": "New", "role": "executive",
                                                    "password": "long enough password", "active": "y"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 302 and elapsed < 0.2, elapsed
    assert db.session.scalar(select(OutboxMessage.status)) == "pending"


def test_every_message_is_marked_auto_submitted(smtp):
    mail.queue("auto:1", "a@example.com", "Hello", "Body")
    db.session.commit()
    mail.deliver_pending()
    assert smtp.to("a@example.com")[0]["Auto-Submitted"] == "auto-generated"


def test_board_summary_offers_a_one_click_pause_that_works(runner, company, smtp, app, database_url, tmp_path):  # noqa: F811
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    [message] = received(smtp, "pekka@example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    path = link.removeprefix(app.config["OKRAPP_BASE_URL"].rstrip("/"))
    assert path.startswith("/board/pause/")
    # as in production: CSRF on; a mail client posts without session or form token
    guarded = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    assert client.get(path).status_code == 200  # asking only (link scanners follow GETs)
    assert not db.session.scalar(select(SummaryRecipient.paused).where(SummaryRecipient.email == "pekka@example.com"))
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "will receive no more board summaries" in response.data.decode()
    db.session.expire_all()
    assert db.session.scalar(select(SummaryRecipient.paused).where(SummaryRecipient.email == "pekka@example.com"))
    assert client.post(path[:-3] + "xyz").status_code == 400  # a forged token does nothing
    # only this route is exempt: another POST without a CSRF token is refused
    assert client.post("/login", data={"email": "pekka@example.com", "password": "x", "csrf_token": ""}).status_code == 400
    runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"])  # the running month
    assert [m["Subject"] for m in smtp.to("pekka@example.com")] == [message["Subject"]]
    assert len(smtp.to("liisa@example.com")) == 2
    with guarded.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("address", ["jörg@example.com", "用户@example.com"])
def test_addresses_smtp_would_refuse_are_refused_in_forms_and_never_sent(address, login, smtp):
    admin = login(make_user("admin"))
    response = admin.post("/admin/users/new", data={"email": address, "name": "J", "role": "executive",
                                                    "password": "long enough password"})
    assert response.status_code == 422
    mail.queue("bad:1", address, "Hello", "Body")
    db.session.commit()
    assert mail.deliver_pending() == (0, 0) and smtp.messages == []
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "failed" and "Address refused" in message.last_error



def test_one_thread_of_a_process_sends_at_a_time(app, smtp):
    """The tick and the delivery job both deliver; while one sends, the other leaves the queue
    alone, so a process killed mid-send has at most one message in flight."""
    mail.queue("one:1", "pekka@example.com", "Hello", "Body")
    db.session.commit()
    sending = app.extensions["okrapp.delivery"] = threading.Lock()
    sending.acquire()  # another thread of this process is sending
    try:
        assert mail.deliver_pending() == (0, 0) and smtp.messages == []
        assert db.session.scalar(select(OutboxMessage.status)) == "pending"
    finally:
        sending.release()
    assert mail.deliver_pending() == (1, 0) and len(smtp.to("pekka@example.com")) == 1
