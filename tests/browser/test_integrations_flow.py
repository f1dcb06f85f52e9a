"""Webhooks and chat in a real browser: the admin adds an endpoint and copies its secret, the CEO records a
decision on the review page, the scheduler delivers it signed to a receiver on loopback, and the admin
sees the delivery with its status; a unit leader connects a Slack channel for their unit."""
import re

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.reviews.models import ReviewMeeting

from tests.browser.conftest import log_in
from tests.integrations import receivers

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner, app):
    assert runner.invoke(args=["demo"]).exit_code == 0
    app.config["OKRAPP_ALLOW_PRIVATE_WEBHOOKS"] = True  # the receiver listens on 127.0.0.1
    yield
    app.config["OKRAPP_ALLOW_PRIVATE_WEBHOOKS"] = False


@pytest.fixture
def hook():
    receiver = receivers.Receiver()
    server = receivers.start(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


def test_a_decision_recorded_in_the_browser_arrives_signed_and_shows_in_the_log(demo, hook, live_server, page,
                                                                                   screenshot):
    log_in(page, live_server, "admin@demo.okrapp")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Receiver URL").fill(hook.url)
    page.get_by_label("Description").fill("ERP decisions")
    page.get_by_label("Decision recorded").check()
    page.get_by_role("button", name="Add endpoint").click()
    page.wait_for_load_state()
    secret = page.locator("#webhook-secret").inner_text()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]{44}", secret)
    screenshot(page, "webhooks-secret-shown-once")
    page.context.clear_cookies()

    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                .order_by(ReviewMeeting.starts_at))
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/reviews/{meeting.id}")
    box = page.locator("#decide-note")
    box.locator("summary").click()
    box.get_by_label("What was decided, and why").fill("Installation gets the first two hires of Q1.")
    box.get_by_role("button", name="Record: note").click()
    page.wait_for_load_state()
    assert hook.received == []
    jobs.tick()
    [got] = hook.received
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["data"]["text"] == "Installation gets the first two hires of Q1."
    page.context.clear_cookies()

    log_in(page, live_server, "admin@demo.okrapp")
    page.goto(f"{live_server}/admin/integrations")
    page.get_by_role("link", name=hook.url).click()
    row = page.locator("table.deliveries tbody tr").first
    assert "delivered" in row.inner_text() and "200" in row.inner_text()
    assert got.headers["webhook-id"] in row.inner_text()
    screenshot(page, "webhooks-delivery-log")


def test_a_unit_leader_connects_a_slack_channel(demo, hook, live_server, page, screenshot):
    log_in(page, live_server, "sales.lead@demo.okrapp")
    page.get_by_role("link", name="Slack and Teams").click()
    page.get_by_label("Notifications of").select_option(label="Unit: Equipment Sales")
    page.get_by_label("Platform").select_option("slack")
    page.get_by_label("Webhook URL").fill(hook.url)
    page.get_by_label("Channel name").fill("#sales-leads")
    page.get_by_role("button", name="Connect", exact=True).click()
    page.wait_for_load_state()
    table = page.locator("table").first.inner_text()
    assert "Slack (incoming webhook)" in table and "Unit: Equipment Sales" in table and "#sales-leads" in table
    screenshot(page, "chat-channel-connected")
