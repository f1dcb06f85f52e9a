"""`okrapp scheduler` in a process of its own, as in production, with two knobs the acceptance
tests need to kill it at the right moment:

TEST_SLOW_SUMMARY_SECONDS  the board-summary job sleeps this long after queueing, before its commit
TEST_FAIL_SUMMARY_TIMES    the board-summary job fails this many times (counted in TEST_FAIL_COUNTER)
"""
import os
import sys
import time
from pathlib import Path

from okrapp.board import operations as board


def _patch_summary():
    original = board.send
    slow = float(os.environ.get("TEST_SLOW_SUMMARY_SECONDS", "0"))
    failures = int(os.environ.get("TEST_FAIL_SUMMARY_TIMES", "0"))
    counter = Path(os.environ.get("TEST_FAIL_COUNTER", "/dev/null"))

    def send(period):
        if failures:
            seen = int(counter.read_text() or 0) if counter.exists() else 0
            counter.write_text(str(seen + 1))
            if seen < failures:
                original(period)  # the work is done, then the job breaks: it must be rolled back
                raise RuntimeError(f"injected failure {seen + 1}")
        count = original(period)
        if slow:
            print("SLOW-JOB-STARTED", flush=True)
            time.sleep(slow)
        return count
    board.send = send


if __name__ == "__main__":
    _patch_summary()
    from okrapp.__main__ import main
    sys.argv = ["okrapp", "scheduler"]
    main()
