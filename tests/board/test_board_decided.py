"""The board summary leads with what the leadership decided, counts each conflict once, shows a
past month as it stood at its end, carries the executive's covering note, and sends a running
month only after an explicit yes. Through the real database and a real SMTP server."""
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary, SummaryNote
from okrapp.conflicts.models import ConflictItem
from okrapp.reviews.models import ReviewDecision, ReviewMeeting
from okrapp.okrs.models import TargetChange
from okrapp.board import operations as board
from okrapp.reviews import operations as reviews
from okrapp.conflicts.operations import refresh_items
from okrapp.incentives.operations import save_incentive, save_link
from okrapp.okrs.operations import record_check_in

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

OCTOBER = datetime(2026, 10, 12, 9, 0)
OCTOBER_END = datetime(2026, 10, 31, 22, 0)  # 1 November 00:00 in Helsinki, in UTC
CHANGE = "Orders per sales rep (Equipment Sales): retired from 1 Jan 2027"
CHANGED_NOW = "Orders per sales rep (Equipment Sales): retired"  # in effect when decided
WHY = "The bonus pays for orders the delivery team then cannot install on time."


def subject(month):
    return f"Customer priorities — board summary, {month}"


def parts(message):
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    return text.replace("\r\n", "\n"), html


def make_item(title, level="high", first_seen_at=None, status="open", **fields):
    item = ConflictItem(key=f"criterion:{title}", kind="criterion", metric_id=metric("csat").id, direction=1,
                        title=title, severity={"high": 0.2, "medium": 0.05, "low": 0.01, "tension": 0.0}[level],
                        level=level, status=status, first_seen_at=first_seen_at, last_seen_at=first_seen_at, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def make_meeting(starts_at):
    meeting = ReviewMeeting(slot=f"test@{starts_at.isoformat()}", starts_at=starts_at,
                            ends_at=starts_at + timedelta(hours=1), uid=f"{starts_at.timestamp()}@test", status="closed")
    db.session.add(meeting)
    db.session.flush()
    return meeting


@pytest.fixture
def company(clock):
    """Built in October; the October summary goes out in November."""
    start, clock.now = clock.now, OCTOBER
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    sales = make_unit("Equipment Sales")
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, title="One smooth delivery", by=ceo)
    kr = make_key_result(objective, unit=sales, metric_key="csat", baseline=80, target=90, by=ceo)
    record_check_in(kr, 85, 7, "", ceo)
    orders = save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("csat"), direction="decrease",
                            weight=0.5, target=None, period="", note="", by=ceo)
    make_user("board", name="Pekka Nieminen", email="pekka@example.com")
    db.session.commit()
    clock.now = start
    return dict(ceo=ceo, sales=sales, cycle=cycle, objective=objective, kr=kr, orders=orders)


def decide(company, *, at, settles, kind="incentive", text=WHY, changes=(CHANGE,), effective_on=date(2027, 1, 1)):
    """A decision row as the review service records it: what it changed, why, and what it settled."""
    decision = ReviewDecision(meeting=make_meeting(at), kind=kind, text=text, incentive_id=company["orders"].id,
                              changes=json.dumps(list(changes)), effective_on=effective_on, created_at=at,
                              created_by_id=company["ceo"].id)
    decision.settles = list(settles)
    db.session.add(decision)
    db.session.flush()
    for item in settles:
        item.settled_by_id, item.status, item.resolved_at = decision.id, "resolved", at
    db.session.commit()
    return decision


def send(runner, period, *extra):
    result = runner.invoke(args=["board-summary", "send", "--period", period, *extra])
    assert result.exit_code == 0, result.output
    return result


def figures_of(period):
    return json.loads(db.session.scalar(select(BoardSummary.figures).where(BoardSummary.period == period)))


def test_the_month_summary_leads_with_the_decision_its_change_why_and_the_conflicts_it_settled(
        runner, company, smtp):
    gone = make_item("Orders per sales rep ↓ works against delivery CSAT", first_seen_at=datetime(2026, 10, 2, 7))
    stays = make_item("Installation speed ↑ works against first-time fix", level="medium",
                      first_seen_at=datetime(2026, 10, 3, 7))
    db.session.commit()
    decide(company, at=datetime(2026, 10, 20, 10), settles=[gone, stays], changes=(CHANGED_NOW,),
           effective_on=date(2026, 10, 20))
    gone.present, stays.present = False, True  # the scan after the change: one gone, one still there
    db.session.commit()
    send(runner, "2026-10")
    [message] = [m for m in smtp.to("pekka@example.com") if m["Subject"] == subject("October 2026")]
    text, html = parts(message)
    for body in (text, html):
        assert "Orders per sales rep (Equipment Sales)" in body  # the incentive it is about
        assert f"Changed: {CHANGED_NOW}" in body
        assert WHY in body
        assert "Conflicts settled: 2" in text or "Conflicts settled: <strong>2</strong>" in body
        assert "Orders per sales rep ↓ works against delivery CSAT (high): confirmed: no longer detected" in body
        assert "Installation speed ↑ works against first-time fix (medium): decided, but still detected" in body
    assert text.index("WHAT THE LEADERSHIP DECIDED") < text.index("OPEN CONFLICTS BY LEVEL AND AGE") \
        < text.index("SHARED CUSTOMER OBJECTIVES")
    assert html.index("What the leadership decided") < html.index("Shared customer objectives")
    [decided] = figures_of("2026-10")["decided"]
    assert (decided["settled_count"], decided["confirmed"], decided["still_detected"]) == (2, 1, 1)


def test_a_decision_after_the_period_waits_for_the_next_summary(runner, company, smtp, clock):
    decide(company, at=datetime(2026, 11, 3, 10), settles=[], text="Decided in November.")
    send(runner, "2026-10")
    text, _ = parts(smtp.to("pekka@example.com")[0])
    assert "Decided in November." not in text and "No decisions in this period." in text
    clock.now = datetime(2026, 12, 7, 8)
    send(runner, "2026-11")
    assert [d["why"] for d in figures_of("2026-11")["decided"]] == ["Decided in November."]


def test_opened_counts_each_conflict_once_across_consecutive_summaries(runner, company, clock):
    """The running month sent at 08:00:30: an item seen at 08:00:10 belongs to it, one seen at
    08:00:45 (the same minute) to the next; neither is counted twice."""
    clock.now = datetime(2026, 11, 16, 8, 0, 10)
    make_item("Seen before the summary", first_seen_at=clock.now)
    db.session.commit()
    clock.now = datetime(2026, 11, 16, 8, 0, 30)
    send(runner, "2026-11", "--yes")
    end = db.session.scalar(select(BoardSummary.covers_to).where(BoardSummary.period == "2026-11"))
    assert end == datetime(2026, 11, 16, 8, 0, 30)  # stored with its seconds, not cut to the minute
    make_item("Seen in the same minute, after", first_seen_at=datetime(2026, 11, 16, 8, 0, 45))
    db.session.commit()
    clock.now = datetime(2027, 1, 4, 8)
    send(runner, "2026-12")
    november = {c["title"] for c in figures_of("2026-11")["conflicts_opened"]}
    december = {c["title"] for c in figures_of("2026-12")["conflicts_opened"]}
    assert november == {"Seen before the summary"}
    assert december == {"Seen in the same minute, after"}
    assert november.isdisjoint(december)


def test_an_item_seen_in_the_last_second_of_a_month_is_that_months(runner, company, clock):
    make_item("Last moment of October", first_seen_at=OCTOBER_END)
    make_item("First moment of November", first_seen_at=OCTOBER_END + timedelta(microseconds=1))
    db.session.commit()
    send(runner, "2026-10")
    clock.now = datetime(2026, 12, 7, 8)
    send(runner, "2026-11")
    assert [c["title"] for c in figures_of("2026-10")["conflicts_opened"]] == ["Last moment of October"]
    assert [c["title"] for c in figures_of("2026-11")["conflicts_opened"]] == ["First moment of November"]
    assert figures_of("2026-11")["covers_from"] == figures_of("2026-10")["covers_to"]


def test_a_past_month_shows_values_and_targets_as_of_its_end(runner, company, smtp, clock):
    kr, ceo = company["kr"], company["ceo"]
    clock.now = datetime(2026, 11, 10, 9)
    record_check_in(kr, 89, 9, "", ceo)  # November: not October's figure
    db.session.add(TargetChange(key_result_id=kr.id, old_target=90, new_target=95, reason="stretch",
                                changed_at=clock.now, changed_by_id=ceo.id))
    kr.target = 95
    make_objective(company["cycle"], title="Added in November", by=ceo)
    db.session.commit()
    clock.now = datetime(2026, 11, 16, 8)
    send(runner, "2026-10")
    october = figures_of("2026-10")
    [objective] = october["objectives"]
    [line] = objective["key_results"]
    assert (line["current"], line["target"]) == (85, 90)
    assert objective["score"] == 0.5 and october["as_of"] == "2026-10-31"  # (85 - 80) / (90 - 80)
    text, html = parts(smtp.to("pekka@example.com")[0])
    assert "85 % / target 90 %" in text and "Added in November" not in text
    figures, text, _ = board.compose("2026-11")  # the running month: as of now
    assert figures["objectives"][0]["key_results"][0]["current"] == 89 and "Added in November" in text


def test_open_conflicts_are_shown_by_level_and_age_as_of_the_end(runner, company, smtp):
    make_item("Old high item", first_seen_at=datetime(2026, 8, 1, 12))
    make_item("New high item", first_seen_at=datetime(2026, 10, 25, 12))
    make_item("Medium item", level="medium", first_seen_at=datetime(2026, 10, 1, 12))
    make_item("Settled in November", first_seen_at=datetime(2026, 9, 1, 12), status="resolved",
              resolved_at=datetime(2026, 11, 5))
    make_item("Seen in November", first_seen_at=datetime(2026, 11, 2))
    make_item("Only a tension", level="tension", first_seen_at=datetime(2026, 9, 1))
    db.session.commit()
    send(runner, "2026-10")
    high, medium, low = figures_of("2026-10")["open_by_age"]
    assert (high["count"], high["oldest"]) == (3, {"title": "Old high item", "days": 91})
    assert high["ages"] == {"under_30": 1, "30_to_90": 1, "over_90": 1}
    assert (medium["count"], low["count"], low["oldest"]) == (1, 0, None)
    text, html = parts(smtp.to("pekka@example.com")[0])
    assert "- high: 3 open (1 under 30 days, 1 30–90 days, 1 over 90 days); oldest: Old high item, open 91 days" in text
    assert "Old high item, open 91 days" in html


def test_executive_previews_and_adds_a_covering_note_shown_at_the_top(runner, company, smtp, login, clock):
    ceo = login(company["ceo"])
    page = ceo.get("/board/preview")  # the next summary: October's, not yet made
    assert page.status_code == 200 and subject("October 2026") in page.data.decode()
    note = "Delivery first this quarter. <script>alert(1)</script>"
    saved = ceo.post("/board/note", data={"period": "2026-10", "text": note, "version": ""})
    assert saved.status_code == 302
    assert "Delivery first this quarter." in ceo.get("/board/preview?period=2026-10").data.decode()
    send(runner, "2026-10")
    text, html = parts(smtp.to("pekka@example.com")[0])
    assert text.index("A NOTE FROM THE LEADERSHIP\n" + note) < text.index("WHAT THE LEADERSHIP DECIDED")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert html.index("A note from the leadership") < html.index("What the leadership decided")
    summary = db.session.scalar(select(BoardSummary))
    archived = login(make_user("board")).get(f"/board/summaries/{summary.id}/email.html").data.decode()
    assert "Delivery first this quarter. &lt;script&gt;" in archived
    assert "Delivery first this quarter. &lt;script&gt;" in login(company["ceo"]).get("/board").data.decode()
    late = ceo.post("/board/note", data={"period": "2026-10", "text": "Too late", "version": "1"})
    assert late.status_code == 302 and "/board/summaries/" in late.location  # made: the preview shows the snapshot
    assert db.session.scalar(select(SummaryNote.text)) == note
    assert ceo.get("/board/preview").status_code == 200  # the next one is now November's
    assert "November 2026" in ceo.get("/board/preview").data.decode()


def test_a_note_is_short_and_refuses_a_stale_save(company, login):
    ceo, cfo = login(company["ceo"]), login(make_user("executive", name="Juha Heikkinen"))
    assert ceo.post("/board/note", data={"period": "2026-10", "text": "First words.", "version": ""}).status_code == 302
    unseen = cfo.post("/board/note", data={"period": "2026-10", "text": "Mine first?", "version": ""})
    assert unseen.status_code == 409  # loaded before the CEO's note existed: it is not overwritten
    long = cfo.post("/board/note", data={"period": "2026-10", "text": "x" * 601, "version": "1"})
    assert long.status_code == 422 and "600 characters" in long.data.decode()
    assert cfo.post("/board/note", data={"period": "2026-10", "text": "Mine.", "version": "1"}).status_code == 302
    stale = ceo.post("/board/note", data={"period": "2026-10", "text": "Overwrite?", "version": "1"})
    assert stale.status_code == 409 and "Juha Heikkinen changed this note meanwhile" in stale.data.decode()
    assert db.session.scalar(select(SummaryNote.text)) == "Mine."
    assert ceo.post("/board/note", data={"period": "October", "text": "x"}).status_code == 400


def test_who_may_preview_and_write_the_note(company, login):
    for role, allowed in (("admin", True), ("executive", True), ("board", False), ("unit_leader", False)):
        client = login(make_user(role))
        assert (client.get("/board/preview?period=2026-10").status_code == 200) is allowed
        assert (client.post("/board/note", data={"period": "2026-10", "text": role}).status_code == 403) is not allowed
    assert login(company["ceo"]).post("/board/send", data={"period": "2026-10"}).status_code == 403


def test_sending_the_running_month_early_needs_an_explicit_yes(runner, company, smtp, login, clock):
    refused = runner.invoke(args=["board-summary", "send", "--period", "2026-11"], input="n\n")
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-11"]).exit_code == 2  # no answer: no
    admin = login(make_user("admin"))
    page = admin.get("/board/preview?period=2026-11").data.decode()
    assert "still running" in page and 'name="early"' in page
    assert "name=\"early\"" not in admin.get("/board/preview?period=2026-10").data.decode()
    answer = admin.post("/board/send", data={"period": "2026-11"}, follow_redirects=True).data.decode()
    assert "November 2026 is still running" in answer and "Confirm to send it early" in answer
    assert db.session.scalar(select(func.count()).select_from(BoardSummary)) == 0
    assert admin.post("/board/send", data={"period": "2026-11", "early": "y"}).status_code == 302
    jobs.tick()  # delivers it (and sends October's, which is due)
    assert [m["Subject"] for m in smtp.to("pekka@example.com")] == [subject("November 2026"), subject("October 2026")]
    assert "November 2026" not in " ".join(board.due_periods(clock.now))  # the scheduler never sends it early
    clock.now = datetime(2026, 12, 20, 8)
    send(runner, "2026-12", "--yes")  # the CLI's yes
    confirmed = runner.invoke(args=["board-summary", "send", "--period", "2026-12"])
    assert confirmed.exit_code == 0  # made already: nothing left to confirm, nobody gets it twice
    assert len(smtp.to("pekka@example.com")) == 3


def test_cli_asks_and_a_yes_sends(runner, company, smtp):
    result = runner.invoke(args=["board-summary", "send", "--period", "2026-11"], input="y\n")
    assert result.exit_code == 0 and "still running" in result.output
    assert [m["Subject"] for m in smtp.to("pekka@example.com")] == [subject("November 2026")]


def test_a_period_not_begun_is_refused(runner, company):
    result = runner.invoke(args=["board-summary", "preview", "--period", "2027-03"])
    assert result.exit_code == 2 and "has not begun" in result.output


def test_composing_needs_the_same_queries_whatever_the_size(company, clock):
    def statements():
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            board.compose("2026-10")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    decide(company, at=datetime(2026, 10, 20), settles=[make_item("One", first_seen_at=OCTOBER)])
    small = statements()
    clock.now = OCTOBER
    ceo = company["ceo"]
    for n in range(3):
        objective = make_objective(company["cycle"], title=f"More {n}", by=ceo)
        for m in range(3):
            record_check_in(make_key_result(objective, unit=company["sales"], by=ceo), 75 + m, 6, "", ceo)
        decide(company, at=datetime(2026, 10, 21 + n),
               settles=[make_item(f"Item {n}-{k}", first_seen_at=OCTOBER) for k in range(2)])
    db.session.commit()
    clock.now = datetime(2026, 11, 16, 8)
    db.session.expire_all()
    assert statements() == small


def test_a_retired_incentive_reaches_the_board_through_the_review_page(runner, login, smtp, clock):
    """End to end: recorded in a review in October, confirmed by the scheduler's refresh, in the
    October summary's text and HTML parts with the incentive, the change, the why and the count."""
    clock.now = OCTOBER
    ceo = make_user("executive", name="Aino Virtanen")
    sales, care = make_unit("Equipment Sales"), make_unit("Customer Care")
    objective = make_objective(make_cycle("2026 Q4"), title="Customers get what they ordered", by=ceo)
    make_key_result(objective, unit=care, metric_key="csat", baseline=70, target=85, by=ceo)
    save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("revenue"), direction="increase",
                   weight=0.5, target=14, period="2026", note="", by=ceo)
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo], anchor_on=clock.now.date())
    reviews.plan_meetings()
    make_user("board", name="Pekka Nieminen", email="pekka@example.com")
    db.session.commit()
    refresh_items()
    db.session.commit()
    [item] = db.session.scalars(select(ConflictItem)).all()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    response = login(ceo).post(f"/reviews/{meeting.id}/decisions", data={
        "kind": "incentive", "criterion": "revenue:+", "change": "retire", "text": WHY})
    assert response.status_code == 302
    jobs.tick()  # the refresh: the bonus is gone, so is the conflict
    clock.now = datetime(2026, 11, 16, 8)
    send(runner, "2026-10")
    [message] = [m for m in smtp.to("pekka@example.com") if m["Subject"] == subject("October 2026")]
    text, html = parts(message)
    for body in (text, html):
        assert "Orders per sales rep (Equipment Sales): retired" in body and WHY in body
        assert f"{item.title} ({item.level}): confirmed: no longer detected" in body
    assert "Conflicts settled: 1" in text and "Conflicts settled: <strong>1</strong>" in html
