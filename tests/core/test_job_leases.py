"""Background work survives a crash: job runs and outgoing messages are leases that run out when
their holder stops, failed runs are retried with backoff and then reported to admins."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from okrapp.core.background import jobs
from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import JobRun, OutboxMessage

from tests.factories import make_user


@pytest.fixture
def flaky(monkeypatch, app):
    """A job `test.flaky` that queues one message per period and fails its first `failures` attempts
    after queueing (so a failed attempt's mail must be rolled back with it)."""
    state = {"failures": 0, "calls": 0, "during": None}

    def run(period):
        state["calls"] += 1
        if state["during"]:
            state["during"]()
        mail.queue(f"flaky:{period}", "board@example.com", f"Flaky {period}", "Body")
        if state["calls"] <= state["failures"]:
            raise RuntimeError(f"attempt {state['calls']} broke")
        return "sent"

    job = jobs.Job("test.flaky", "A job that fails on demand", lambda now: [], run)
    monkeypatch.setitem(app.extensions["okrapp.jobs"]["jobs"], job.name, job)
    monkeypatch.setitem(app.config, "OKRAPP_JOB_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.config, "OKRAPP_JOB_MAX_ATTEMPTS", 3)
    return state


def sweep(holder):
    """The scheduler's sweep, seen through the flaky job only (the real jobs run too)."""
    return [r for r in jobs.sweep(holder) if r.job == "test.flaky"]


def run_row(period="2026-10"):
    db.session.expire_all()
    return db.session.scalar(select(JobRun).where(JobRun.job == "test.flaky", JobRun.period == period))


def test_a_claim_whose_holder_died_is_taken_over_after_its_lease(flaky, clock, smtp):
    dead = jobs.claim("test.flaky", "2026-10", "killed-scheduler")  # then the process died
    assert dead is not None and dead.lease_until == clock.now + timedelta(seconds=300)
    clock.advance(seconds=299)
    assert sweep("fresh") == [] and run_row().status == "running"
    clock.advance(seconds=2)
    ran = sweep("fresh")
    assert [(r.status, r.claimed_by, r.attempts) for r in ran] == [("done", "fresh", 2)]
    assert len(smtp.to("board@example.com")) == 1


def test_cli_reruns_an_expired_period_and_says_who_holds_a_live_one(flaky, clock, runner):
    jobs.claim("test.flaky", "2026-10", "killed-scheduler")
    busy = runner.invoke(args=["jobs", "run", "test.flaky", "--period", "2026-10"])
    assert "running now in killed-scheduler" in busy.output and flaky["calls"] == 0
    clock.advance(minutes=6)
    again = runner.invoke(args=["jobs", "run", "test.flaky", "--period", "2026-10"])
    assert again.exit_code == 0 and "done: sent" in again.output
    assert "already ran" in runner.invoke(args=["jobs", "run", "test.flaky", "--period", "2026-10"]).output


def test_a_job_failing_twice_then_succeeding_delivers_once(flaky, clock, smtp):
    flaky["failures"] = 2
    first = jobs.run_job("test.flaky", "2026-10", "one")
    assert (first.status, first.attempts) == ("retrying", 1) and "attempt 1 broke" in first.detail
    assert first.next_attempt_at == clock.now + timedelta(seconds=60)
    assert sweep("one") == []  # backoff: not due yet
    clock.advance(seconds=61)
    second = sweep("two")[0]
    assert (second.status, second.attempts) == ("retrying", 2)
    assert second.next_attempt_at == clock.now + timedelta(seconds=120)  # the backoff doubles
    clock.advance(seconds=121)
    third = sweep("one")[0]
    assert (third.status, third.attempts) == ("done", 3)
    assert db.session.scalar(select(OutboxMessage.status)) == "sent"
    assert [m["Subject"] for m in smtp.to("board@example.com")] == ["Flaky 2026-10"]


def test_a_job_failing_every_attempt_alerts_admins_and_waits_for_a_rerun(flaky, clock, smtp, runner, login):
    flaky["failures"] = 99
    admin = make_user("admin", email="ops@example.com")
    db.session.commit()
    for _ in range(3):
        jobs.run_job("test.flaky", "2026-10", "one", force=True) if run_row() else jobs.run_job("test.flaky", "2026-10")
        clock.advance(hours=1)
    assert (run_row().status, run_row().attempts) == ("failed", 3)
    assert sweep("two") == []  # given up: no more automatic attempts
    alerts = smtp.to("ops@example.com")
    assert len(alerts) == 1 and "test.flaky 2026-10 failed 3 times" in alerts[0]["Subject"]
    assert "okrapp jobs run test.flaky --period 2026-10" in alerts[0].get_body(("plain",)).get_content()
    page = login(admin).get("/admin/jobs").data.decode()
    assert "failed every attempt" in page and "attempt 3 broke" in page
    flaky["failures"] = 0
    response = login(admin).post(f"/admin/jobs/{run_row().id}/rerun")
    assert response.status_code == 302 and run_row().status == "retrying" and flaky["calls"] == 3  # queued only
    assert [r.status for r in sweep("two")] == ["done"]
    assert "failed every attempt" not in login(admin).get("/admin/jobs").data.decode()


def test_cli_reruns_a_failed_period(flaky, runner):
    flaky["failures"] = 1
    assert runner.invoke(args=["jobs", "run", "test.flaky", "--period", "2026-10"]).exit_code == 1
    result = runner.invoke(args=["jobs", "run", "test.flaky", "--period", "2026-10"])
    assert result.exit_code == 0 and "done" in result.output and run_row().attempts == 2


def test_a_holder_that_lost_its_lease_cannot_finish_the_period(flaky, smtp):
    def taken_over():  # another scheduler took the period over while this one was paused
        with db.engine.begin() as conn:
            conn.execute(update(JobRun).where(JobRun.job == "test.flaky")
                         .values(claimed_by="other", attempts=JobRun.attempts + 1))
    flaky["during"] = taken_over
    jobs.run_job("test.flaky", "2026-10", "paused")
    row = run_row()
    assert (row.status, row.claimed_by) == ("running", "other")
    assert db.session.scalar(select(OutboxMessage.id)) is None  # its work was rolled back
    assert smtp.messages == []


def test_a_running_job_renews_its_lease(flaky, app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "OKRAPP_JOB_LEASE_SECONDS", 0.3)
    seen = []

    def long_work():
        clock.advance(minutes=10)
        time.sleep(0.5)
        with db.engine.connect() as conn:
            seen.append(conn.execute(text("SELECT lease_until FROM job_runs")).scalar())
    flaky["during"] = long_work
    started = clock.now
    assert jobs.run_job("test.flaky", "2026-10", "one").status == "done"
    renewed = seen[0] if not isinstance(seen[0], str) else __import__("datetime").datetime.fromisoformat(seen[0])
    assert renewed >= started + timedelta(minutes=10)


def test_a_message_left_sending_by_a_dead_process_is_sent_after_its_lease(smtp, clock):
    message = mail.queue("stale:1", "board@example.com", "Once", "Body")
    db.session.commit()
    queued_id = message.message_id
    assert mail._claim(message.id)  # then the process died before sending
    assert mail.deliver_pending() == (0, 0)
    clock.advance(seconds=301)
    assert mail.deliver_pending() == (1, 0)
    received = smtp.to("board@example.com")
    assert len(received) == 1 and received[0]["Message-ID"] == queued_id
    assert received[0]["Auto-Submitted"] == "auto-generated"


def test_an_admin_can_retry_a_message_stuck_sending(smtp, clock, login):
    message = mail.queue("stale:2", "board@example.com", "Once", "Body")
    db.session.commit()
    mail._claim(message.id)
    admin = login(make_user("admin"))
    admin.post(f"/admin/outbox/{message.id}/retry")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sending"  # its lease still runs
    clock.advance(seconds=301)
    assert "Retry now" in admin.get("/admin/outbox").data.decode()
    admin.post(f"/admin/outbox/{message.id}/retry")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "pending"
