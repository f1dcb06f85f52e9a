"""Pages people open on a phone never scroll sideways: wide tables scroll inside their own box."""
import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


def test_dashboard_and_conflicts_fit_a_phone(demo, live_server, chromium, screenshot):
    """The customer cross-section's screen-reader labels sit absolutely positioned in cells of a
    scrolling table; unless the scrolling box contains them they widen the page (405 px on 390)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server, "ceo@demo.okrapp")
    for path in ("/dashboard", "/conflicts", "/reviews", "/incentives"):
        page.goto(f"{live_server}{path}")
        width, viewport = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= viewport, f"{path} is {width} px wide on a {viewport} px phone"
    screenshot(page, "incentives-phone")
    context.close()
