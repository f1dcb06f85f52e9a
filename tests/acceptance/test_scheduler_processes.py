"""Acceptance: real `okrapp scheduler` processes on the test database (PostgreSQL in CI) and a real
SMTP server, killed with SIGKILL at the worst moments. Leases are seconds long here so the tests
take seconds; production uses minutes (OKRAPP_JOB_LEASE_SECONDS, OKRAPP_MAIL_LEASE_SECONDS)."""
import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.core.models import JobRun, OutboxMessage, SchedulerState
from okrapp.board.models import SummarySchedule
from okrapp.board import operations as board

from tests.conftest import SmtpSink, start_smtp
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3.0  # seconds, jobs and messages alike
BOARD = ["pekka@example.com", "liisa@example.com", "aino@example.com"]


class HoldingSink(SmtpSink):
    """Holds the next `hold` recipients at RCPT without answering, so the sender can be killed mid-send."""

    def __init__(self):
        super().__init__()
        self.hold, self.holding = 0, 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold:
            self.hold -= 1
            self.holding += 1
            await asyncio.sleep(60)
            return "451 4.3.0 Try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def sink(app):
    holding = HoldingSink()
    controller = start_smtp(holding)
    yield holding
    controller.stop()


@pytest.fixture
def schedulers(database_url, tmp_path, sink):
    """start(**env) -> a running scheduler process; all are killed at the end."""
    started = []

    def start(**extra):
        env = {**os.environ, "OKRAPP_ENV": "development", "OKRAPP_DATABASE_URL": database_url,
               "OKRAPP_INSTANCE_PATH": str(tmp_path), "OKRAPP_SECRET_KEY": "acceptance",
               "OKRAPP_SMTP_HOST": "127.0.0.1", "OKRAPP_SMTP_PORT": str(sink.port), "OKRAPP_SMTP_TIMEOUT": "30",
               "OKRAPP_JOB_LEASE_SECONDS": str(LEASE), "OKRAPP_MAIL_LEASE_SECONDS": str(LEASE),
               "OKRAPP_SCHEDULER_TICK_SECONDS": "0.5", "OKRAPP_DELIVERY_SECONDS": "0.5",
               "OKRAPP_SCHEDULER_POLL_SECONDS": "0.5", "OKRAPP_JOB_RETRY_SECONDS": "0.5",
               **{k: str(v) for k, v in extra.items()}}
        log = open(tmp_path / f"scheduler-{len(started)}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "tests.acceptance.run_scheduler"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@pytest.fixture
def due_summary(clock):
    """Board members, and a summary schedule that makes this month's summary due now (real time)."""
    for email in BOARD:
        make_user("board", email=email)
    today = datetime.now(UTC).date()
    first = date(today.year, today.month, 1)
    db.session.add(SummarySchedule(weekday=first.weekday(), time_of_day="00:00", timezone="UTC", cycle_end=False,
                                   active=True))
    db.session.commit()
    return f"{date.fromordinal(first.toordinal() - 1):%Y-%m}"


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = condition()
        if value:
            return value
        db.session.rollback()
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def summary_run(period):
    return db.session.scalar(select(JobRun).where(JobRun.job == "board.summary", JobRun.period == period))


def each_received_once(sink, period):
    subject = board.subject_for(period)
    return all(len([m for m in sink.to(a) if m["Subject"] == subject]) == 1 for a in BOARD)


def assert_exactly_once(sink, period):
    subject = board.subject_for(period)
    for address in BOARD:
        assert len([m for m in sink.to(address) if m["Subject"] == subject]) == 1, address
    ids = {m["Message-ID"] for _, m in sink.messages}
    stored = set(db.session.scalars(select(OutboxMessage.message_id).where(OutboxMessage.category == "board_summary")))
    assert ids == stored and len(ids) == len(BOARD)


def test_summary_reaches_everyone_once_after_kill_9_mid_job_and_mid_send(schedulers, sink, due_summary):
    period = due_summary
    doomed = schedulers(TEST_SLOW_SUMMARY_SECONDS=60)
    wait_for(lambda: summary_run(period), 40, "the first scheduler to claim the summary")
    time.sleep(0.5)  # inside the job, before its commit
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    assert db.session.scalar(select(OutboxMessage.id)) is None  # its queued mail died with its transaction
    sink.hold = 1  # the next process will be killed while the SMTP server keeps it waiting
    killed_at = time.monotonic()
    sender = schedulers()
    wait_for(lambda: sink.holding == 1, 40, "a sender to reach the SMTP server")
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "sending")) is not None
    schedulers()
    schedulers()
    wait_for(lambda: each_received_once(sink, period), 40, "every board member to receive the summary")
    time.sleep(2 * LEASE)  # nothing more arrives once every lease has run out
    assert_exactly_once(sink, period)
    run = summary_run(period)
    assert run.status == "done" and run.attempts == 2
    assert time.monotonic() - killed_at < 60


def test_a_summary_failing_twice_then_succeeding_is_delivered_once(schedulers, sink, due_summary, tmp_path):
    period = due_summary
    schedulers(TEST_FAIL_SUMMARY_TIMES=2, TEST_FAIL_COUNTER=tmp_path / "failures")
    wait_for(lambda: each_received_once(sink, period), 60, "the summary after two failures")
    time.sleep(1.5)
    assert_exactly_once(sink, period)
    run = summary_run(period)
    assert (run.status, run.attempts) == ("done", 3)


def test_when_the_active_scheduler_dies_another_takes_over(schedulers, sink):
    first, second = schedulers(), schedulers()
    active = wait_for(lambda: db.session.get(SchedulerState, "scheduler"), 40, "an active scheduler")
    pid = int(active.holder.rpartition(":")[2])
    assert pid in (first.pid, second.pid)
    time.sleep(1.5)
    db.session.expire_all()
    assert db.session.get(SchedulerState, "scheduler").holder == active.holder  # the other one stands by
    victim, survivor = (first, second) if pid == first.pid else (second, first)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    wait_for(lambda: db.session.get(SchedulerState, "scheduler").holder.endswith(f":{survivor.pid}"), 2 * LEASE + 10,
             "the standby scheduler to take over")
    assert time.monotonic() - killed_at < LEASE  # standbys poll every 0.5 s here
