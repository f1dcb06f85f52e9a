"""Webhook endpoints, chat channels, and the deliveries to them (an outbox like the mail's)."""
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okrapp.core.extensions import db
from okrapp.core.models import Versioned
from okrapp.core.timeutil import utcnow

ENDPOINT_STATES = ("active", "paused")
CHAT_OWNERS = ("unit", "leadership", "person")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class WebhookEndpoint(Versioned, db.Model):
    """A receiver an admin registered: where, the Standard Webhooks secret it verifies with, the events it
    wants. Paused by okrapp after OKRAPP_WEBHOOK_PAUSE_AFTER failed attempts in a row (admins told);
    deliveries wait while it is paused and go once an admin resumes it."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))  # whsec_…; kept to sign, shown to the admin once
    events: Mapped[str] = mapped_column(Text, default="")  # comma-separated rules.EVENTS keys
    state: Mapped[str] = mapped_column(String(10), default="active")  # ENDPOINT_STATES
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # failed attempts in a row
    paused_at = mapped_column(DateTime, nullable=True)
    pause_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at = mapped_column(DateTime, default=utcnow)

    @property
    def event_list(self) -> list[str]:
        return [e for e in self.events.split(",") if e]


class ChatChannel(Versioned, db.Model):
    """A Slack incoming webhook or a Teams workflow webhook that a unit, the leadership team or one
    person gets notifications in, worded in the channel's language."""

    __tablename__ = "chat_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # rules.CHAT_KINDS
    url: Mapped[str] = mapped_column(String(2000))
    owner: Mapped[str] = mapped_column(String(12))  # CHAT_OWNERS
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    label: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)

    unit = relationship("Unit", foreign_keys=[unit_id])
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class WebhookDelivery(db.Model):
    """One message to one endpoint or channel, written in the transaction of the change it tells of and
    sent by the scheduler process. `message_id` is the webhook-id: the same on every attempt and on a
    "send again", so a receiver can drop a repeat."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(60), unique=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
                                                    nullable=True, index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the exact body sent
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # DELIVERY_STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(DateTime, default=utcnow, index=True)
    lease_until = mapped_column(DateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the receiver's HTTP status
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at = mapped_column(DateTime, nullable=True)
    created_at = mapped_column(DateTime, default=utcnow)
    delivered_at = mapped_column(DateTime, nullable=True)

    endpoint = relationship(WebhookEndpoint)
    channel = relationship(ChatChannel)
