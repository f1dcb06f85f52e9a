"""Mail is delivered once where the server answers: a real SMTP server on loopback, slow to answer
DATA, and the delivering process (a subprocess) killed with SIGKILL at the worst moments.

The rule (core/mail.py, docs/operations.md "Delivery guarantees"): the sender commits that a
message is `handed` just before DATA. Killed before that, the server never had the message: it is
sent after the lease, once. Killed after it, the server may have it: the message is `uncertain`
and is never sent again by itself. Alive, the sender records what the server answered: 250 is
sent; a refusal or no answer at all queues it again, with the same Message-ID."""
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update

from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage

from tests.conftest import SmtpSink, start_smtp
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0  # seconds; production uses minutes (OKRAPP_MAIL_LEASE_SECONDS)
TO = "pekka@example.com"
SENDER = ("from okrapp import create_app\nfrom okrapp.core import mail\napp = create_app()\n"
          "with app.app_context():\n    print('delivered', mail.deliver_pending(), flush=True)\n")


class SlowSink(SmtpSink):
    """A real SMTP server that can keep the sender waiting at RCPT or after the data (before its
    250), or answer DATA with a refusal. `arrived` is set once it has a message's data: from then on
    the message is the server's, whatever becomes of its answer."""

    def __init__(self):
        super().__init__()
        self.rcpt_wait = self.data_wait = 0.0
        self.data_answer = "250 Message accepted"
        self.at_rcpt, self.arrived = threading.Event(), threading.Event()
        self.on_rcpt = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.at_rcpt.set()
        if self.on_rcpt:
            self.on_rcpt()
        if self.rcpt_wait:
            await asyncio.sleep(self.rcpt_wait)
            return "451 4.3.0 Try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        if not self.data_answer.startswith("250"):
            return self.data_answer
        await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        if self.data_wait:
            await asyncio.sleep(self.data_wait)
        return self.data_answer


@pytest.fixture
def sink(app, monkeypatch):
    slow = SlowSink()
    controller = start_smtp(slow)
    monkeypatch.setitem(app.config, "OKRAPP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "OKRAPP_SMTP_PORT", slow.port)
    monkeypatch.setitem(app.config, "OKRAPP_MAIL_LEASE_SECONDS", LEASE)
    yield slow
    controller.stop()


@pytest.fixture
def sender(database_url, tmp_path, sink):
    """start() -> a process delivering the outbox once, as the scheduler does; killed at the end."""
    started = []

    def start():
        env = {**os.environ, "OKRAPP_ENV": "development", "OKRAPP_DATABASE_URL": database_url,
               "OKRAPP_INSTANCE_PATH": str(tmp_path), "OKRAPP_SECRET_KEY": "exactly-once",
               "OKRAPP_SMTP_HOST": "127.0.0.1", "OKRAPP_SMTP_PORT": str(sink.port), "OKRAPP_SMTP_TIMEOUT": "30",
               "OKRAPP_MAIL_LEASE_SECONDS": str(LEASE)}
        log = open(tmp_path / f"sender-{len(started)}.log", "w")
        process = subprocess.Popen([sys.executable, "-c", SENDER], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def queued(app, key="once:1"):
    app.config["OKRAPP_CLOCK"] = None  # the sending processes read the real clock
    message = mail.queue(key, TO, "Once only", "Body")
    db.session.commit()
    return message.id, message.message_id


def row(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_a_sender_killed_after_data_leaves_the_message_uncertain_and_it_is_not_sent_again(app, sink, sender,
                                                                                           login):
    message_id, queued_id = queued(app)
    sink.data_wait = 60  # the server has the message and is slow to say 250
    process = sender()
    assert sink.arrived.wait(30), "the sender never reached DATA"
    handed = row(message_id)
    assert handed.status == "handed" and handed.sent_at is not None  # committed before the data went out
    kill(process)
    sink.data_wait = 0
    time.sleep(LEASE + 0.5)

    assert mail.deliver_pending() == (0, 0)  # the next delivery: its lease ran out, and it is not sent again
    uncertain = row(message_id)
    assert (uncertain.status, uncertain.last_error, uncertain.attempts) == ("uncertain", mail.UNCERTAIN, 0)
    time.sleep(LEASE + 0.5)
    assert mail.deliver_pending() == (0, 0)
    received = sink.to(TO)
    assert len(received) == 1 and received[0]["Message-ID"] == queued_id

    health = app.test_client().get("/healthz").get_json()
    assert health["outbox"]["uncertain"] == 1 and not health["outbox"]["ok"]
    admin = login(make_user("admin"))
    page = admin.get("/admin/outbox?status=uncertain").get_data(as_text=True)
    assert "Once only" in page and "may have arrived" in page and "Retry now" in page
    admin.post(f"/admin/outbox/{message_id}/retry")  # an admin found it did not arrive
    assert mail.deliver_pending() == (1, 0)
    assert [m["Message-ID"] for m in sink.to(TO)] == [queued_id, queued_id]  # as the admin chose
    assert row(message_id).status == "sent"


def test_a_sender_killed_before_data_leaves_the_message_to_be_sent_once_after_its_lease(app, sink, sender):
    message_id, queued_id = queued(app)
    sink.rcpt_wait = 60  # the server keeps the sender waiting before DATA
    process = sender()
    assert sink.at_rcpt.wait(30), "the sender never reached RCPT"
    time.sleep(0.2)
    assert row(message_id).status == "sending"
    kill(process)
    sink.rcpt_wait = 0
    assert mail.deliver_pending() == (0, 0)  # its lease still runs
    time.sleep(LEASE + 0.5)
    assert mail.deliver_pending() == (1, 0)
    received = sink.to(TO)
    assert len(received) == 1 and received[0]["Message-ID"] == queued_id
    assert row(message_id).status == "sent"


def test_a_refusal_of_the_data_queues_the_message_again(sink, clock):
    message = mail.queue("refused:1", TO, "Refused once", "Body")
    db.session.commit()
    sink.data_answer = "451 4.3.0 Try again later"
    assert mail.deliver_pending() == (0, 1)
    refused = row(message.id)
    assert (refused.status, refused.attempts, refused.sent_at) == ("pending", 1, None)
    assert refused.last_error.startswith("SMTPDataError") and refused.next_attempt_at == clock.now + timedelta(minutes=1)
    sink.data_answer = "250 Message accepted"
    clock.advance(minutes=2)
    assert mail.deliver_pending() == (1, 0)
    assert [m["Message-ID"] for m in sink.to(TO)] == [message.message_id]


def test_a_server_that_does_not_answer_the_data_gets_it_again_with_the_same_message_id(app, sink, clock,
                                                                                       monkeypatch):
    """The one double that remains with a living sender: the server took the data and said nothing
    within OKRAPP_SMTP_TIMEOUT. The copy carries the same Message-ID, so it reads as one message."""
    monkeypatch.setitem(app.config, "OKRAPP_SMTP_TIMEOUT", 0.5)
    message = mail.queue("silent:1", TO, "No answer", "Body")
    db.session.commit()
    sink.data_wait = 3
    assert mail.deliver_pending() == (0, 1)
    silent = row(message.id)
    assert silent.status == "pending" and silent.last_error.startswith("No answer after DATA")
    sink.data_wait = 0
    clock.advance(minutes=2)
    assert mail.deliver_pending() == (1, 0)
    assert [m["Message-ID"] for m in sink.to(TO)] == [message.message_id] * 2


def test_a_sender_whose_lease_ran_out_before_data_hands_nothing_over(database_url, sink, clock):
    message = mail.queue("lost:1", TO, "Taken over", "Body")
    db.session.commit()
    other = create_engine(database_url)

    def taken_over():  # while this sender waits at RCPT, its lease runs out and another process claims it
        with other.begin() as conn:
            conn.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                lease_until=clock.now + timedelta(hours=1)))
    sink.on_rcpt = taken_over
    try:
        assert mail.deliver_pending() == (0, 0)
    finally:
        other.dispose()
    assert sink.messages == []
    assert row(message.id).status == "sending"  # the other process's to send
    assert db.session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.id == message.id)) is None
