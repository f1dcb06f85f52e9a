"""Outgoing mail: one `queue` API, an outbox table, and delivery after commit.

A message is queued in the transaction that causes it, under a key that is unique for what it
says (an invitation for one meeting version to one person, one summary per recipient and
period), so queueing twice never sends twice. Only the scheduler process delivers (a web request
never waits on SMTP): it claims each message atomically with a lease, sends it, and on failure
retries with backoff. Within a process one thread sends at a time (the tick and the delivery job
both call `deliver_pending`), so a process killed mid-send leaves at most the one message it was
sending. That message returns to the queue when its lease runs out, with the Message-ID it was
given when queued, so a rare double send (the process died after the server accepted it) reads as
one message. A message that keeps failing stays
visible to admins. Every message says it is automatic (Auto-Submitted), so vacation responders
stay quiet."""
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
        message.status, message.last_error = "failed", f"Address refused: {problem}"
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # queued meanwhile by another process
        return None
    return message


def render(name: str, **context) -> tuple[str, str]:
    """The plain-text and HTML parts of templates/email/<name>.txt|.html."""
    context.setdefault("base_url", current_app.config["OKRAPP_BASE_URL"].rstrip("/"))
    return render_template(f"email/{name}.txt", **context), render_template(f"email/{name}.html", **context)


def new_message_id() -> str:
    sender = parseaddr(current_app.config["OKRAPP_MAIL_SENDER"])[1]
    return make_msgid(idstring="okrapp", domain=sender.rpartition("@")[2] or "okrapp.invalid")


def requeue_stale() -> int:
    """Messages left `sending` by a process that died return to the queue once their lease ran out."""
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.lease_until < utcnow()).values(status="pending"))
    db.session.commit()
    if result.rowcount:
        log.warning("%s message(s) left sending by a stopped process were queued again", result.rowcount)
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
        if not _claim(message_id):
            continue  # another process took it
        message = db.session.get(OutboxMessage, message_id)
        try:
            backend.send(build_email(message, current_app.config["OKRAPP_MAIL_SENDER"]))
        except Exception as error:  # noqa: BLE001 — any failure is retried, never lost
            _failed(message, error)
            failed += 1
        else:
            message.status, message.sent_at, message.attempts = "sent", utcnow(), message.attempts + 1
            sent += 1
        db.session.commit()
    return sent, failed


def _claim(message_id: int) -> bool:
    lease = timedelta(seconds=float(current_app.config["OKRAPP_MAIL_LEASE_SECONDS"]))
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "pending").values(
        status="sending", lease_until=utcnow() + lease))
    db.session.commit()
    return result.rowcount == 1


def _failed(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts > len(BACKOFF_MINUTES):
        message.status = "failed"
    else:
        message.status = "pending"
        message.next_attempt_at = utcnow() + timedelta(minutes=BACKOFF_MINUTES[message.attempts - 1])
    log.warning("mail to %s failed (attempt %s): %s", message.recipient, message.attempts, message.last_error)


def retryable(message: OutboxMessage) -> bool:
    """Failed, waiting, or stuck `sending` past its lease (its sender died)."""
    stuck = message.status == "sending" and message.lease_until is not None and message.lease_until < utcnow()
    return message.status in ("failed", "pending") or stuck


def retry(message: OutboxMessage) -> None:
    """An admin's retry: the message goes back in the queue, due now; the scheduler sends it."""
    message.status, message.next_attempt_at = "pending", utcnow()
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


class SmtpBackend:
    def __init__(self, config):
        self.host, self.port = config["OKRAPP_SMTP_HOST"], int(config["OKRAPP_SMTP_PORT"])
        self.user, self.password = config.get("OKRAPP_SMTP_USER"), config.get("OKRAPP_SMTP_PASSWORD")
        self.starttls = config.get("OKRAPP_SMTP_STARTTLS", False)
        self.timeout = float(config.get("OKRAPP_SMTP_TIMEOUT", 30))

    def send(self, email: EmailMessage) -> str:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(email)
        return email["Message-ID"]


class FileBackend:
    """The embedded default: each message becomes a .eml file under instance/outbox/."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, email: EmailMessage) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{email['Message-ID'].strip('<>').split('@')[0]}.eml"
        (self.directory / name).write_bytes(email.as_bytes())
        return email["Message-ID"]


def make_backend(config):
    if config.get("OKRAPP_SMTP_HOST"):
        return SmtpBackend(config)
    return FileBackend(Path(current_app.instance_path) / "outbox")
