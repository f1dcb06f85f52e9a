"""Sending the deliveries, in the scheduler process only (a tick hook, after the mail).

Each due delivery is claimed with a lease (an UPDATE from pending to sending, so two schedulers never
send one at the same time), sent once with the webhook-id it was given when queued and a fresh
timestamp and signature, and its outcome recorded: a 2xx delivers it; anything else (a 3xx is not
followed, a 500, a refused address, no answer within the timeout) puts it back with backoff
(rules.RETRY_SECONDS), or fails it once the schedule is spent. An endpoint failing
OKRAPP_WEBHOOK_PAUSE_AFTER attempts in a row is paused and every admin gets a mail; the admin page
shows it until someone resumes it. A delivery left `sending` by a process that died goes back to the
queue when its lease runs out: receivers drop the repeat by its webhook-id."""
import http.client
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from okrapp.accounts.models import User
from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.words import _, ngettext
from okrapp.integrations import rules, targets
from okrapp.integrations.models import WebhookDelivery, WebhookEndpoint

TICK_SECONDS = 30  # deliveries started in one scheduler tick; a slow receiver cannot hold mail and jobs longer

log = logging.getLogger("okrapp.webhooks")


def deliver_due(limit: int = 500) -> tuple[int, int]:
    """Send what is due: (delivered, failed attempts). A target that fails once is not tried again in the
    same run: its other deliveries wait for the next tick, so a dead receiver costs one timeout a tick,
    not one per event queued for it."""
    now = utcnow()
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.status == "sending", WebhookDelivery.lease_until < now).values(status="pending"))
    db.session.commit()
    due = db.session.execute(select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.channel_id)
                             .outerjoin(WebhookEndpoint).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
        (WebhookEndpoint.id.is_(None)) | (WebhookEndpoint.state == "active"))
        .order_by(WebhookDelivery.id).limit(limit)).all()
    delivered = failed = 0
    failing = set()
    ends = time.monotonic() + TICK_SECONDS
    for delivery_id, endpoint_id, channel_id in due:
        target = (endpoint_id, channel_id)
        if target in failing:
            continue
        if time.monotonic() > ends:  # the tick also sends mail and runs jobs: the rest waits for the next
            break
        outcome = _deliver_one(delivery_id)
        delivered, failed = delivered + (outcome == "delivered"), failed + (outcome == "failed")
        if outcome == "failed":
            failing.add(target)
    return delivered, failed


def _claim(delivery_id: int) -> bool:
    lease = timedelta(seconds=float(current_app.config["OKRAPP_WEBHOOK_LEASE_SECONDS"]))
    result = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending").values(
        status="sending", lease_until=utcnow() + lease))
    db.session.commit()
    return result.rowcount == 1


def _deliver_one(delivery_id: int) -> str:
    if not _claim(delivery_id):
        return ""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = delivery.endpoint
    if endpoint is not None and endpoint.state != "active":  # paused since it was picked
        delivery.status, delivery.lease_until = "pending", None
        db.session.commit()
        return ""
    config = current_app.config
    body = delivery.payload.encode()
    headers = {}
    if endpoint is not None:
        headers = rules.signed_headers(endpoint.secret, delivery.message_id, int(time.time()), body)
        # the wall clock, not the app's: receivers compare it with theirs to refuse replays
    url = endpoint.url if endpoint is not None else delivery.channel.url
    status, error = None, ""
    try:
        answer = targets.post(url, body, headers, timeout=float(config["OKRAPP_WEBHOOK_TIMEOUT"]),
                              allow_private=bool(config.get("OKRAPP_ALLOW_PRIVATE_WEBHOOKS")),
                              https_only=bool(config.get("OKRAPP_PRODUCTION")))
        status = answer.status
        if not rules.succeeded(status):
            error = REDIRECT_REFUSED if 300 <= status < 400 else answer.body
    except targets.TargetRefused as refused:
        error = rules.URL_PROBLEMS[refused.problem]
    except (OSError, http.client.HTTPException) as failure:  # timeouts are OSErrors
        error = f"{type(failure).__name__}: {failure}"
    delivery.attempts += 1
    delivery.last_status, delivery.last_error, delivery.last_attempt_at = status, error[:2000], utcnow()
    delivery.lease_until = None
    if status is not None and rules.succeeded(status):
        delivery.status, delivery.delivered_at = "delivered", utcnow()
        if endpoint is not None:
            endpoint.failures = 0
        db.session.commit()
        return "delivered"
    wait = rules.next_wait(delivery.attempts)
    if wait is None:
        delivery.status = "failed"
    else:
        delivery.status, delivery.next_attempt_at = "pending", utcnow() + timedelta(seconds=wait)
    log.warning("webhook delivery %s (%s) failed, attempt %s: %s %s", delivery.id, delivery.message_id,
                delivery.attempts, status, error[:200])
    if endpoint is not None:
        _count_failure(endpoint, delivery)
    db.session.commit()
    return "failed"


REDIRECT_REFUSED = "redirect not followed"


def _count_failure(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    endpoint.failures += 1
    threshold = int(current_app.config["OKRAPP_WEBHOOK_PAUSE_AFTER"])
    if endpoint.state == "active" and rules.should_pause(endpoint.failures, threshold):
        endpoint.state, endpoint.paused_at = "paused", utcnow()
        endpoint.pause_reason = f"{delivery.last_status or ''} {delivery.last_error}".strip()[:500]
        endpoint.version += 1  # an open form on it is stale now
        _tell_admins(endpoint)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    """One mail per admin and pause; the admin page shows the same until the endpoint is resumed."""
    for admin in db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))):
        with words.using(mail.reader_locale(admin)):
            lines = [ngettext("okrapp paused the webhook endpoint %(url)s after %(num)s failed attempt in a row.",
                              "okrapp paused the webhook endpoint %(url)s after %(num)s failed attempts in a row.",
                              endpoint.failures, url=endpoint.url),
                     _("Events for it wait and are sent once you resume it on the integrations page.")]
            text, html = mail.render("notice", user=admin, lines=lines, path="/admin/integrations")
            subject = _("okrapp: webhook endpoint paused")
        mail.queue(f"webhook-paused:{endpoint.id}:{endpoint.paused_at.isoformat()}:{admin.id}", admin.email,
                   subject, text, html, category="alert")
