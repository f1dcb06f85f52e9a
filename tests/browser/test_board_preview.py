"""The CEO previews the next board summary in a real browser and adds a covering note."""
import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_ceo_previews_the_next_summary_and_adds_a_covering_note(runner, live_server, page, screenshot):
    assert runner.invoke(args=["demo"]).exit_code == 0  # the demo has sent October's summary
    page.set_viewport_size({"width": 420, "height": 900})  # a phone: the page must still work
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/board")
    page.get_by_role("link", name="Preview the next summary").click()
    assert "November 2026" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("This period is still running").is_visible()
    assert page.get_by_role("heading", name="What the leadership decided").is_visible()
    page.get_by_label("Covering note").fill("Delivery first: the sales bonus changes in January.")
    page.get_by_role("button", name="Save the note").click()
    page.wait_for_load_state()
    assert page.get_by_text("Covering note saved").is_visible()
    assert page.locator("blockquote.note").inner_text().endswith("Delivery first: the sales bonus changes in January.")
    frame = page.frame_locator("iframe[title=Preview]")
    assert frame.get_by_text("Delivery first: the sales bonus changes in January.").is_visible()
    assert page.get_by_role("button", name="Send 2026-11 now").count() == 0  # sending is the admins'
    screenshot(page, "board-preview-note")
