"""Outgoing mail: one `queue` API, an outbox table, and delivery after commit.

A message is queued in the transaction that causes it, under a key that is unique for what it
says (an invitation for one meeting version to one person, one summary per recipient and
period), so queueing twice never sends twice. Delivery claims each message atomically, sends it,
and on failure retries with backoff; a message that keeps failing stays visible to admins."""
import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import OutboxMessage
from .timeutil import utcnow

log = logging.getLogger("okrapp.mail")
BACKOFF_MINUTES = (1, 5, 30, 120, 720)  # after the last, the message is marked failed


def queue(key: str, recipient: str, subject: str, text: str, html: str = "", *, category: str = "general",
          ics: str = "", ics_method: str = "") -> OutboxMessage | None:
    """Add a message to the outbox unless one with this key exists; flushes, the caller commits."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(key=key, recipient=recipient, subject=subject, text_body=text, html_body=html,
                            category=category, ics=ics, ics_method=ics_method, next_attempt_at=utcnow())
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


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Send what is due. Call after commit. Returns (sent, failed attempts)."""
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
            message.message_id = backend.send(build_email(message, current_app.config["OKRAPP_MAIL_SENDER"]))
        except Exception as error:  # noqa: BLE001 — any failure is retried, never lost
            _failed(message, error)
            failed += 1
        else:
            message.status, message.sent_at, message.attempts = "sent", utcnow(), message.attempts + 1
            sent += 1
        db.session.commit()
    return sent, failed


def _claim(message_id: int) -> bool:
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "pending").values(status="sending"))
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


def retry(message: OutboxMessage) -> None:
    """An admin's retry of a failed message: it goes back in the queue, due now."""
    message.status, message.next_attempt_at = "pending", utcnow()
    db.session.flush()


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = message.recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"okrapp-{message.id}", domain=sender.split("@")[-1].strip(">"))
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

    def send(self, email: EmailMessage) -> str:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
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
