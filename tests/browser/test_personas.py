"""Each persona's main task in Chromium on a laptop (1366 × 900) and a phone (390 × 844): the page never
scrolls sideways on the phone, the figures the person came for are in the first screen, and the pictures
stay under tests/artefacts/ (issue 24)."""
from pathlib import Path

import pytest
from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult

from tests.browser.axe import SIZES, in_first_screen, new_context, page_width
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


@pytest.fixture
def browse(chromium, live_server, screenshot):
    """browse(size, email) -> a logged-in page at that size; shoot(page, name) checks the width and keeps a picture."""
    contexts = []

    def open_as(size, email):
        context = new_context(chromium, size)
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server, email)
        return page
    yield open_as
    for context in contexts:
        context.close()


def fits(page, size, name, screenshot):
    """Top of the page, then: no sideways scroll on the phone; keep the picture."""
    page.evaluate("window.scrollTo(0, 0)")
    width, viewport = page_width(page)
    screenshot(page, f"persona-{name}-{size}")
    if size == "phone":
        assert width <= viewport, f"{name}: the page is {width} px wide on a {viewport} px phone"


def readme_shot(page, size, name):
    """The phone's first screen, as the README shows each persona's home."""
    if size == "phone":
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(README_IMAGES / f"phone-{name}.png"))


def first_screen(page, *locators):
    page.evaluate("window.scrollTo(0, 0)")
    for locator in locators:
        assert in_first_screen(locator), f"not in the first screen: {locator} at {locator.bounding_box()}"


@pytest.mark.parametrize("size", list(SIZES))
def test_executive_sees_the_score_and_sends_a_conflict_to_the_review(demo, live_server, browse, screenshot, size):
    page = browse(size, "ceo@demo.okrapp")
    assert page.url.endswith("/dashboard")
    overall = page.locator(".kpi", has_text="Overall customer score").locator(".big")
    conflicts = page.locator(".kpi", has_text="Open conflicts").locator(".big")
    assert overall.inner_text().endswith("%")
    first_screen(page, overall, conflicts)
    fits(page, size, "executive-dashboard", screenshot)
    readme_shot(page, size, "executive")
    priorities = page.locator("table.priorities tbody tr").first
    assert priorities.locator(".badge").is_visible() and priorities.locator(".pct").is_visible()

    page.get_by_role("link", name="See all conflicts").click()
    page.wait_for_load_state()
    fits(page, size, "executive-conflicts", screenshot)
    page.locator(".conflict-item a, main li a").first.click()
    page.wait_for_load_state()
    fits(page, size, "executive-conflict", screenshot)
    page.get_by_role("button", name="Send to the next priority review").click()
    page.wait_for_load_state()
    assert page.get_by_text("Sent to the next priority review.").first.is_visible()

    meeting = db.session.scalar(select(ConflictItem.review_meeting_id).where(ConflictItem.status == "in_review"))
    page.goto(f"{live_server}/reviews/{meeting}")
    fits(page, size, "executive-review", screenshot)
    row = page.locator("#priorities + table tbody tr").first
    assert row.locator(".badge").is_visible() and row.locator(".pct").is_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_unit_leader_sees_their_key_results_and_checks_in(demo, live_server, browse, screenshot, size):
    page = browse(size, "delivery.lead@demo.okrapp")  # reads Finnish
    assert page.url.endswith("/my/key-results")
    first = page.locator("article.kr").first
    first_screen(page, first.locator("h2"), first.locator(".badge").first, first.locator(".pct").first)
    fits(page, size, "unit-leader-home", screenshot)
    readme_shot(page, size, "unit-leader")
    kr_id = first.get_attribute("id").removeprefix("kr-")
    value = db.session.get(KeyResult, int(kr_id)).current_value  # on its path: no plausibility question
    first.locator(f"#value-{kr_id}").fill(f"{value:g}".replace(".", ","))
    first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("p.flash").first.is_visible()
    page.goto(f"{live_server}/key-results/{kr_id}")
    fits(page, size, "unit-leader-key-result", screenshot)
    latest = page.locator("#history + table tbody tr").first
    assert latest.is_visible()
    assert page.locator("main").get_by_text(f"{value:g}".replace(".", ",")).first.is_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_board_member_reads_the_latest_summary(demo, runner, live_server, browse, screenshot, size):
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"]).exit_code == 0
    page = browse(size, "board@demo.okrapp")  # reads Finnish
    assert page.url.endswith("/board")
    latest = page.locator("section.card").first
    first_screen(page, latest.locator("h2 a"), latest.locator("strong").first)
    fits(page, size, "board-home", screenshot)
    readme_shot(page, size, "board")
    latest.locator("h2 a").click()
    page.wait_for_load_state()
    fits(page, size, "board-summary", screenshot)


@pytest.mark.parametrize("size", list(SIZES))
def test_admin_finds_people_and_their_edit_links(demo, live_server, browse, screenshot, size):
    page = browse(size, "admin@demo.okrapp")
    fits(page, size, "admin-home", screenshot)
    page.goto(f"{live_server}/admin/users")
    first_row = page.locator("table.stack").last.locator("tbody tr").first
    first_screen(page, page.get_by_role("link", name="New user"), first_row.get_by_role("link", name="Edit"))
    fits(page, size, "admin-users", screenshot)
    readme_shot(page, size, "admin")
    first_row.get_by_role("link", name="Edit").click()
    page.wait_for_load_state()
    fits(page, size, "admin-user-form", screenshot)
    assert page.get_by_label("Role").is_visible()
