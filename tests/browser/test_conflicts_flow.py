"""The demo's conflicts as a leadership team sees them: grouped items with levels, evidence on
demand, and an agenda that leads with what was sent to the review."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem
from okrapp.reviews.models import ReviewMeeting

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


def test_conflicts_page_groups_pairs_into_items_with_levels(demo, live_server, page, screenshot):
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/conflicts")
    cards = page.locator("article.conflict-item")
    shown = cards.count()
    assert 1 <= shown <= 12  # the demo's 60 pairs, as a short list
    first = cards.first
    assert first.locator(".badge.level-high").count() == 1
    assert "Orders per sales rep ↑" in first.locator("h2").inner_text()
    assert "Rewarded in Equipment Sales" in first.inner_text()
    evidence = first.locator("details.evidence")
    assert not evidence.locator(".block").first.is_visible()
    evidence.locator("summary").click()
    assert evidence.locator(".block").first.is_visible()
    assert "Delivery lead time" in evidence.inner_text()
    assert page.locator("p.folded").is_visible()  # low levels are not shown by default
    screenshot(page, "conflicts-items")
    first.locator("h2 a").click()
    page.wait_for_load_state()
    assert page.locator("#pairs").is_visible()
    assert page.locator("table tbody tr").count() >= 6  # the pairs behind the item, worst first


def test_agenda_leads_with_sent_to_review_and_shows_at_most_twelve(demo, live_server, page, screenshot):
    from okrapp.conflicts.operations import act_on_item
    item = db.session.scalar(select(ConflictItem).where(ConflictItem.title == "Cost per delivery ↓"))
    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                                .order_by(ReviewMeeting.starts_at))
    act_on_item(item, "review", None, meeting=meeting)
    db.session.commit()
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/reviews/{meeting.id}")
    sent = page.locator("#sent-to-review + ul li")
    assert sent.count() == 1 and "Cost per delivery ↓" in sent.first.inner_text()
    others = page.locator("#conflicts + ul li")
    assert 1 <= others.count() <= 11
    assert "Cost per delivery" not in page.locator("#conflicts + ul").inner_text()
    screenshot(page, "agenda-conflicts")

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, "sales.lead@demo.okrapp")
    page.goto(f"{live_server}/reviews/{meeting.id}")
    links = page.locator("#conflicts + ul li a, #sent-to-review + ul li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs, "the sales lead sees the items Equipment Sales takes part in"
    for href in hrefs:
        assert page.request.get(f"{live_server}{href}").status == 200  # no link that answers 403
