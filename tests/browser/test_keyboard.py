"""Keyboard only (Tab, Enter, Space, and typing into a text box): the executive sends a conflict to the
next priority review and records the decision that resolves it. Each stop on the way shows its focus."""
import pytest
from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.core.extensions import db

from tests.browser.axe import new_context
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

FOCUSED = """() => { const e = document.activeElement; const style = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), href: e.getAttribute('href') || '', text: (e.innerText || e.value || '').trim(),
          id: e.id, name: e.getAttribute('name') || '', value: e.getAttribute('value') || '',
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2}; }"""


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0


def tab_to(page, wanted, limit=250):
    """Press Tab until the focused element matches wanted(focused); it must show a visible outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            assert focused["outline"], f"no visible focus on {focused}"
            return focused
    raise AssertionError("Tab never reached the element")


def test_executive_sends_a_conflict_to_review_and_decides_it_by_keyboard(demo, live_server, chromium, screenshot):
    item = db.session.scalar(select(ConflictItem).where(ConflictItem.status == "open").order_by(ConflictItem.id))
    context = new_context(chromium, "laptop")
    page = context.new_page()
    log_in(page, live_server, "ceo@demo.okrapp")
    page.goto(f"{live_server}/conflicts")

    tab_to(page, lambda f: f["href"] == f"/conflicts/{item.id}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/conflicts/{item.id}")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Send to the next priority review")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Sent to the next priority review.").first.is_visible()
    db.session.expire_all()
    meeting_id = db.session.get(ConflictItem, item.id).review_meeting_id
    assert meeting_id

    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Reviews")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/reviews")
    tab_to(page, lambda f: f["href"] == f"/reviews/{meeting_id}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/reviews/{meeting_id}")

    tab_to(page, lambda f: f["tag"] == "summary" and f["text"] == "Resolve a conflict")
    page.keyboard.press("Enter")  # opens the decision kind
    tab_to(page, lambda f: f["name"] == "items" and f["value"] == str(item.id) and f["id"].startswith("resolve_conflict"))
    page.keyboard.press("Space")
    assert page.locator(f"#resolve_conflict-items-{item.id}").is_checked()
    tab_to(page, lambda f: f["id"] == "resolve_conflict-text")
    page.keyboard.type("Sales shares the delivery key result from January; the volume bonus ends.")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Record: resolve a conflict")
    screenshot(page, "keyboard-decision")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decisions = page.locator("ul.decisions").inner_text()
    assert "Sales shares the delivery key result from January" in decisions
    assert item.title in decisions
    # settled by the decision: its page offers no action, so no "Decide" heading stands empty
    db.session.expire_all()
    settled = db.session.get(ConflictItem, item.id)
    assert settled.settled_by_id and settled.status in ("resolved", "accepted")
    page.goto(f"{live_server}/conflicts/{item.id}")
    assert page.get_by_role("heading", name="Decide").count() == 0
    assert page.locator(".actions form").count() == 0
    context.close()
