"""The yearly planning round in a real browser, on the demo organisation in December 2026: an executive
imports next year's sheet for Installation & Delivery, reads what it would do to conflicts, sends the
plan to the next review and approves it there without the delivery cost row.

Also takes the README's screenshot of the what-if (docs/images/planning-what-if.png)."""
from datetime import datetime
from pathlib import Path

import pytest

from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.demo.company import load_demo

from tests.acceptance.test_yearly_planning import SHEET_2027
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "planning-what-if.png"


@pytest.fixture
def demo(clock):
    clock.now = datetime(2026, 12, 5, 10, 0)
    assert load_demo()
    refresh_items()
    db.session.commit()


def upload_sheet(page, base, sheet: Path):
    page.goto(f"{base}/incentives/import")
    page.get_by_label("KPI sheet (.xlsx or CSV)").set_input_files(str(sheet))
    page.get_by_label("Period").fill("2027")
    page.get_by_role("button", name="Check the sheet").click()
    page.wait_for_load_state()


def shoot_preview(page, path: Path):
    """From the "Preview of" heading through the what-if section: what the README shows."""
    top = page.get_by_role("heading", name="Preview of").bounding_box()
    section = page.locator("section.what-if").bounding_box()
    scroll_y = page.evaluate("window.scrollY")
    margin = 12
    y = top["y"] + scroll_y - margin
    x = min(top["x"], section["x"]) - margin
    right = max(top["x"] + top["width"], section["x"] + section["width"]) + margin
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, clip={
        "x": max(x, 0), "y": max(y, 0), "width": right - max(x, 0),
        "height": section["y"] + scroll_y + section["height"] + margin - max(y, 0)})


def test_executive_plans_next_year_in_the_browser(demo, live_server, page, screenshot, tmp_path):
    sheet = tmp_path / "kpi-2027.csv"
    sheet.write_text(SHEET_2027, encoding="utf-8")
    log_in(page, live_server, "ceo@demo.okrapp")

    upload_sheet(page, live_server, sheet)
    what_if = page.locator("section.what-if")
    assert what_if.is_visible()
    assert "What this plan would do to conflicts in 2027" in what_if.inner_text()
    assert what_if.get_by_text("On-time delivery rate, shared with Nordic Last Mile Oy").first.is_visible()
    assert what_if.get_by_text("Unpaired", exact=True).first.is_visible()
    assert "Kuljetuskulujen säästö per toimitus" in what_if.inner_text()
    screenshot(page, "planning-import-preview")
    shoot_preview(page, README_SHOT)

    # a phone: the preview, what-if included, fits without sideways scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    assert what_if.is_visible()
    screenshot(page, "planning-import-preview-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Import 2 incentives").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/incentives")
    plans = page.locator("#plans")
    assert plans.get_by_role("heading", name="Plans for coming periods").is_visible()
    plans.get_by_role("link", name="Installation & Delivery").click()
    page.wait_for_load_state()
    assert "bonus plan for 2027" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("section.what-if").is_visible()
    screenshot(page, "planning-plan-draft")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Send to the next priority review").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="review of").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Coming bonus plans to decide").is_visible()
    assert "On-time delivery rate" in page.locator("article.plan-on-agenda").inner_text()
    screenshot(page, "planning-review-agenda")

    box = page.locator("#decide-plan")
    box.locator("summary").click()
    box.get_by_label("Plan", exact=True).select_option(label="Installation & Delivery, 2027")
    box.get_by_label("Verdict").select_option(label="Approve it without the rows ticked below")
    box.get_by_label("Kuljetuskulujen säästö per toimitus", exact=False).check()
    box.get_by_label("What was decided, and why").fill(
        "Approved without the delivery cost bonus: it works against on-time delivery.")
    screenshot(page, "planning-decision-form")
    box.get_by_role("button", name="Record: decide a coming bonus plan").click()
    page.wait_for_load_state()
    assert "Approved without the delivery cost bonus" in page.locator("ul.decisions").inner_text()

    page.goto(f"{live_server}/incentives")
    page.locator("#plans").get_by_role("link", name="Installation & Delivery").click()
    page.wait_for_load_state()
    assert page.get_by_text("takes effect 1 Jan 2027").first.is_visible()
    assert "Approved, scheduled" in page.locator(".heading").inner_text()
    assert "removed" in page.get_by_role("row", name="Kuljetuskulujen säästö per toimitus").inner_text()
    screenshot(page, "planning-plan-approved")
