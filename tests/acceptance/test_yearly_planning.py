"""The yearly planning round end to end, on the demo organisation (Kaleva Systems Oy) in December 2026:
next year's sheet imports while this year's bonuses run, its preview shows what it would do to conflicts,
the plan goes to a review and is approved with a row taken out, and on 1 January it takes effect."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.demo.company import DEMO_PASSWORD, load_demo
from okrapp.incentives.models import BonusPlan, Incentive
from okrapp.accounts.models import User
from okrapp.reviews.models import ReviewMeeting

SHEET_2027 = ("unit;KPI name;metric key;direction;weight;target\n"
              "Installation & Delivery;Kuljetuskulujen säästö per toimitus;cost_per_delivery;decrease;60 %;\n"
              "Installation & Delivery;Asennustyöt per viikko;installation_jobs_per_week;increase;40 %;42\n")


@pytest.fixture
def demo(clock):
    clock.now = datetime(2026, 12, 5, 10, 0)
    assert load_demo()
    refresh_items()
    db.session.commit()


def executive(login):
    ceo = db.session.scalar(select(User).where(User.email == "ceo@demo.okrapp"))
    return login(ceo, DEMO_PASSWORD)


def upload(client, text: str, period: str):
    page = client.get("/incentives/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    from io import BytesIO
    return client.post("/incentives/import", data={"csrf_token": token, "period": period,
                                                    "sheet": (BytesIO(text.encode()), "kpi-2027.csv")},
                       content_type="multipart/form-data")


def form_token(page: str, action: str) -> dict:
    form = page[page.index(f'action="{action}"'):]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index("</form>")]))
    if not fields:
        fields = dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form[:form.index("</form>")]))
    return fields


def test_next_years_plan_from_sheet_to_effect(demo, login, clock):
    client = executive(login)
    preview = upload(client, SHEET_2027, "2027")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text
    assert "already active" not in text or "160" not in text  # 2026's 100 % is not added to 2027
    what_if = text[text.index("What this plan would do to conflicts"):]
    assert "On-time delivery rate, shared with Nordic Last Mile Oy" in what_if
    assert "Would open" in what_if
    assert "Unpaired" in what_if and "Kuljetuskulujen säästö per toimitus" in what_if
    assert "pair it with On-time delivery" in what_if

    confirmed = client.post("/incentives/import/confirm", data=form_token(text, "/incentives/import/confirm"))
    assert confirmed.status_code == 302
    plan = db.session.scalar(select(BonusPlan))
    assert plan.status == "draft" and plan.period.name == "2027" and len(plan.rows) == 2
    refresh_items()
    db.session.commit()
    today_items = {i.key for i in db.session.scalars(select(ConflictItem).where(ConflictItem.horizon_id.is_(None),
                                                                                ConflictItem.present.is_(True)))}
    plan_page = client.get(f"/incentives/plans/{plan.id}").get_data(as_text=True)
    assert "What this plan would do to conflicts in 2027" in plan_page
    sent = client.post(f"/incentives/plans/{plan.id}/review",
                       data=form_token(plan_page, f"/incentives/plans/{plan.id}/review"))
    assert sent.status_code == 302
    db.session.expire_all()
    plan = db.session.get(BonusPlan, plan.id)
    assert plan.status == "in_review"
    meeting = db.session.get(ReviewMeeting, plan.review_meeting_id)
    agenda = client.get(f"/reviews/{meeting.id}").get_data(as_text=True)
    assert "Coming bonus plans to decide" in agenda and "On-time delivery rate" in agenda
    cost_row = next(r for r in plan.rows if r.metric.key == "cost_per_delivery")
    token = form_token(agenda, f"/reviews/{meeting.id}/decisions")["csrf_token"]
    decided = client.post(f"/reviews/{meeting.id}/decisions", data={
        "csrf_token": token, "kind": "plan", "plan": plan.id, "verdict": "approve_changed",
        "remove_rows": [cost_row.id], "text": "Approved without the delivery cost bonus: it works against on-time delivery."})
    assert decided.status_code == 302, decided.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.get(BonusPlan, plan.id)
    assert plan.status == "approved"
    assert not db.session.get(Incentive, cost_row.id).active
    assert "takes effect 1 Jan 2027" in client.get(f"/incentives/plans/{plan.id}").get_data(as_text=True)
    board = client.get("/board/preview?period=2026-12").get_data(as_text=True)
    scheduled = board[board.index("Scheduled changes"):]
    assert ("Plan of Installation &amp; Delivery for 2027 approved with 1 row" in scheduled
            and "takes effect 1 Jan 2027" in scheduled), scheduled[:1500]
    assert "still detected" not in board

    # still 2026: the approved plan pays nothing and today's items are unchanged by it
    refresh_items()
    db.session.commit()
    assert {i.key for i in db.session.scalars(select(ConflictItem).where(ConflictItem.horizon_id.is_(None),
                                                                         ConflictItem.present.is_(True)))} == today_items
    from okrapp.conflicts import whatif
    expected = whatif.for_plan(plan).after

    clock.now = datetime(2026, 12, 31, 22, 1)  # 00:01 on 1 January in Helsinki
    from okrapp.incentives.plans import apply_due_plans
    assert apply_due_plans() == 1
    refresh_items()
    db.session.commit()
    assert db.session.get(BonusPlan, plan.id).status == "in_effect"
    found = {i.key for i in db.session.scalars(select(ConflictItem).where(ConflictItem.horizon_id.is_(None),
                                                                          ConflictItem.present.is_(True)))}
    assert found == expected
