"""A unit leader checks in from the browser; the executive sees the objective change."""
import re

import pytest
from sqlalchemy import select, update

from okrapp.accounts.models import User
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_unit_leader_check_in_changes_the_executive_view(runner, live_server, page, screenshot):
    assert runner.invoke(args=["demo"]).exit_code == 0
    # the demo's delivery lead reads Finnish (tests/browser/test_finnish.py); this walk is in English
    db.session.execute(update(User).where(User.email == "delivery.lead@demo.okrapp").values(locale="en"))
    db.session.commit()
    kr = db.session.scalar(select(KeyResult).where(KeyResult.title == "On-time delivery rate")
                           .order_by(KeyResult.id.desc()))

    log_in(page, live_server, "delivery.lead@demo.okrapp")
    assert page.get_by_role("heading", name=re.compile("My key results")).is_visible()
    card = page.locator(f"#kr-{kr.id}")
    card.get_by_label("New value").fill("94.5")
    card.get_by_label("Confidence (0–10)").fill("9")
    card.get_by_label("Comment").fill("Two extra trucks from the partner")
    card.get_by_role("button", name="Check in").click()
    page.wait_for_load_state()
    assert "Check-in saved" in page.locator(".flash").first.inner_text()
    screenshot(page, "unit-leader-my-key-results")
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/objectives/{kr.objective_id}")
    card = page.locator(f"#kr-{kr.id}")
    assert "94.5 %" in card.inner_text()
    card.get_by_text("Latest check-ins").click()
    assert "Two extra trucks from the partner" in card.inner_text()
    screenshot(page, "executive-objective-detail")


def test_check_in_with_out_of_range_value_shows_the_error(runner, live_server, page):
    runner.invoke(args=["demo"])
    log_in(page, live_server, "sales.lead@demo.okrapp")
    card = page.locator("article.kr").first
    card.get_by_label("New value").fill("-50000")
    card.get_by_label("New value").evaluate("el => el.removeAttribute('min')")  # get past the browser's own check
    card.get_by_role("button", name="Check in").click()
    page.wait_for_load_state()
    assert "below the metric" in page.locator(".error").inner_text()
