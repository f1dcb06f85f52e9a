"""Outgoing mail: one `queue` API, an outbox table, and delivery after commit.

A message is queued in the transaction that causes it, under a key that is unique for what it
says (an invitation for one meeting version to one person, one summary per recipient and
period), so queueing twice never sends twice. Only the scheduler process delivers (a web request
never waits on SMTP): it claims each message atomically with a lease, sends it, and on failure
retries with backoff. Within a process one thread sends at a time (the tick and the delivery job
both call `deliver_pending`), so a process killed mid-send leaves at most the one message it was
sending.

Delivered once, where the server answers: just before the DATA command the sender commits, in a
short transaction of its own and only while it still holds the lease, that the message is
`handed` to the server (status, `sent_at` the moment). Whatever the server then answers is
recorded: 250 makes it `sent`; a refusal, or no answer within OKRAPP_SMTP_TIMEOUT, puts it back in
the queue with backoff (the server did not take it, or did not say so: it goes again with the
Message-ID it was given when queued, so a rare double reads as one message). A message left
`sending` by a process that died never reached DATA: it returns to the queue when its lease runs
out. One left `handed` is `uncertain` (the server may have it): it is never sent again by itself;
an admin who checked that it did not arrive retries it. A message that keeps failing stays visible
to admins. Every message says it is automatic (Auto-Submitted), so vacation responders stay quiet.
docs/operations.md ("Delivery guarantees") says what remains possible."""
import json
import logging
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from okrapp.core import words
from okrapp.core.words import N_, _
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.core.timeutil import utcnow

log = logging.getLogger("okrapp.mail")
BACKOFF_MINUTES = (1, 5, 30, 120, 720)  # after the last, the message is marked failed


def address_problem(address: str) -> str | None:
    """Why an SMTP server would refuse this address, or None. Servers without SMTPUTF8 (most)
    take only an ASCII local part."""
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        return str(error)
    return None


def queue(key: str, recipient: str, subject: str, text: str, html: str = "", *, category: str = "general",
          ics: str = "", ics_method: str = "", headers: dict | None = None) -> OutboxMessage | None:
    """Add a message to the outbox unless one with this key exists; flushes, the caller commits."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(key=key, recipient=recipient, subject=subject, text_body=text, html_body=html,
                            category=category, ics=ics, ics_method=ics_method, next_attempt_at=utcnow(),
                            headers=json.dumps(headers) if headers else "", message_id=new_message_id())
    problem = address_problem(recipient)
    if problem:  # kept for admins to see, never handed to SMTP
        message.status, message.last_error = "failed", ADDRESS_REFUSED % {"problem": problem}
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # queued meanwhile by another process
        return None
    return message


def render(name: str, locale: str | None = None, **context) -> tuple[str, str]:
    """The plain-text and HTML parts of templates/email/<name>.txt|.html, in locale (default: the
    language of the moment — build the subject inside `with words.using(reader_locale(person))` too)."""
    context.setdefault("base_url", current_app.config["OKRAPP_BASE_URL"].rstrip("/"))
    with words.using(locale or words.current()):
        return render_template(f"email/{name}.txt", **context), render_template(f"email/{name}.html", **context)


def reader_locale(person=None) -> str:
    """The language mail to person is written in: theirs (a user, or a board recipient the admin set one
    for), else the organisation's (OKRAPP_DEFAULT_LOCALE)."""
    return getattr(person, "locale", None) or current_app.config.get("OKRAPP_DEFAULT_LOCALE") or words.SOURCE


def new_message_id() -> str:
    sender = parseaddr(current_app.config["OKRAPP_MAIL_SENDER"])[1]
    return make_msgid(idstring="okrapp", domain=sender.rpartition("@")[2] or "okrapp.invalid")


# okrapp's own words in a message's last_error: stored in English, worded for the admin reading them by error_text
UNCERTAIN = N_("Its sender stopped after handing it to the mail server (DATA) and before the server's answer was "
               "recorded: it may have arrived. It is not sent again by itself; retry it if the recipient did not get "
               "it.")
NO_ANSWER = N_("No answer after DATA; sent again later with the same Message-ID.")
ADDRESS_REFUSED = N_("Address refused: %(problem)s")


def error_text(stored: str | None) -> str:
    """A message's last_error in the reader's language: okrapp's own sentences translated, what the mail
    server or the address check said kept as it came."""
    if not stored:
        return ""
    if stored == UNCERTAIN:
        return _(UNCERTAIN)
    if stored.startswith(NO_ANSWER):
        return f"{_(NO_ANSWER)} {stored[len(NO_ANSWER):].lstrip()}"
    refused = ADDRESS_REFUSED.split("%(", 1)[0]
    if stored.startswith(refused):
        return _(ADDRESS_REFUSED, problem=stored[len(refused):])
    return stored


class LeaseLost(Exception):
    """The lease ran out before DATA and another process may be sending the message: hand it over no more."""


def requeue_stale() -> int:
    """Once their lease ran out: messages left `sending` by a process that died return to the queue (the
    server never got them); messages left `handed` (DATA sent, no answer recorded) become `uncertain`."""
    now = utcnow()
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.lease_until < now).values(status="pending"))
    uncertain = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "handed", OutboxMessage.lease_until < now).values(
        status="uncertain", last_error=UNCERTAIN))
    db.session.commit()
    if result.rowcount:
        log.warning("%s message(s) left sending by a stopped process were queued again", result.rowcount)
    if uncertain.rowcount:
        log.warning("%s message(s) handed to the mail server by a stopped process are uncertain: not sent again",
                    uncertain.rowcount)
    return result.rowcount


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Send what is due: the scheduler process calls this (never a web request). Returns
    (sent, failed attempts). A call while another thread of this process is sending returns
    (0, 0) at once: that thread picks up what is due."""
    lock = current_app.extensions.setdefault("okrapp.delivery", threading.Lock())
    if not lock.acquire(blocking=False):
        return 0, 0
    try:
        return _deliver_due(limit)
    finally:
        lock.release()


def _deliver_due(limit: int) -> tuple[int, int]:
    requeue_stale()
    now = utcnow()
    due = db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(limit)).all()
    backend = make_backend(current_app.config)
    sent = failed = 0
    for message_id in due:
        outcome = _deliver_one(backend, message_id)
        sent, failed = sent + (outcome == "sent"), failed + (outcome == "failed")
    return sent, failed


def _deliver_one(backend, message_id: int) -> str:
    """Claim, hand over, record the server's answer: "sent", "failed" (queued again or given up),
    or "" when another process has the message."""
    lease = _claim(message_id)
    if lease is None:
        return ""
    message = db.session.get(OutboxMessage, message_id)
    email = build_email(message, current_app.config["OKRAPP_MAIL_SENDER"])
    handed = []
    try:
        backend.send(email, before_data=lambda: handed.append(_hand_over(message_id, lease)))
    except LeaseLost:
        db.session.rollback()  # whoever holds it now sends it
        return ""
    except Exception as error:  # noqa: BLE001 — any failure is retried, never lost
        db.session.rollback()
        _failed(message, error, after_data=bool(handed))
        outcome = "failed"
    else:
        message.status, message.sent_at, message.attempts = "sent", utcnow(), message.attempts + 1
        outcome = "sent"
    db.session.commit()
    return outcome


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["OKRAPP_MAIL_LEASE_SECONDS"]))


def _claim(message_id: int):
    """The lease's end when this process got the message, None when another has it."""
    lease_until = utcnow() + _lease()
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "pending").values(
        status="sending", lease_until=lease_until))
    db.session.commit()
    return lease_until if result.rowcount == 1 else None


def _hand_over(message_id: int, lease_until) -> bool:
    """Just before DATA, in a short transaction of its own: the message is `handed` to the server from
    now on (a crash leaves it uncertain, not queued), and the lease is renewed for the server's
    answer. Only while this process still holds the lease it claimed; otherwise LeaseLost."""
    now = utcnow()
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "sending",
        OutboxMessage.lease_until == lease_until).values(status="handed", sent_at=now, lease_until=now + _lease()))
    db.session.commit()
    if result.rowcount != 1:
        raise LeaseLost(f"message {message_id}: the lease ran out before DATA")
    return True


def _failed(message: OutboxMessage, error: Exception, after_data: bool = False) -> None:
    """The server refused the message, or never answered: back in the queue with backoff (the same
    Message-ID), or failed after the last attempt."""
    message.attempts += 1
    message.sent_at = None
    answered = isinstance(error, smtplib.SMTPResponseException)
    note = f"{NO_ANSWER} " if after_data and not answered else ""
    message.last_error = f"{note}{type(error).__name__}: {error}"[:2000]
    if message.attempts > len(BACKOFF_MINUTES):
        message.status = "failed"
    else:
        message.status = "pending"
        message.next_attempt_at = utcnow() + timedelta(minutes=BACKOFF_MINUTES[message.attempts - 1])
    log.warning("mail to %s failed (attempt %s): %s", message.recipient, message.attempts, message.last_error)


def retryable(message: OutboxMessage) -> bool:
    """Failed, waiting, uncertain (an admin decides it did not arrive), or stuck `sending` past its
    lease (its sender died before DATA)."""
    stuck = message.status == "sending" and message.lease_until is not None and message.lease_until < utcnow()
    return message.status in ("failed", "pending", "uncertain") or stuck


def retry(message: OutboxMessage) -> None:
    """An admin's retry: the message goes back in the queue, due now; the scheduler sends it (an
    uncertain one with the Message-ID it had, so a copy that did arrive reads as the same message)."""
    message.status, message.next_attempt_at, message.sent_at = "pending", utcnow(), None
    db.session.flush()


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = message.recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id or make_msgid(idstring=f"okrapp-{message.id}",
                                                           domain=sender.split("@")[-1].strip(">"))
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a machine
    for name, value in (json.loads(message.headers) if message.headers else {}).items():
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    if message.ics:
        method = message.ics_method or "REQUEST"
        email.add_alternative(message.ics, subtype="calendar", params={"method": method})
        email.add_attachment(message.ics.encode("utf-8"), maintype="application", subtype="ics",
                             filename="invite.ics")
    return email


class _Smtp(smtplib.SMTP):
    """smtplib's client, calling before_data just before the DATA command."""

    def __init__(self, *args, before_data=None, **kwargs):
        self.before_data = before_data
        super().__init__(*args, **kwargs)

    def data(self, msg):
        if self.before_data is not None:
            self.before_data()
        return super().data(msg)


class SmtpBackend:
    def __init__(self, config):
        self.host, self.port = config["OKRAPP_SMTP_HOST"], int(config["OKRAPP_SMTP_PORT"])
        self.user, self.password = config.get("OKRAPP_SMTP_USER"), config.get("OKRAPP_SMTP_PASSWORD")
        self.starttls = config.get("OKRAPP_SMTP_STARTTLS", False)
        self.timeout = float(config.get("OKRAPP_SMTP_TIMEOUT", 30))

    def send(self, email: EmailMessage, before_data=None) -> str:
        """Returns once the server answered DATA with 250; before_data() runs just before DATA.
        Whatever QUIT then meets changes nothing: the server has taken the message."""
        smtp = _Smtp(self.host, self.port, timeout=self.timeout, before_data=before_data)
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(email)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return email["Message-ID"]


class FileBackend:
    """The embedded default: each message becomes a .eml file under instance/outbox/."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, email: EmailMessage, before_data=None) -> str:
        if before_data is not None:
            before_data()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{email['Message-ID'].strip('<>').split('@')[0]}.eml"
        (self.directory / name).write_bytes(email.as_bytes())
        return email["Message-ID"]


def make_backend(config):
    if config.get("OKRAPP_SMTP_HOST"):
        return SmtpBackend(config)
    return FileBackend(Path(current_app.instance_path) / "outbox")
