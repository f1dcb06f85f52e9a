"""Outbound integrations: features call `emit` (a webhook event) and `notify_chat` (a Slack/Teams message)
in the transaction of the change they tell of; the deliveries they write are sent by the scheduler
process (integrations.delivery), never in a request. Admins manage endpoints here; unit leaders,
executives and everyone for themselves connect chat channels."""
import json
import uuid
from typing import Callable

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.accounts.models import User
from okrapp.admin.models import Unit
from okrapp.core import policy, words
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.transaction import operation
from okrapp.core.versioning import claim
from okrapp.core.words import _
from okrapp.integrations import rules, targets
from okrapp.integrations.models import ChatChannel, WebhookDelivery, WebhookEndpoint


def base_url() -> str:
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/")


def link(path: str) -> str:
    """An absolute link back to a page, for a receiver outside okrapp."""
    return base_url() + path


def _new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


# -- events ----------------------------------------------------------------------------------------

def wanted(prefix: str) -> bool:
    """Whether any endpoint wants an event starting with prefix: one query, so a scan that opens many
    items asks once instead of once per item when nobody listens."""
    return any(e.startswith(prefix) for events in db.session.scalars(select(WebhookEndpoint.events))
               for e in events.split(","))


def emit(event_type: str, data: dict) -> int:
    """Queue event_type for every active or paused endpoint that wants it; flushes, the caller commits
    (so a change that rolls back tells no one). Returns how many deliveries were queued."""
    if event_type not in rules.EVENTS:
        raise ValueError(event_type)
    endpoints = [e for e in db.session.scalars(select(WebhookEndpoint)) if event_type in e.event_list]
    if not endpoints:
        return 0
    body = rules.body(event_type, utcnow().replace(microsecond=0).isoformat() + "Z", data)
    for endpoint in endpoints:
        db.session.add(WebhookDelivery(message_id=_new_message_id(), endpoint=endpoint, event_type=event_type,
                                       payload=body, next_attempt_at=utcnow()))
    db.session.flush()
    return len(endpoints)


def notify_chat(channels: list[ChatChannel], event_type: str,
                message: Callable[[], tuple[str, list[str], str, str]]) -> int:
    """Queue a message for each channel, worded in the channel's language: message() returns (title,
    lines, link text, absolute url) and is called inside words.using(channel.locale)."""
    for channel in channels:
        with words.using(channel.locale):
            title, lines, link_text, url = message()
        body = rules.CHAT_BUILDERS[channel.kind](title, lines, link_text, url)
        db.session.add(WebhookDelivery(message_id=_new_message_id(), channel=channel, event_type=event_type,
                                       payload=json.dumps(body, ensure_ascii=False), next_attempt_at=utcnow()))
    db.session.flush()
    return len(channels)


def channels_for(*, units=(), people=(), leadership: bool = False) -> list[ChatChannel]:
    """The channels of these units, these people and (leadership) the leadership team, one query."""
    unit_ids, user_ids = [u.id for u in units], [p.id for p in people]
    conditions = []
    if unit_ids:
        conditions.append((ChatChannel.owner == "unit") & ChatChannel.unit_id.in_(unit_ids))
    if user_ids:
        conditions.append((ChatChannel.owner == "person") & ChatChannel.user_id.in_(user_ids))
    if leadership:
        conditions.append(ChatChannel.owner == "leadership")
    if not conditions:
        return []
    found = db.session.scalars(select(ChatChannel).where(or_(*conditions)).order_by(ChatChannel.id)
                               .options(selectinload(ChatChannel.unit),
                                        selectinload(ChatChannel.created_by).selectinload(User.units)))
    # a unit's channel speaks for the unit while whoever connected it may still manage it: a leader who
    # moved on takes no more of the unit's notifications with them
    return [c for c in found if c.owner != "unit" or _speaks_for_unit(c.created_by, c.unit)]


def _speaks_for_unit(user: User | None, unit) -> bool:
    """An admin, or a leader of the unit: who may connect, manage and keep a unit's channel."""
    return user is not None and user.active and (user.role == "admin" or policy.leads(user, unit))


# -- endpoints (admins) ----------------------------------------------------------------------------

def _check_target(url: str) -> str:
    url = (url or "").strip()
    config = current_app.config
    try:
        targets.check(url, allow_private=config.get("OKRAPP_ALLOW_PRIVATE_WEBHOOKS", False),
                      https_only=config.get("OKRAPP_PRODUCTION", False))
    except targets.TargetRefused as refused:
        raise ServiceError(_(rules.URL_PROBLEMS[refused.problem]), field="url") from None
    return url


def _check_events(events: list[str]) -> str:
    unknown = [e for e in events if e not in rules.EVENTS]
    if unknown or not events:
        raise ServiceError(_("Choose at least one event."), field="events")
    return ",".join(e for e in rules.EVENTS if e in events)


@operation
def create_endpoint(url: str, events: list[str], description: str) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (shown to the admin once, by the page that made it)."""
    endpoint = WebhookEndpoint(url=_check_target(url), events=_check_events(events),
                               description=(description or "").strip()[:200], secret=rules.new_secret())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


@operation
def update_endpoint(endpoint: WebhookEndpoint, url: str, events: list[str], description: str,
                    version: int | None, by) -> None:
    url, events_text = _check_target(url), _check_events(events)
    claim(endpoint, version, by)
    endpoint.url, endpoint.events, endpoint.description = url, events_text, (description or "").strip()[:200]


@operation
def set_state(endpoint: WebhookEndpoint, state: str, version: int | None, by) -> None:
    """An admin pauses or resumes; resuming clears the failure count and sends what waited, due now."""
    claim(endpoint, version, by)
    endpoint.state = state
    if state == "active":
        endpoint.failures, endpoint.paused_at, endpoint.pause_reason = 0, None, ""
        db.session.execute(db.update(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending").values(
            next_attempt_at=utcnow()))
    else:
        endpoint.paused_at = utcnow()


@operation
def delete_endpoint(endpoint: WebhookEndpoint, version: int | None, by) -> None:
    claim(endpoint, version, by)
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)


@operation
def send_again(delivery: WebhookDelivery) -> None:
    """An admin's "send again": queued, due now, with the same webhook-id."""
    if delivery.status == "sending":
        raise ServiceError(_("This delivery is being sent right now."))
    delivery.status, delivery.next_attempt_at, delivery.lease_until = "pending", utcnow(), None
    db.session.flush()


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def paused_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.state == "paused")
                                   .order_by(WebhookEndpoint.id)))


def endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    return db.get_or_404(WebhookEndpoint, endpoint_id)


def delivery_or_404(delivery_id: int) -> WebhookDelivery:
    return db.get_or_404(WebhookDelivery, delivery_id)


def deliveries(endpoint: WebhookEndpoint | None = None, channel: ChatChannel | None = None,
               limit: int = 100) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if endpoint is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint.id)
    if channel is not None:
        query = query.where(WebhookDelivery.channel_id == channel.id)
    return list(db.session.scalars(query))


# -- chat channels ---------------------------------------------------------------------------------

def owners_for(user: User) -> list[tuple[str, str]]:
    """(value, label) of what user may connect a channel for: themselves, the units they lead (all, for
    an admin), the leadership team (executives and admins)."""
    choices = [("person", _("Me (%(name)s)", name=user.name))]
    if user.role in ("executive", "admin"):
        choices.append(("leadership", _("The leadership team")))
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all() if user.role == "admin" else \
        [u for u in user.units if policy.leads(user, u)]
    choices += [(f"unit:{u.id}", _("Unit: %(name)s", name=u.name)) for u in units]
    return choices


@operation
def connect_channel(user: User, owner_choice: str, kind: str, url: str, locale: str, label: str) -> ChatChannel:
    if owner_choice not in dict(owners_for(user)):
        raise ServiceError(_("Choose whose notifications the channel gets."), field="owner")
    if kind not in rules.CHAT_KINDS:
        raise ServiceError(_("Choose Slack or Teams."), field="kind")
    owner, _sep, unit_id = owner_choice.partition(":")
    channel = ChatChannel(kind=kind, url=_check_target(url), owner=owner, locale=locale,
                          unit_id=int(unit_id) if unit_id else None, user_id=user.id if owner == "person" else None,
                          label=(label or "").strip()[:120], created_by_id=user.id)
    db.session.add(channel)
    db.session.flush()
    return channel


def may_manage_channel(user: User, channel: ChatChannel) -> bool:
    """Who owns the notifications manages the channel; connecting one gives no lasting right of its own."""
    if user.role == "admin":
        return True
    if channel.owner == "person":
        return channel.user_id == user.id
    if channel.owner == "leadership":
        return user.role == "executive"
    return _speaks_for_unit(user, channel.unit)


def channels_visible_to(user: User) -> list[ChatChannel]:
    query = select(ChatChannel).options(joinedload(ChatChannel.unit), joinedload(ChatChannel.user))
    return [c for c in db.session.scalars(query.order_by(ChatChannel.id)) if may_manage_channel(user, c)]


def last_deliveries(channels: list[ChatChannel], per_channel: int = 5) -> dict[int, list[WebhookDelivery]]:
    """The latest deliveries of each channel, in one query (a channel page shows a few each)."""
    found = {c.id: [] for c in channels}
    if not found:
        return found
    recent = select(WebhookDelivery).where(WebhookDelivery.channel_id.in_(found)).order_by(
        WebhookDelivery.id.desc()).limit(per_channel * len(found) * 4)
    for delivery in db.session.scalars(recent):
        if len(found[delivery.channel_id]) < per_channel:
            found[delivery.channel_id].append(delivery)
    return found


def channel_or_404(channel_id: int) -> ChatChannel:
    return db.get_or_404(ChatChannel, channel_id)


@operation
def disconnect_channel(channel: ChatChannel, user: User, version: int | None) -> None:
    if not may_manage_channel(user, channel):
        raise ServiceError(_("You may not change this channel."))
    claim(channel, version, user)
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.channel_id == channel.id))
    db.session.delete(channel)
