"""Each role's home in a real browser; a unit leader's check-in shows on the executive dashboard."""
import re

import pytest
from sqlalchemy import select, update

from okrapp.accounts.models import User
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    # the demo's delivery lead and board member read Finnish (tests/browser/test_finnish.py); here, English
    db.session.execute(update(User).where(User.email.in_(["delivery.lead@demo.okrapp", "board@demo.okrapp"]))
                       .values(locale="en"))
    db.session.commit()


@pytest.mark.parametrize("email, heading", [
    ("ceo@demo.okrapp", "The company as its customers see it"),
    ("admin@demo.okrapp", "The company as its customers see it"),
    ("sales.lead@demo.okrapp", "My key results"),
    ("board@demo.okrapp", "Board summaries"),
])
def test_each_role_sees_its_home(demo, live_server, page, screenshot, email, heading):
    log_in(page, live_server, email)
    assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading)
    screenshot(page, f"home-{email.split('@')[0]}")


def test_check_in_changes_dashboard_and_drill_down(demo, live_server, page, screenshot):
    kr = db.session.scalar(select(KeyResult).where(KeyResult.title == "On-time delivery rate")
                           .order_by(KeyResult.id.desc()))
    log_in(page, live_server, "ceo@demo.okrapp")
    row = page.locator("table.priorities tr", has_text=kr.objective.title)
    before = row.locator(".pct").inner_text()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "delivery.lead@demo.okrapp")
    card = page.locator(f"#kr-{kr.id}")
    card.get_by_label("New value").fill("95")
    card.get_by_label("Confidence (0–10)").fill("9")
    card.get_by_role("button", name="Check in").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, "ceo@demo.okrapp")
    row = page.locator("table.priorities tr", has_text=kr.objective.title)
    after = row.locator(".pct").inner_text()
    assert int(after.rstrip(" %")) > int(before.rstrip(" %"))
    matrix = page.locator("table.matrix")
    assert matrix.get_by_role("link", name="Nordic Last Mile Oy").is_visible()
    screenshot(page, "executive-dashboard")
    matrix.get_by_role("link", name="Nordic Last Mile Oy").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Nordic Last Mile Oy", exact=True).is_visible()
    page.get_by_role("link", name="On-time delivery rate").first.click()
    page.wait_for_load_state()
    assert page.locator("svg.chart").is_visible()
    assert re.search(r"95(\.0)? %", page.locator(".scoreline").inner_text())
    screenshot(page, "key-result-drill-down")


def test_dashboard_is_usable_on_a_phone_and_by_keyboard(demo, live_server, chromium, screenshot):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server, "ceo@demo.okrapp")
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # the page itself does not scroll sideways
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    screenshot(page, "executive-dashboard-phone")
    context.close()
