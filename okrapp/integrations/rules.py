"""Pure rules of outbound integrations: Standard Webhooks signing, the retry schedule, which URLs and
addresses may be targets, and the Slack and Teams message shapes. No Flask, no database: tested alone.

Message shapes are built here rather than with apprise or slack-sdk: apprise sends the messages itself
(its own HTTP client, redirects followed, no pinned address), which would undo the safe-target rules
of targets.py, and slack-sdk's models cover Slack only; the two shapes are small JSON documents
(Slack Block Kit, a Teams Adaptive Card) that tests check field by field."""
import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from urllib.parse import urlsplit

from okrapp.core.words import N_

EVENTS = {
    "conflict.opened": N_("Conflict item opened"),
    "conflict.escalated": N_("Conflict item escalated to a priority review"),
    "conflict.settled": N_("Conflict item settled"),
    "decision.recorded": N_("Decision recorded"),
    "key_result.at_risk": N_("Key result at risk"),
    "check_in.overdue": N_("Check-in overdue"),
    "board_summary.sent": N_("Board summary sent"),
    "plan.approved": N_("Incentive plan approved"),
}
# after attempt n fails, the next waits RETRY_SECONDS[n - 1]; after the last the delivery has failed
RETRY_SECONDS = (60, 300, 1800, 7200, 18000, 36000)
RESPONSE_CAP = 64 * 1024  # bytes of a receiver's answer read (and 500 of them kept) at most
SECRET_PREFIX = "whsec_"
URL_LIMIT = 2000


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, the webhook-signature header."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}


def body(event_type: str, timestamp: str, data: dict) -> str:
    """The JSON every receiver gets: {"type", "timestamp", "data"}."""
    return json.dumps({"type": event_type, "timestamp": timestamp, "data": data}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)


def next_wait(attempts: int) -> int | None:
    """Seconds until the next attempt after `attempts` failed ones; None once the schedule is spent."""
    return RETRY_SECONDS[attempts - 1] if 1 <= attempts <= len(RETRY_SECONDS) else None


def should_pause(consecutive_failures: int, threshold: int) -> bool:
    return threshold > 0 and consecutive_failures >= threshold


RISK_ORDER = {None: 0, "on_track": 0, "at_risk": 1, "off_track": 2}


def became_riskier(was: str | None, now: str | None) -> bool:
    """A key result that fell to at risk or off track (not one that stays there or recovers)."""
    return now in ("at_risk", "off_track") and RISK_ORDER[now] > RISK_ORDER.get(was, 0)


def succeeded(status_code: int) -> bool:
    """2xx only: a redirect is not followed, so it did not reach the receiver."""
    return 200 <= status_code < 300


# -- targets ---------------------------------------------------------------------------------------

URL_PROBLEMS = {
    "scheme": N_("Use an https:// address (http:// only outside production)."),
    "https": N_("Use an https:// address: production sends only over HTTPS."),
    "credentials": N_("Leave user names and passwords out of the address; the signature or the platform's "
                      "secret link authenticates."),
    "host": N_("The address names no host."),
    "length": N_("The address is too long."),
    "port": N_("The address has an invalid port."),
    "fragment": N_("Leave the #fragment out of the address."),
    "private": N_("The address leads to a private, loopback or link-local network; okrapp sends only to public "
                  "addresses."),
    "unresolved": N_("The host name could not be resolved."),
    "characters": N_("The address contains spaces or control characters."),
}


def url_problem(url: str, *, https_only: bool) -> str | None:
    """The key of what is wrong with url as a target (URL_PROBLEMS), or None."""
    if len(url) > URL_LIMIT:
        return "length"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "characters"  # urlsplit would drop a CR/LF silently; http.client would refuse it later
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "scheme"
    if https_only and parts.scheme != "https":
        return "https"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "credentials"
    if parts.fragment:
        return "fragment"
    try:
        if parts.port == 0:  # urlsplit checks the port's range only when asked for it
            return "port"
    except ValueError:
        return "port"
    if not parts.hostname:
        return "host"
    return None


SITE_LOCAL = ipaddress.ip_network("fec0::/10")


def address_allowed(address: str) -> bool:
    """A public unicast address: not loopback, private, link-local, multicast, reserved or unspecified
    (an IPv4 address inside IPv6 judged as the IPv4 one)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:  # 2002::/16 carries an IPv4 inside
        return address_allowed(str(ip.sixtofour))
    if ip in SITE_LOCAL:  # fec0::/10: deprecated, but still routed inside some networks
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


# -- chat message shapes ---------------------------------------------------------------------------

def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(title: str, lines: list[str], link_text: str, url: str) -> dict:
    """A Slack incoming-webhook message: a fallback text and Block Kit blocks (title, lines, a link)."""
    text = "\n".join(f"• {_slack_escape(line)}" for line in lines)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": False}}]
    if text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"<{url}|{_slack_escape(link_text)}>"}]})
    return {"text": f"{title}: {url}", "blocks": blocks, "unfurl_links": False}


def teams_message(title: str, lines: list[str], link_text: str, url: str) -> dict:
    """A Teams workflow-webhook message ("Post to a channel when a webhook request is received"): one
    Adaptive Card with the title, the lines and a button to the page."""
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
                     *({"type": "TextBlock", "text": f"- {line}", "wrap": True, "spacing": "Small"} for line in lines)],
            "actions": [{"type": "Action.OpenUrl", "title": link_text, "url": url}]}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "contentUrl": None, "content": card}]}


CHAT_KINDS = {"slack": N_("Slack (incoming webhook)"), "teams": N_("Microsoft Teams (workflow webhook)")}
CHAT_BUILDERS = {"slack": slack_message, "teams": teams_message}
