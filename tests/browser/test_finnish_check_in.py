"""A Finnish browser: the decimal comma survives, and a correction changes progress."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult

from tests.factories import PASSWORD, make_key_result, make_unit, make_user
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def finnish_page(chromium):
    context = chromium.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_decimal_comma_in_finnish_locale_is_stored_and_a_correction_changes_progress(live_server, finnish_page,
                                                                                       screenshot):
    page = finnish_page
    leader = make_user("unit_leader", email="sanna@example.com")
    executive = make_user("executive", email="eero@example.com", name="Eero Exec")
    kr = make_key_result(unit=make_unit("Finance", leaders=[leader]), metric_key="revenue", baseline=3_100_000,
                         target=3_500_000)
    assert page.evaluate("navigator.language") == "fi-FI"

    log_in(page, live_server, leader.email, PASSWORD)
    card = page.locator(f"#kr-{kr.id}")
    card.get_by_label("New value").fill("3475000,5")
    card.get_by_role("button", name="Check in").click()
    page.wait_for_load_state()
    assert "Check-in saved" in page.locator(".flash").first.inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn.value).where(CheckIn.key_result_id == kr.id)) == 3475000.5
    assert db.session.get(KeyResult, kr.id).progress == pytest.approx(375000.5 / 400000)
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, executive.email, PASSWORD)
    page.goto(f"{live_server}/key-results/{kr.id}")
    page.get_by_role("link", name="Correct").click()
    page.get_by_label("Corrected value").fill("3 300 000")
    page.get_by_label("Why it is corrected").fill("Booked twice in the ledger")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_load_state()
    assert "Check-in corrected" in page.locator(".flash").first.inner_text()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    text = page.locator("table").inner_text()
    assert "3 475 000" in text and "3 300 000" in text and "Booked twice in the ledger" in text
    assert page.locator("tr.superseded del").inner_text() == "3 475 000"
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).progress == pytest.approx(0.5)
    assert "50 %" in page.locator(".scoreline").inner_text()
    screenshot(page, "corrected-check-in-history")
