"""Forms that answer where the person looks (issue 24): the KPI sheet check's result first, focused and
naming the file; a decision form that shows only the fields of the chosen change, and all of them without
JavaScript."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.reviews.models import ReviewMeeting

from tests.browser.axe import in_first_screen, new_context
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import REFUSED_SHEET

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_the_sheet_check_answers_at_the_top_with_the_focus_on_it(demo, live_server, chromium, screenshot, tmp_path, size):
    sheet = tmp_path / "kpit-2027.csv"
    sheet.write_text(REFUSED_SHEET, encoding="utf-8")
    context = new_context(chromium, size)
    page = context.new_page()
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/incentives/import")
    page.get_by_label("KPI sheet (.xlsx or CSV)").set_input_files(str(sheet))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the sheet").click()
    # autofocus is applied on the first frame after load, not at once
    page.wait_for_function("document.activeElement && document.activeElement.id === 'check-result'")
    result = page.locator("#check-result")
    assert page.evaluate("document.activeElement.id") == "check-result"
    assert "Checked: kpit-2027.csv" in result.inner_text()
    assert in_first_screen(result.get_by_role("heading", name="Preview of kpit-2027.csv"))
    assert in_first_screen(result.locator("p.flash.error").last)  # "n problems on m lines"
    keys = page.locator("#keys-heading + .table-scroll")
    assert page.evaluate("e => e.scrollWidth <= e.clientWidth", keys.element_handle()), "the metric keys spill out of their card"
    screenshot(page, f"import-refused-{size}")
    context.close()


def test_a_decision_form_shows_only_the_chosen_change(demo, live_server, chromium):
    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                .order_by(ReviewMeeting.starts_at))
    for script in (True, False):
        context = new_context(chromium, "laptop", java_script_enabled=script)
        page = context.new_page()
        log_in(page, live_server, "ceo@demo.okrapp")
        page.goto(f"{live_server}/reviews/{meeting.id}")
        box = page.locator("#decide-incentive")
        box.locator("summary").click()
        share, target, guard = (box.get_by_label(name, exact=True) for name in
                                ("New bonus share (0–1)", "New target", "Threshold"))
        if script:
            assert not share.is_visible() and not target.is_visible() and not guard.is_visible()  # "Retire it"
            box.get_by_label("Change", exact=True).select_option("weight")
            assert share.is_visible() and not target.is_visible() and not guard.is_visible()
            box.get_by_label("Change", exact=True).select_option("guardrail")
            assert guard.is_visible() and not share.is_visible()
        else:
            assert share.is_visible() and target.is_visible() and guard.is_visible()
        context.close()


def test_the_check_in_sheet_check_takes_the_focus_too(demo, live_server, chromium, tmp_path):
    sheet = tmp_path / "arvot.csv"
    sheet.write_text("key result;value\nKR-999999;12\n", encoding="utf-8")
    context = new_context(chromium, "phone")
    page = context.new_page()
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/check-ins/import")
    page.locator("input[type=file]").set_input_files(str(sheet))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the sheet").click()
    # autofocus is applied on the first frame after load, not at once
    page.wait_for_function("document.activeElement && document.activeElement.id === 'check-result'")
    assert page.evaluate("document.activeElement.id") == "check-result"
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    context.close()
