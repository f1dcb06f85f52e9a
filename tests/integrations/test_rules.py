"""The pure rules of integrations: signatures as the reference verifier reads them, which addresses and URLs
may be targets, the retry schedule, when a key result counts as fallen, and the chat message shapes."""
import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from okrapp.integrations import rules


def test_a_signature_verifies_with_the_reference_package_and_breaks_with_any_change():
    secret, body, now = rules.new_secret(), '{"type":"decision.recorded","data":{"id":1}}'.encode(), int(time.time())
    headers = rules.signed_headers(secret, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers)["data"] == {"id": 1}
    for changed in ({**headers, "webhook-id": "msg_2"}, {**headers, "webhook-timestamp": str(now + 1)}):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, changed)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)


def test_the_signature_is_the_documented_hmac():
    """The spec's example: secret, id, timestamp and body give this exact signature."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert rules.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secrets_are_32_random_bytes_in_whsec_form():
    first, second = rules.new_secret(), rules.new_secret()
    assert first.startswith("whsec_") and first != second and len(base64.b64decode(first[6:])) == 32


@pytest.mark.parametrize("address, allowed", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("255.255.255.255", False), ("240.0.0.1", False), ("::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("::", False), ("ff02::1", False),
    ("2002:7f00:1::1", False), ("2002:a9fe:a9fe::1", False), ("2002:5db8:d822::1", True), ("fec0::1", False),
])
def test_only_public_unicast_addresses_are_targets(address, allowed):
    assert rules.address_allowed(address) is allowed


@pytest.mark.parametrize("url, https_only, problem", [
    ("https://hooks.example.com/x?a=1", True, None),
    ("http://hooks.example.com/x", False, None),
    ("http://hooks.example.com/x", True, "https"),
    ("HTTPS://hooks.example.com/x", True, None),
    ("file:///etc/passwd", False, "scheme"),
    ("gopher://hooks.example.com/", False, "scheme"),
    ("https://u:p@hooks.example.com/", False, "credentials"),
    ("https://u@hooks.example.com/", False, "credentials"),
    ("https://hooks.example.com/x#frag", False, "fragment"),
    ("https://hooks.example.com:0x50/", False, "port"),
    ("https:///x", False, "host"),
    ("https://" + "a" * 2000 + ".com/", False, "length"),
    ("https://hooks.example.com/\r\nX-Injected: 1", False, "characters"),
    ("https://hooks.example.com/a b", False, "characters"),
    ("https://hooks.exa\tmple.com/", False, "characters"),
])
def test_url_rules(url, https_only, problem):
    assert rules.url_problem(url, https_only=https_only) == problem


def test_retries_back_off_and_end():
    waits = [rules.next_wait(n) for n in range(1, len(rules.RETRY_SECONDS) + 2)]
    assert waits[:-1] == sorted(waits[:-1]) and waits[0] == 60 and waits[-1] is None
    assert not rules.should_pause(2, 3) and rules.should_pause(3, 3) and not rules.should_pause(99, 0)
    assert [rules.succeeded(s) for s in (200, 204, 299, 301, 404, 500)] == [True, True, True, False, False, False]


@pytest.mark.parametrize("was, now, fell", [
    ("on_track", "at_risk", True), ("on_track", "off_track", True), ("at_risk", "off_track", True),
    (None, "at_risk", True), ("at_risk", "at_risk", False), ("off_track", "at_risk", False),
    ("at_risk", "on_track", False), ("on_track", None, False),
])
def test_a_key_result_falls_only_to_a_worse_status(was, now, fell):
    assert rules.became_riskier(was, now) is fell


def test_slack_text_is_escaped_and_teams_card_carries_every_line():
    slack = rules.slack_message("Title", ["<b>&", "two"], "Open <it>", "https://okr.example.com/x")
    assert slack["blocks"][1]["text"]["text"] == "• &lt;b&gt;&amp;\n• two"
    assert slack["blocks"][2]["elements"][0]["text"] == "<https://okr.example.com/x|Open &lt;it&gt;>"
    card = rules.teams_message("Title", ["one", "two"], "Open", "https://okr.example.com/x")["attachments"][0]["content"]
    assert [b["text"] for b in card["body"]] == ["Title", "- one", "- two"]
    assert card["actions"][0]["url"] == "https://okr.example.com/x"


def test_the_readme_verifies_a_signature_in_five_lines():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = readme.split("<!-- verify-snippet -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    namespace = {}
    exec(code, namespace)  # noqa: S102 — our own README
    verify = namespace["verify"]
    secret, body, now = rules.new_secret(), b'{"type":"plan.approved"}', int(time.time())
    headers = rules.signed_headers(secret, "msg_9", now, body)
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b"x")
    assert not verify(rules.new_secret(), headers, body)
    assert not verify(secret, rules.signed_headers(secret, "msg_9", now - 600, body), body)  # a replay
