"""Board summaries: content matches the app, exactly once per recipient, retries, acknowledgement."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from okrapp.core.background import jobs
from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary, SummaryDelivery
from okrapp.conflicts.operations import refresh_items
from okrapp.board import operations as board
from okrapp.incentives.operations import save_incentive
from okrapp.okrs.operations import record_check_in
from okrapp.okrs.scoreboard import scoreboard

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

SUBJECT = "Customer priorities — board summary, October 2026"


OCTOBER = datetime(2026, 10, 20, 8, 0)


@pytest.fixture
def company(clock):
    """Built in October, summarised in November: the October summary shows this state."""
    start, clock.now = clock.now, OCTOBER
    ceo = make_user("executive", name="Aino Virtanen")
    leader = make_user("unit_leader")
    delivery, partner = make_unit("Delivery", leaders=[leader]), make_unit("Last Mile Oy", kind="partner")
    cycle = make_cycle("2026 Q4")
    first = make_objective(cycle, title="One smooth delivery", by=ceo)
    second = make_objective(cycle, title="Customers stay", by=ceo)
    on_time = make_key_result(first, unit=partner, metric_key="csat", baseline=80, target=95, by=ceo)
    churn = make_key_result(second, unit=delivery, metric_key="churn_rate", baseline=9, target=6, by=ceo)
    record_check_in(on_time, 88, 8, "", ceo)
    record_check_in(churn, 8.9, 3, "", ceo)
    save_incentive(None, unit=delivery, name="Cheap installs", metric=metric("csat"), direction="decrease",
                   weight=0.5, target=None, period="", note="", by=ceo)
    members = [make_user("board", name="Pekka Nieminen", email="pekka@example.com"),
               make_user("board", name="Liisa Koski", email="liisa@example.com")]
    board.add_recipient("owners@example.com", "Owners' representative")
    db.session.commit()
    refresh_items()  # what the scheduler does after the save
    db.session.commit()
    clock.now = start
    return dict(ceo=ceo, cycle=cycle, first=first, second=second, on_time=on_time, churn=churn, members=members)


def received(smtp, address):
    return [m for m in smtp.to(address) if m["Subject"] == SUBJECT]


def test_summary_is_multipart_with_figures_from_the_app(runner, company, smtp, clock):
    result = runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    [message] = received(smtp, "pekka@example.com")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    views = scoreboard(company["cycle"], clock.now.date())
    for view in views:
        pct = f"{round(view.score.progress * 100)} %"
        assert f"{view.objective.rank}. {view.objective.title} — {pct}" in text
        assert view.objective.title in html and pct in html
    assert "DELIVERED WITH PARTNERS" in text and "(Last Mile Oy): 88 % of 95 %" in text
    assert "Top risks".upper() in text and "accountable: Delivery" in text
    assert "Opened in the period: 1" in text
    assert "<script" not in html.lower() and "src=" not in html.lower()
    stored = db.session.scalar(select(BoardSummary))
    figures = json.loads(stored.figures)
    assert [o["score"] for o in figures["objectives"]] == [round(v.score.progress, 4) for v in views]


def test_sent_once_per_recipient_however_often_it_runs(runner, company, smtp):
    for _ in range(2):
        assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    jobs.run_job("board.summary", "2026-10")
    for address in ("pekka@example.com", "liisa@example.com", "owners@example.com"):
        assert len(received(smtp, address)) == 1
    assert db.session.scalar(select(func.count()).select_from(SummaryDelivery)) == 3


def test_paused_recipient_gets_nothing(runner, company, smtp, login):
    admin = login(make_user("admin"))
    admin.post("/board/recipients/pause", data={"email": "liisa@example.com", "paused": "1"})
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    assert received(smtp, "liisa@example.com") == [] and len(received(smtp, "pekka@example.com")) == 1


def test_refused_recipient_is_retried_and_visible(runner, company, smtp, clock, login):
    smtp.refuse.add("owners@example.com")
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    assert received(smtp, "owners@example.com") == [] and len(received(smtp, "pekka@example.com")) == 1
    summary = db.session.scalar(select(BoardSummary))
    page = login(make_user("admin")).get(f"/board/summaries/{summary.id}").data.decode()
    assert "550" in page
    smtp.refuse.clear()
    clock.advance(minutes=2)
    mail.deliver_pending()
    assert len(received(smtp, "owners@example.com")) == 1


def test_scheduled_on_first_monday_and_run_once_by_two_schedulers(company, smtp, clock):
    clock.now = datetime(2026, 11, 2, 5, 59)  # Monday 2 Nov, 07:59 in Helsinki
    assert "2026-10" not in board.due_periods(clock.now)
    clock.now = datetime(2026, 11, 2, 6, 0)
    assert "2026-10" in board.due_periods(clock.now)
    jobs.tick()
    jobs.tick()
    assert len(received(smtp, "pekka@example.com")) == 1


def test_cycle_end_summary_is_due_the_next_morning(company, clock):
    clock.now = datetime(2027, 1, 1, 6, 30)  # 08:30 Helsinki on the day after 2026 Q4 ended
    assert f"cycle-{company['cycle'].id}" in board.due_periods(clock.now)
    assert board.subject_for(f"cycle-{company['cycle'].id}") == "Customer priorities — board summary, end of 2026 Q4"


def test_acknowledgement_link_does_one_thing(runner, company, smtp, client, monkeypatch):
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    [message] = received(smtp, "pekka@example.com")
    url = re.search(r"I have read this summary: (\S+)", message.get_body(("plain",)).get_content()).group(1)
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "Confirm that you, pekka@example.com" in page.data.decode()
    delivery = db.session.scalar(select(SummaryDelivery).where(SummaryDelivery.recipient == "pekka@example.com"))
    assert delivery.acknowledged_at is None  # a GET changes nothing
    assert client.post("/" + path).status_code == 200
    db.session.refresh(delivery)
    assert delivery.acknowledged_at is not None
    assert client.get("/board").status_code == 302  # the link logs nobody in
    assert client.get("/" + path[:-3] + "xyz").status_code == 400
    monkeypatch.setattr(board, "ACK_MAX_AGE", timedelta(seconds=-1))
    assert "expired" in client.get("/" + path).data.decode()


def test_archive_keeps_the_exact_snapshot_and_logs_resends(runner, company, smtp, login, clock):
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    summary = db.session.scalar(select(BoardSummary))
    before = summary.html_body
    record_check_in(company["on_time"], 94, 9, "", company["ceo"])
    db.session.commit()
    member = login(company["members"][0])
    assert SUBJECT in member.get("/board").data.decode()
    assert member.get(f"/board/summaries/{summary.id}/email.html").data.decode() == before
    assert member.post(f"/board/summaries/{summary.id}/resend", data={"email": "pekka@example.com"}).status_code == 403
    admin_user = make_user("admin", name="Sanna Laine")
    admin = login(admin_user)
    admin.post(f"/board/summaries/{summary.id}/resend", data={"email": "pekka@example.com"})
    mail.deliver_pending()
    assert len(received(smtp, "pekka@example.com")) == 2
    resend = db.session.scalar(select(SummaryDelivery).where(SummaryDelivery.kind == "resend"))
    assert (resend.recipient, resend.created_by_id, resend.resend_no) == ("pekka@example.com", admin_user.id, 1)
    assert "resend #1 by Sanna Laine" in admin.get(f"/board/summaries/{summary.id}").data.decode()


def test_admin_preview_and_send_now(company, smtp, login):
    admin = login(make_user("admin"))
    page = admin.get("/board/preview?period=2026-10").data.decode()
    assert SUBJECT in page and "One smooth delivery" in page
    assert db.session.scalar(select(func.count()).select_from(BoardSummary)) == 0  # preview saves nothing
    assert admin.post("/board/send", data={"period": "2026-10"}).status_code == 302
    assert received(smtp, "liisa@example.com") == []  # the request only queues; no SMTP inside it
    mail.deliver_pending()
    assert len(received(smtp, "liisa@example.com")) == 1
    bad = admin.post("/board/send", data={"period": "October"}, follow_redirects=True)
    assert "A period looks like 2026-10." in bad.data.decode()


def test_only_admins_manage_summaries(company, login):
    for user in (company["members"][0], company["ceo"]):
        client = login(user)
        assert client.get("/board").status_code == 200
        for url, data in [("/board/send", {"period": "2026-10"}), ("/board/settings", {}),
                          ("/board/recipients", {"email": "x@example.com"}),
                          ("/board/recipients/pause", {"email": "pekka@example.com", "paused": "1"})]:
            assert client.post(url, data=data).status_code == 403
    assert login(make_user("unit_leader")).get("/board").status_code == 403


def test_cli_preview_prints_the_text_part_and_rejects_bad_periods(runner, company):
    result = runner.invoke(args=["board-summary", "preview", "--period", "2026-10"])
    assert result.exit_code == 0 and f"Subject: {SUBJECT}" in result.output and "1. One smooth delivery" in result.output
    assert runner.invoke(args=["board-summary", "preview", "--period", "2026-13"]).exit_code == 2
    assert db.session.scalar(select(func.count()).select_from(BoardSummary)) == 0


def test_settings_validate_and_save(login):
    admin = login(make_user("admin"))
    bad = admin.post("/board/settings", data={"weekday": 0, "time_of_day": "8 o'clock", "timezone": "Europe/Helsinki",
                                              "active": "y"})
    assert bad.status_code == 422 and "Time must look like 09:00" in bad.data.decode()
    both = admin.post("/board/settings", data={"weekday": 0, "time_of_day": "8 o'clock", "timezone": "Nowhere/City",
                                               "active": "y"}).data.decode()
    assert "Time must look like 09:00" in both and "Unknown time zone" in both
    ok = admin.post("/board/settings", data={"weekday": 1, "time_of_day": "07:30", "timezone": "Europe/Helsinki",
                                             "active": "y", "cycle_end": "y"})
    assert ok.status_code == 302 and board.schedule().weekday == 1


def test_a_large_company_summary_names_the_first_objectives_and_counts_the_rest(runner, company, smtp, clock):
    from okrapp.board.rules import BOARD_OBJECTIVES
    clock.now, now = OCTOBER, clock.now
    extra = [make_objective(company["cycle"], title=f"Regional objective {i}", by=company["ceo"])
             for i in range(BOARD_OBJECTIVES)]  # two listed before them: these make 2 + 10
    for objective in extra:
        make_key_result(objective, metric_key="nps", baseline=10, target=40, by=company["ceo"])
    clock.now = now
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    [message] = received(smtp, "pekka@example.com")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    listed = [o.title for o in extra[:BOARD_OBJECTIVES - 2]]
    hidden = [o.title for o in extra[BOARD_OBJECTIVES - 2:]]
    assert all(f"{title} —" in text for title in listed) and not any(f"{t} —" in text for t in hidden)
    assert "And 2 more objectives: 0 on track, 0 at risk, 2 off track." in text
    assert "And 2 more objectives: 0 on track, 0 at risk, 2 off track" in html
    figures = json.loads(db.session.scalar(select(BoardSummary.figures)))
    assert len(figures["objectives"]) == BOARD_OBJECTIVES and len(figures["scores"]) == BOARD_OBJECTIVES + 2


def test_a_refused_recipient_is_said_beside_the_field_and_keeps_what_was_typed(login):
    admin = login(make_user("admin"))
    bad = admin.post("/board/recipients", data={"email": "owner at example", "name": "Owners' representative"})
    page = bad.data.decode()
    assert bad.status_code == 422 and 'value="owner at example"' in page and "Owners&#39; representative" in page
    assert re.search(r'<input checked id="active"|<input[^>]*id="active"[^>]*checked', page)  # the schedule as saved
    assert admin.post("/board/recipients", data={"email": "owner@example.com"}).status_code == 302
    again = admin.post("/board/recipients", data={"email": "owner@example.com"})
    assert again.status_code == 422 and "already receives the summary" in again.data.decode()
    assert [r["email"] for r in board.recipients(include_paused=True)].count("owner@example.com") == 1


def test_the_archive_writes_the_overall_change_as_the_mail_does(runner, company, smtp, login):
    """The page once wrote "-0.5 pts" and "+0.0 pts" where the mail says "−0.5 pts" and "±0"."""
    runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    summary = db.session.scalar(select(BoardSummary))
    member = login(company["members"][0])
    for change, shown in ((-0.005, "(−0.5 pts)"), (0.0001, "(±0)"), (0.012, "(+1.2 pts)")):
        figures = json.loads(summary.figures)
        figures["overall"]["change"] = change
        summary.figures = json.dumps(figures)
        db.session.commit()
        assert shown in member.get("/board").data.decode()
