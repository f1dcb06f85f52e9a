"""axe-core finds no serious or critical WCAG violation on the pages each persona uses, at a laptop's
and a phone's size, and no page scrolls sideways on the phone."""
import pytest
from sqlalchemy import select

from okrapp.board.models import BoardSummary
from okrapp.conflicts.models import ConflictItem
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult
from okrapp.reviews.models import ReviewMeeting

from tests.browser.axe import SIZES, new_context, page_width, violations
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

REFUSED_SHEET = ("unit;KPI name;metric key;direction;weight;target\n"
                 "Nobody;X;csatt;increase;0,5;\n"
                 "Equipment Sales;;csat;sideways;150 %;lots\n")


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11", "--yes"]).exit_code == 0


def check(page, name, size, found):
    for rule in violations(page):
        found.append((name, size, *rule))
    width, viewport = page_width(page)
    if size == "phone" and width > viewport:
        found.append((name, size, "page-scrolls-sideways", "serious", f"{width} px on {viewport}", []))


@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_violation_on_the_pages_people_use(demo, live_server, chromium, screenshot, tmp_path, size):
    conflict = db.session.scalar(select(ConflictItem).where(ConflictItem.status == "open").order_by(ConflictItem.id))
    review = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled")
                               .order_by(ReviewMeeting.starts_at))
    summary = db.session.scalar(select(BoardSummary))
    kr = db.session.scalar(select(KeyResult).order_by(KeyResult.id))
    sheet = tmp_path / "refused.csv"
    sheet.write_text(REFUSED_SHEET, encoding="utf-8")
    found = []
    context = new_context(chromium, size)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    check(page, "login", size, found)
    for email, pages in [
            ("ceo@demo.okrapp", ["/", "/conflicts", f"/conflicts/{conflict.id}", f"/reviews/{review.id}", "import",
                                 "/incentives", "/units/1"]),
            ("delivery.lead@demo.okrapp", ["/", f"/key-results/{kr.id}", "/integrations/chat"]),
            ("board@demo.okrapp", ["/", f"/board/summaries/{summary.id}"]),
            ("admin@demo.okrapp", ["/", "/admin/users", "/admin/units", "/admin/outbox", "/admin/jobs", "/metrics",
                                   "/account", "/admin/integrations"])]:
        context.clear_cookies()
        log_in(page, live_server, email)
        for path in pages:
            if path == "import":
                page.goto(f"{live_server}/incentives/import")
                page.get_by_label("KPI sheet (.xlsx or CSV)").set_input_files(str(sheet))
                page.get_by_role("button", name="Check the sheet").click()
                page.wait_for_load_state()
            else:
                page.goto(f"{live_server}{path}")
            name = f"{email.split('@')[0]} {path}"
            check(page, name, size, found)
    context.close()
    assert found == [], "\n".join(map(repr, found))
