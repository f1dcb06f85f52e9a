"""Jobs run once per period, whatever runs them; missed runs are made up once; the outbox."""
import threading
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from okrapp.core.background import jobs
from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import JobRun, OutboxMessage, apscheduler_jobs
from okrapp.reviews.models import ReviewMeeting
from okrapp.reviews import operations as reviews

from tests.conftest import make_app
from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user


def setup_team():
    ceo = make_user("executive", email="ceo@example.com")
    leader = make_user("unit_leader", email="lead@example.com")
    unit = make_unit("Delivery", leaders=[leader])
    make_key_result(make_objective(make_cycle("2026 Q4"), by=ceo), unit=unit, by=ceo)
    reviews.save_schedule(None, name="Review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo, leader], anchor_on=date(2026, 11, 16))
    db.session.commit()
    return ceo, leader


def runs():
    db.session.expire_all()
    return sorted((r.job, r.period, r.status) for r in db.session.scalars(select(JobRun)))


def test_two_schedulers_run_each_due_period_once(app, database_url, tmp_path, clock, smtp):
    setup_team()
    clock.now = datetime(2026, 11, 17, 8, 0)  # a reminder is due for the review of 19 Nov
    other = make_app(database_url, tmp_path, OKRAPP_CLOCK=clock, OKRAPP_SMTP_HOST="127.0.0.1",
                     OKRAPP_SMTP_PORT=app.config["OKRAPP_SMTP_PORT"])
    barrier = threading.Barrier(2)
    errors = []

    def scheduler(application, name):
        try:
            with application.app_context():
                barrier.wait()
                jobs.tick(claimed_by=name)
                db.session.remove()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(a, n)) for a, n in ((app, "one"), (other, "two"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with other.app_context():
        db.engine.dispose()
    assert errors == []
    done = runs()
    assert len(done) == len(set((j, p) for j, p, _ in done))
    assert ("reviews.plan", "2026-11-17", "done") in done and ("conflicts.refresh", "2026-11-17", "done") in done
    meetings = db.session.scalar(select(func.count()).select_from(ReviewMeeting))
    assert len([m for m in smtp.to("lead@example.com") if m["Subject"].startswith("Invitation")]) == meetings
    assert len([m for m in smtp.to("lead@example.com") if m["Subject"].startswith("Check in")]) == 1


def test_missed_run_is_made_up_once_when_the_scheduler_starts(clock, smtp):
    setup_team()
    clock.now = datetime(2026, 11, 16, 8, 0)
    jobs.tick()
    before = runs()
    assert not [r for r in before if r[0] == "reviews.remind"]
    clock.now = datetime(2026, 11, 18, 20, 0)  # down for two and a half days; the reminder was due on the 17th
    jobs.tick()  # what the scheduler does at start
    jobs.tick()  # and on the next tick
    made_up = [r for r in runs() if r not in before]
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    assert ("reviews.remind", f"meeting-{meeting.id}", "done") in made_up
    assert [r for r in made_up if r[0] == "reviews.plan"] == [("reviews.plan", "2026-11-18", "done")]
    assert len([m for m in smtp.to("lead@example.com") if m["Subject"].startswith("Check in")]) == 1


def test_agenda_is_generated_the_day_before(clock):
    setup_team()
    jobs.tick()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    assert meeting.agenda == ""
    clock.now = meeting.starts_at - timedelta(hours=20)
    jobs.tick()
    db.session.refresh(meeting)
    assert meeting.agenda_at == clock.now and '"priorities"' in meeting.agenda


def test_jobs_cli_lists_and_runs_one_period_once(runner, clock):
    setup_team()
    listing = runner.invoke(args=["jobs"])
    assert listing.exit_code == 0 and "reviews.plan" in listing.output and "due now: 2026-11-16" in listing.output
    first = runner.invoke(args=["jobs", "run", "conflicts.refresh", "--period", "2026-11-01"])
    assert first.exit_code == 0 and "done" in first.output
    again = runner.invoke(args=["jobs", "run", "conflicts.refresh", "--period", "2026-11-01"])
    assert "already ran for this period" in again.output
    assert runner.invoke(args=["jobs", "run", "nonsense"]).exit_code == 2
    assert [r for r in runs() if r[1] == "2026-11-01"] == [("conflicts.refresh", "2026-11-01", "done")]


def job_line(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(f"{name} "))


def test_jobs_cli_shows_a_daily_job_that_ran_today_with_its_last_run_and_next_due_time(runner, clock):
    setup_team()
    assert "due now: 2026-11-16" in job_line(runner.invoke(args=["jobs"]).output, "conflicts.refresh")
    assert "2026-11-16: done" in runner.invoke(args=["jobs", "run", "conflicts.refresh"]).output  # 10:00 in Helsinki
    clock.advance(hours=3)
    listing = runner.invoke(args=["jobs"])
    assert listing.exit_code == 0
    ran = job_line(listing.output, "conflicts.refresh")
    assert "due now:" not in ran
    assert "last run 16 Nov 2026, 10:00 (2026-11-16, done)" in ran and "next due 17 Nov 2026, 00:00" in ran
    assert "due now: 2026-11-16" in job_line(listing.output, "incentives.apply")  # a daily job that has not run
    clock.advance(hours=12)  # 01:00 on the 17th in Helsinki, 23:00 on the 16th in UTC
    assert "due now: 2026-11-17" in job_line(runner.invoke(args=["jobs"]).output, "conflicts.refresh")


def test_jobs_cli_shows_a_period_that_waits_for_its_retry_not_as_due(runner, clock):
    assert runner.invoke(args=["jobs", "run", "reviews.remind", "--period", "meeting-999"]).exit_code == 1
    line = job_line(runner.invoke(args=["jobs"]).output, "reviews.remind")
    assert "last run 16 Nov 2026, 10:00 (meeting-999, retrying)" in line and "due now:" not in line
    assert "meeting-999 retried at 16 Nov 2026, 10:01" in line


def test_failed_job_is_recorded_and_visible(runner, login):
    result = runner.invoke(args=["jobs", "run", "reviews.remind", "--period", "meeting-999"])
    assert result.exit_code == 1 and "retrying" in result.output
    assert runs() == [("reviews.remind", "meeting-999", "retrying")]
    page = login(make_user("admin")).get("/admin/jobs").data.decode()
    assert "no meeting for period" in page


def test_persistent_job_store_keeps_one_tick_job(app):
    from okrapp.core.background.scheduler import DELIVER_ID, HEARTBEAT_ID, TICK_ID, build
    for _ in range(2):  # replace_existing: starting twice does not duplicate the job
        scheduler = build(app)
        scheduler.start(paused=True)
        scheduler.shutdown(wait=False)
    rows = db.session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all()
    assert sorted(r[0] for r in rows) == sorted([TICK_ID, DELIVER_ID, HEARTBEAT_ID])
    assert all(r[1] is not None for r in rows)


def test_refused_recipient_is_retried_with_backoff(smtp, clock, login):
    smtp.refuse.add("board@example.com")
    mail.queue("test:1", "board@example.com", "Hello", "Plain", "<p>Html</p>", category="test")
    db.session.commit()
    assert mail.deliver_pending() == (0, 1)
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 1) and "550" in message.last_error
    assert message.next_attempt_at == clock.now + timedelta(minutes=1)
    assert mail.deliver_pending() == (0, 0)  # not due yet
    smtp.refuse.clear()
    clock.advance(minutes=2)
    assert mail.deliver_pending() == (1, 0)
    assert len(smtp.to("board@example.com")) == 1
    assert mail.deliver_pending() == (0, 0)


def test_message_failing_every_retry_waits_for_an_admin(smtp, clock, login):
    smtp.refuse.add("x@example.com")
    mail.queue("test:2", "x@example.com", "Hello", "Plain", category="test")
    db.session.commit()
    for _ in range(len(mail.BACKOFF_MINUTES) + 1):
        mail.deliver_pending()
        clock.advance(hours=13)
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.status == "failed"
    admin = login(make_user("admin"))
    assert "x@example.com" in admin.get("/admin/outbox?status=failed").data.decode()
    smtp.refuse.clear()
    admin.post(f"/admin/outbox/{message.id}/retry")
    assert smtp.to("x@example.com") == []  # the request only queues it again
    assert mail.deliver_pending() == (1, 0)  # the scheduler sends it
    assert len(smtp.to("x@example.com")) == 1


def test_same_key_is_queued_once():
    assert mail.queue("k", "a@example.com", "S", "T") is not None
    assert mail.queue("k", "a@example.com", "S", "T") is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_file_backend_writes_eml_files_in_the_instance_outbox(app):
    mail.queue("file:1", "a@example.com", "Stored", "Body text")
    db.session.commit()
    assert mail.deliver_pending() == (1, 0)
    from pathlib import Path
    files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert any(b"Subject: Stored" in f.read_bytes() for f in files)
