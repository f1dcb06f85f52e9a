"""Render the board summary's HTML part in Chromium and keep the picture for a person to look at."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary

pytestmark = pytest.mark.browser


def test_board_summary_html_renders(runner, page, screenshot):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    summary = db.session.scalar(select(BoardSummary))
    page.set_content(summary.html_body)
    assert page.get_by_text("Overall customer score").is_visible()
    assert page.locator("h2").count() >= 6
    path = screenshot(page, "board-summary-email")
    assert path.stat().st_size > 10_000


def test_running_month_summary_leads_with_the_decisions(runner, page, screenshot):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"]).exit_code == 0
    summary = db.session.scalar(select(BoardSummary).where(BoardSummary.period == "2026-11"))
    page.set_content(summary.html_body)
    headings = page.locator("h2").all_inner_texts()
    assert headings[:2] == ["What the leadership decided", "Open conflicts by level and age"]
    assert page.get_by_text("Why: Retention above recommendation").is_visible()
    screenshot(page, "board-summary-email-decisions")


def test_board_summary_fits_a_phone(runner, chromium, screenshot):
    """Mail clients on phones show the HTML part at the screen's width: no sideways scrolling."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"]).exit_code == 0
    summary = db.session.scalar(select(BoardSummary).where(BoardSummary.period == "2026-11"))
    context = chromium.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.set_content(summary.html_body)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    screenshot(page, "board-summary-email-phone")
    context.close()
    assert width <= viewport, f"the summary is {width} px wide on a {viewport} px phone"
