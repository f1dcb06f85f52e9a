"""Loopback receivers for the integration tests, and the setting that lets okrapp send to them."""
import pytest

from tests.integrations import receivers


@pytest.fixture
def private_ok(app):
    """Loopback receivers allowed, and a short timeout so a silent one costs a second."""
    app.config.update(OKRAPP_ALLOW_PRIVATE_WEBHOOKS=True, OKRAPP_WEBHOOK_TIMEOUT=1.0)
    yield
    app.config.update(OKRAPP_ALLOW_PRIVATE_WEBHOOKS=False, OKRAPP_WEBHOOK_TIMEOUT=10.0)


@pytest.fixture
def receiver():
    started = []

    def make(answers=(200,), location="", tls=None):
        r = receivers.Receiver(answers=list(answers), location=location)
        started.append(receivers.start(r, tls))
        return r
    yield make
    for server in started:
        server.shutdown()
        server.server_close()
