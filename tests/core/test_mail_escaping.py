"""Markup typed into any field people fill in reaches the board mail (its covering note too), the
minutes and the invitations as text: escaped in every HTML part, never as live markup. The pages
and charts are checked in test_page_escaping.py."""
from datetime import date

from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.okrs import operations as okr_operations
from okrapp.admin import operations as admin
from okrapp.board import operations as board
from okrapp.incentives import operations as incentives
from okrapp.okrs import operations as okrs
from okrapp.reviews import operations as reviews
from okrapp.conflicts.operations import refresh_items

from tests.factories import make_user, metric


FIELDS = ["user name", "leader name", "board member name", "unit name", "unit description", "cycle name",
          "metric name", "objective title", "objective description", "key result title", "check-in comment",
          "incentive name", "incentive note", "custom incentive", "recipient name", "schedule name", "decision text",
          "covering note"]
SHOWN = {"decision text", "incentive name", "key result title", "leader name", "objective title", "unit name",
         "covering note"}


def payload(field: str) -> str:
    return f'<b class="inj">{field}</b>'


def test_user_entered_text_is_escaped_in_every_mail(app, smtp, clock):
    ceo = make_user("executive", name=payload("user name"))
    leader = make_user("unit_leader", name=payload("leader name"))
    member = make_user("board", name=payload("board member name"))
    unit = admin.save_unit(None, payload("unit name"), "business_unit", payload("unit description"), [leader])
    cycle = admin.save_cycle(None, payload("cycle name"), date(2026, 10, 1), date(2026, 12, 31))
    custom = okr_operations.create_metric(payload("metric name"), "pcs", 0, 1000)
    objective = okrs.create_objective(cycle, payload("objective title"), payload("objective description"), ceo)
    kr = okrs.save_key_result(None, objective, title=payload("key result title"), metric=metric("csat"), baseline=70,
                              target=90, accountable_unit=unit, contributors=[], weight=1, commitment="committed",
                              by=ceo)
    okrs.record_check_in(kr, 75, 6, payload("check-in comment"), ceo)
    incentives.save_incentive(None, unit=unit, name=payload("incentive name"), metric=metric("csat"),
                              direction="decrease", weight=0.5, target=None, period="2026", note=payload("incentive note"),
                              by=ceo)
    incentives.save_incentive(None, unit=unit, name=payload("custom incentive"), metric=custom, direction="increase",
                              weight=0.2, target=None, period="", note="", by=ceo)
    refresh_items()  # the conflicts the board mail lists (the scheduler does this in production)
    board.add_recipient("owners@example.com", payload("recipient name"))
    schedule = reviews.save_schedule(None, name=payload("schedule name"), cadence="weekly", weekday=3,
                                     time_of_day="09:00", timezone="Europe/Helsinki", cron="", duration_minutes=60,
                                     reminder_days=2, chair=ceo, participants=[ceo, leader],
                                     anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    meeting = reviews.upcoming(1)[0]
    reviews.add_decision(meeting, kind="action", text=payload("decision text"), by=ceo, objective=objective,
                         owner=leader, due_on=date(2026, 12, 1))
    clock.advance(days=4)
    reviews.close_meeting(meeting, ceo)
    board.save_note("2026-11", payload("covering note"), by=ceo, version=0)
    board.send("2026-11", early=True)
    db.session.commit()
    assert member and schedule

    parts = {f"{m.category}: {m.subject}": m.html_body for m in db.session.scalars(select(OutboxMessage))}
    categories = {key.split(":")[0] for key in parts}
    assert {"invitation", "minutes", "board_summary"} <= categories, categories
    for name, body in parts.items():
        assert '<b class="inj">' not in body, f"unescaped markup in {name}"
    rendered = "\n".join(parts.values()).replace("&#34;", '"').replace("&quot;", '"')
    shown = {field for field in FIELDS if f'&lt;b class="inj"&gt;{field}&lt;/b&gt;' in rendered}
    assert shown >= SHOWN  # the fields these mails show arrive escaped: the check above is not vacuous
