"""An executive records a decision that changes an incentive, in a real browser, during a review."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.incentives.models import Incentive
from okrapp.reviews.models import ReviewMeeting

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


def test_executive_retires_a_bonus_in_a_review(demo, live_server, page, screenshot):
    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                .order_by(ReviewMeeting.starts_at))
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/reviews/{meeting.id}")
    box = page.locator("#decide-incentive")
    box.locator("summary").click()
    box.get_by_label("…or the criterion in every unit that carries it").select_option(label="Orders per sales rep ↑ — in 1 unit")
    box.get_by_label("Change", exact=True).select_option("retire")
    box.get_by_label("Takes effect on").fill("2027-01-01")
    box.get_by_label("What was decided, and why").fill("Volume bonus ends with the year; Sales shares delivery CSAT.")
    screenshot(page, "decision-form")
    box.get_by_role("button", name="Record: change an incentive").click()
    page.wait_for_load_state()
    decisions = page.locator("ul.decisions")
    assert "Orders per sales rep (Equipment Sales): retired from 1 Jan 2027" in decisions.inner_text()
    assert "Settles: Orders per sales rep ↑" in decisions.inner_text()
    screenshot(page, "decision-recorded")
    db.session.expire_all()
    bonus = db.session.scalar(select(Incentive).where(Incentive.name == "Orders per sales rep"))
    assert bonus.active  # takes effect on 1 Jan 2027: the daily job applies it then
    page.goto(f"{live_server}/incentives")
    history = page.locator(f"#unit-{bonus.unit_id} details.versions").first
    history.locator("summary").click()
    assert "retired (from 1 Jan 2027)" in history.inner_text()
