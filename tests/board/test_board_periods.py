"""A month has one way to be written: 2026-10. Another spelling of the same month (2026-010, 2026-+10)
would be a period of its own and send the board the same month's summary a second time."""
import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary
from okrapp.core.errors import ServiceError
from okrapp.board import operations as board

from tests.board.test_board import company  # noqa: F401  (the fixture)


@pytest.mark.parametrize("spelling", ["2026-010", "2026-+10", " 2026-10", "2026-10 ", "02026-10"])
def test_another_spelling_of_a_sent_month_is_not_a_second_summary(runner, company, spelling):
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    result = runner.invoke(args=["jobs", "run", "board.summary", "--period", spelling])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BoardSummary)) == 1, result.output
    with pytest.raises(ServiceError, match="looks like 2026-10"):
        board.period_title(spelling)


def test_another_spelling_of_a_cycle_period_is_refused(runner, company):
    cycle_id = company["cycle"].id
    assert board.period_title(f"cycle-{cycle_id}") == "end of 2026 Q4"
    for spelling in (f"cycle-0{cycle_id}", f"cycle-+{cycle_id}", f"cycle-{cycle_id} "):
        with pytest.raises(ServiceError):
            board.period_title(spelling)


def test_of_two_summaries_sent_at_one_moment_the_later_one_is_the_latest(runner, company):
    """The demo and a catch-up send two months at once: the board's home must lead with the newer one."""
    for period in ("2026-10", "2026-11"):
        assert runner.invoke(args=["board-summary", "send", "--period", period, "--yes"]).exit_code == 0
    db.session.expire_all()
    sent = db.session.scalars(select(BoardSummary).order_by(BoardSummary.id)).all()
    assert [s.period for s in sent] == ["2026-10", "2026-11"] and sent[0].created_at == sent[1].created_at
    assert [s.period for s in board.archive()] == ["2026-11", "2026-10"]


def test_an_admin_sees_a_summary_mail_fail_on_the_next_request(runner, company, login):
    """The page cache follows no mail: the board pages are computed afresh for whoever sees deliveries."""
    from okrapp.core.models import OutboxMessage
    from tests.factories import make_user
    assert runner.invoke(args=["board-summary", "send", "--period", "2026-10"]).exit_code == 0
    admin = login(make_user("admin"))
    summary_id = db.session.scalar(select(BoardSummary.id))
    url = f"/board/summaries/{summary_id}"
    assert "550 mailbox unavailable" not in admin.get(url).get_data(as_text=True)
    for message in db.session.scalars(select(OutboxMessage)):
        message.status, message.last_error = "failed", "550 mailbox unavailable"
    db.session.commit()
    assert "550 mailbox unavailable" in admin.get(url).get_data(as_text=True)
