"""A Finnish browser: the pages read Finnish (nobody chose a language, so the browser's counts), the
decimal comma survives, and a correction changes progress."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult

from tests.factories import PASSWORD, make_key_result, make_unit, make_user

pytestmark = pytest.mark.browser


def log_in(page, base, email, password):
    """The sign-in form by its fields, whatever language it reads in."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def log_out(page):
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_load_state()


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
    assert page.locator("html").get_attribute("lang") == "fi"
    card = page.locator(f"#kr-{kr.id}")
    card.get_by_label("Uusi arvo").fill("3475000,5")
    card.get_by_role("button", name="Päivitä tilanne").click()
    page.wait_for_load_state()
    assert "Tilannepäivitys tallennettu" in page.locator(".flash").first.inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn.value).where(CheckIn.key_result_id == kr.id)) == 3475000.5
    assert db.session.get(KeyResult, kr.id).progress == pytest.approx(375000.5 / 400000)
    log_out(page)

    log_in(page, live_server, executive.email, PASSWORD)
    page.goto(f"{live_server}/key-results/{kr.id}")
    page.get_by_role("link", name="Korjaa").click()
    page.get_by_label("Korjattu arvo").fill("3 300 000")
    page.get_by_label("Miksi arvo korjataan").fill("Booked twice in the ledger")
    page.get_by_role("button", name="Tallenna korjaus").click()
    page.wait_for_load_state()
    # 94 % -> 50 % of the company's score (one objective): asked once more, in Finnish
    assert "Korjaus muuttaa yrityksen asiakaspistemäärää" in page.locator("main").inner_text()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Tallenna korjaus").click()
    page.wait_for_load_state()
    assert "Tilannepäivitys korjattu" in page.locator(".flash").first.inner_text()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    text = page.locator("table").inner_text()
    assert "3 475 000" in text and "3 300 000" in text and "Booked twice in the ledger" in text
    assert page.locator("tr.superseded del").inner_text() == "3 475 000"
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).progress == pytest.approx(0.5)
    assert "50 %" in page.locator(".scoreline").inner_text()
    screenshot(page, "corrected-check-in-history")
