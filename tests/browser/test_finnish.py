"""okrapp in Finnish in a real browser: the demo's Finnish unit leader checks in with a decimal comma, a
Finnish executive reads the dashboard and its charts with Finnish words and number formats, and
switching to English on the profile page brings English back."""
import re

import pytest
from sqlalchemy import select, update

from okrapp.accounts.models import User
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


def current_key_result(title: str) -> KeyResult:
    return db.session.scalar(select(KeyResult).where(KeyResult.title == title).order_by(KeyResult.id.desc()))


def test_the_finnish_unit_leader_checks_in_with_a_decimal_comma(demo, live_server, page, screenshot):
    leader = db.session.scalar(select(User).where(User.email == "delivery.lead@demo.okrapp"))
    assert leader.locale == "fi"  # the demo's delivery lead reads okrapp in Finnish
    kr = current_key_result("On-time delivery rate")

    log_in(page, live_server, leader.email)
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Omat avaintulokset")
    main = page.locator("main").inner_text()
    assert "Avaintulokset, joista yksikkösi" in main and "Historia ja korjaukset" in main
    assert "My key results" not in main and "History and corrections" not in main
    screenshot(page, "fi-unit-leader-home")

    card = page.locator(f"#kr-{kr.id}")
    card.get_by_label("Uusi arvo").fill("87,5")
    card.get_by_label("Luottamus (0–10)").fill("8")
    card.get_by_label("Kommentti").fill("Kaksi lisäautoa kumppanilta")
    card.get_by_role("button", name="Päivitä tilanne").click()
    page.wait_for_load_state()
    assert "Tilannepäivitys tallennettu" in page.locator(".flash").first.inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn.value).where(CheckIn.key_result_id == kr.id)
                             .order_by(CheckIn.id.desc())) == 87.5
    assert "87,5 %" in page.locator(f"#kr-{kr.id} .value").inner_text()
    screenshot(page, "fi-unit-leader-my-key-results")


def test_a_finnish_executive_reads_the_dashboard_and_switches_to_english(demo, live_server, page, screenshot):
    db.session.execute(update(User).where(User.email == "ceo@demo.okrapp").values(locale="fi"))
    db.session.commit()

    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/dashboard")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Yritys asiakkaiden silmin")
    summary = page.locator("section.kpis").inner_text()
    assert "Asiakastavoitteiden kokonaistulos" in summary and "yhteistä tavoitetta" in summary
    assert re.search(r"\d+ %", summary), "a share reads 45 %"
    priorities = page.locator("table.priorities")
    assert "Prioriteetit" in page.locator("#priorities").inner_text()
    assert re.search(r"\b\d,\d\b", priorities.inner_text()), "confidence with a decimal comma, e.g. 8,3"
    assert "viikossa" in priorities.locator("svg.spark").first.get_attribute("aria-label")
    assert "Asiakkaan läpileikkaus" in page.locator("#cross-section").inner_text()
    main = page.locator("main").inner_text()
    for english in ("The company as its customers see it", "Overall customer score", "Customer cross-section",
                    "Key results at risk", "Forecast at cycle end"):
        assert english not in main, english
    screenshot(page, "fi-executive-dashboard")

    kr = current_key_result("Quarterly revenue")
    page.goto(f"{live_server}/key-results/{kr.id}")
    chart = page.locator("svg.chart")
    assert chart.get_attribute("aria-label").startswith("Tilannepäivitysten historia")
    axis = chart.locator("text").all_text_contents()
    assert any(re.fullmatch(r"3,\d+ milj\. €", label) for label in axis), axis  # money on the axis, the Finnish way
    assert any(label.startswith("tavoitetaso 3 500 000") for label in axis), axis
    assert re.fullmatch(r"\d{1,2}\.\d{1,2}\.", axis[-1]), axis  # the cycle's last day: 31.12.
    history = page.locator("#history + table").inner_text()
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}", history), "times read 9.11.2026 klo 9.30"
    assert re.search(r"\d \d{3} \d{3}", history), "thousands spaced: 3 456 500"
    assert "Sininen: tilannepäivitykset" in page.locator("figcaption").inner_text()
    screenshot(page, "fi-key-result-chart")

    page.goto(f"{live_server}/account")
    language = page.locator("form[action$='/account/language']")
    language.locator("select").select_option("en")
    language.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.email == "ceo@demo.okrapp")) == "en"
    screenshot(page, "en-profile-after-switch")

    page.goto(f"{live_server}/dashboard")
    assert page.get_by_role("heading", level=1).inner_text().startswith("The company as its customers see it")
    assert "Overall customer score" in page.locator("section.kpis").inner_text()
    assert "Yritys asiakkaiden silmin" not in page.locator("main").inner_text()
    page.goto(f"{live_server}/key-results/{kr.id}")
    axis = page.locator("svg.chart text").all_text_contents()
    assert any(re.fullmatch(r"€3\.\d+M", label) for label in axis), axis
    screenshot(page, "en-key-result-chart")


def test_a_finnish_executive_runs_a_review_page_in_finnish(demo, live_server, page, screenshot):
    from okrapp.reviews.models import ReviewMeeting
    db.session.execute(update(User).where(User.email == "ceo@demo.okrapp").values(locale="fi"))
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                .order_by(ReviewMeeting.starts_at))
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/reviews/{meeting.id}")
    assert page.locator("html").get_attribute("lang") == "fi"
    headings = page.locator("main h2").all_inner_texts()
    assert {"Prioriteetit", "Avoimet ristiriidat, vakavimmat ensin", "Päätökset"} <= set(headings), headings
    assert not {"Priorities", "Decisions", "Open conflicts, worst first"} & set(headings)
    page.locator("#decide-note summary").click()
    page.locator("#note-text").fill("Seurataan toimitusten täsmällisyyttä viikoittain.")
    page.locator("#decide-note button[type=submit]").click()
    page.wait_for_load_state()
    assert "Seurataan toimitusten täsmällisyyttä viikoittain." in page.locator("main").inner_text()
    assert "Päätös kirjattu ja toteutettu." in page.locator(".flash").first.inner_text()
    screenshot(page, "fi-review-page")
