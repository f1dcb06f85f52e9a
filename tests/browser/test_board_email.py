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


def test_a_past_month_says_what_its_conflict_figures_count(runner, live_server, chromium, screenshot):
    """The demo's conflicts were first seen in November: October's summary counts none of them open at its
    end, and says so instead of a bare "0 open" while the app shows them (issue 24)."""
    from tests.browser.axe import new_context, page_width
    from tests.browser.conftest import log_in
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    summary = db.session.scalar(select(BoardSummary).where(BoardSummary.period == "2026-10"))
    assert "first seen after the period's end" in summary.text_body
    assert "Open at the period's end:" in summary.html_body
    for size in ("phone", "laptop"):
        context = new_context(chromium, size)
        page = context.new_page()
        page.set_content(summary.html_body)
        width, viewport = page_width(page)
        assert width <= viewport, f"the mail is {width} px wide on {viewport}"
        log_in(page, live_server, "ceo@demo.okrapp")
        page.goto(f"{live_server}/board/summaries/{summary.id}")
        assert page.locator("iframe").count() == 0  # read in the page, no scroll box of its own
        assert page.locator(".seen-later").first.is_visible()
        assert page.get_by_text("Open at the period's end:").is_visible()
        width, viewport = page_width(page)
        screenshot(page, f"board-summary-page-{size}")
        context.close()
        assert width <= viewport, f"the summary page is {width} px wide on {viewport}"


def test_decisions_read_as_nouns_on_the_board_page(runner, live_server, page):
    """"Aloita kokeilu" (start a pilot) read as an order where the board reads what was decided."""
    from tests.browser.conftest import log_in
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"]).exit_code == 0
    log_in(page, live_server, "board@demo.okrapp")  # reads Finnish
    decided = page.locator("#decided-heading + *, section[aria-labelledby=decided-heading]").first.inner_text()
    assert "Aloita kokeilu" not in decided and "Muuta kannustinta" not in decided
