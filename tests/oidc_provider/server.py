"""The test OpenID provider as a process: started once per test run on a free loopback port, its
clients registered through its registration endpoint (RFC 7591, so each test app gets one with its own
redirect URI), and a person at its login form (`sign_in`), driven over HTTP with requests."""
import atexit
import json
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "provider.mjs"
INSTALL_HINT = "run `make oidc-provider` (npm ci in tests/oidc_provider) first"
START_SECONDS = 30


class OpenIdProvider:
    def __init__(self):
        node = shutil.which("node")
        if node is None:
            pytest.fail(f"Node.js is needed for the test OpenID provider: {INSTALL_HINT}")
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            pytest.fail(f"the test OpenID provider is not installed: {INSTALL_HINT}")
        self.process = subprocess.Popen([node, str(SCRIPT)], cwd=HERE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        first_line = []
        reader = threading.Thread(target=lambda: first_line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_SECONDS)
        if not first_line or not first_line[0].strip():
            self.stop()
            pytest.fail(f"the test OpenID provider did not start within {START_SECONDS} s")
        self.issuer = json.loads(first_line[0])["issuer"]

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """A new confidential client (client_secret_basic) for redirect_uri: (client_id, client_secret)."""
        answer = requests.post(f"{self.issuer}/reg", timeout=10, json={
            "redirect_uris": [redirect_uri], "response_types": ["code"], "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic", "client_name": "okrapp tests"})
        answer.raise_for_status()
        client = answer.json()
        return client["client_id"], client["client_secret"]

    def sign_tokens_with_a_foreign_key(self, client_id: str) -> None:
        """From now on this client's ID tokens are signed with a key the published JWKS does not hold
        (same key id, another key): the impostor instance of provider.mjs answers its token requests."""
        requests.post(f"{self.issuer}/__test__/impostor", params={"client_id": client_id}, timeout=10).raise_for_status()

    def sign_in(self, authorize_url: str, login: str, back_to: str) -> str:
        """A person at the provider: the login form filled in with login, redirects followed until the
        provider sends the browser back to an address starting with back_to; that address (code, state)."""
        browser = requests.Session()
        url, method, data = authorize_url, "GET", None
        for _ in range(10):
            response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                if url.startswith(back_to):
                    return url
                continue
            form = _LoginForm.of(response.text)
            assert response.status_code == 200 and form.action, (response.status_code, response.text[:500])
            url, method = urljoin(url, form.action), "POST"
            data = {**form.fields, "login": login, "password": "any"}
        raise AssertionError("the provider never sent the browser back")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class _LoginForm(HTMLParser):
    """The first form of the provider's page: its action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    @classmethod
    def of(cls, html: str) -> "_LoginForm":
        parser = cls()
        parser.feed(html)
        return parser

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")


_shared: OpenIdProvider | None = None


def shared() -> OpenIdProvider:
    """One provider for the whole run (a second start costs about a second), stopped at exit."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        _shared = OpenIdProvider()
        atexit.register(_shared.stop)
    return _shared
