"""The webhook and chat forms attacked through a real gunicorn in the production configuration (HTTPS only,
private targets refused, CSRF on): every hostile input is refused with its reason and nothing is saved."""
from urllib.parse import urlencode

from tests.gunicorn_server import HttpClient, gunicorn_server, needs_gunicorn

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post(client, path, fields, token_from=None):
    body = urlencode({"csrf_token": client.token(token_from or path), **fields}, doseq=True).encode()
    return client.request(path, body, FORM)


@needs_gunicorn
def test_hostile_webhook_and_chat_targets_are_refused_through_gunicorn(tmp_path):
    users = [("admin@example.com", "admin"), ("exec@example.com", "executive")]
    with gunicorn_server(tmp_path, users=users) as base_url:
        admin = HttpClient(base_url)
        admin.login("admin@example.com")
        refused = {
            "http://hooks.example.com/x": b"production sends only over HTTPS",
            "https://127.0.0.1/x": b"private, loopback or link-local",
            "https://localhost:8443/x": b"private, loopback or link-local",
            "https://[::ffff:169.254.169.254]/latest/meta-data": b"private, loopback or link-local",
            "https://2130706433/x": b"private, loopback or link-local",  # 127.0.0.1 as one number
            "https://0x7f.1/x": b"private, loopback or link-local",
            "https://admin:hunter2@hooks.example.com/x": b"Leave user names and passwords out",
            "https://hooks.example.com/\r\nX-Injected: 1": b"",  # the shared input check refuses it first
            "file:///etc/passwd": b"Use an https:// address",
            "https://" + "a" * 3000 + ".example.com/": b"",
            "https://<script>alert(1)</script>/": b"",
        }
        for url, reason in refused.items():
            status, page = post(admin, "/admin/integrations", {"url": url, "events": ["decision.recorded"]},
                                token_from="/admin/integrations")
            assert status == 422, (url, status)
            assert reason in page, (url, page[-1500:])
            assert b"<script>alert(1)" not in page and b"whsec_" not in page
        status, _page = post(admin, "/admin/integrations", {"url": "https://127.0.0.1/x", "events": ["no.such.event"]},
                             token_from="/admin/integrations")
        assert status == 422
        status, _page = admin.request("/admin/integrations", urlencode(
            {"url": "https://hooks.example.com/x", "events": "plan.approved"}).encode(), FORM)
        assert status == 400  # no CSRF token
        for path in ("/admin/integrations/999999/pause", "/admin/integrations/deliveries/999999/send-again",
                     "/admin/integrations/99999999999999999999/delete"):
            assert post(admin, path, {"version": "1"}, token_from="/admin/integrations")[0] == 404
        status, page = admin.get("/admin/integrations")
        assert status == 200 and b"No endpoints yet." in page
        executive = HttpClient(base_url)
        executive.login("exec@example.com")
        assert executive.get("/admin/integrations")[0] == 403
        status, page = post(executive, "/integrations/chat", {"owner": "leadership", "kind": "slack",
                                                              "url": "https://10.0.0.5/services/x", "locale": "en"})
        assert status == 422 and b"private, loopback or link-local" in page
        status, page = post(executive, "/integrations/chat", {"owner": "unit:1", "kind": "slack",
                                                              "url": "https://hooks.slack.com/x", "locale": "en"})
        assert status == 422  # an executive leads no unit: not a choice
        status, page = post(executive, "/integrations/chat", {"owner": "leadership", "kind": "irc",
                                                              "url": "https://hooks.slack.com/x", "locale": "xx"})
        assert status == 422
        assert b"No channels connected yet." in executive.get("/integrations/chat")[1]
