"""Every export downloads whole from a real WSGI server over HTTP (issue 21, item 3).

Flask's test client reads a streamed body inside the request and so hid that the check-ins CSV
broke off after its header once the request's session was closed; here a threaded werkzeug server
on loopback answers and http.client reads the body, which raises on a cut-off chunked response."""
import csv
import http.client
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select, update

from okrapp.admin.models import Unit
from okrapp.conflicts import visibility
from okrapp.conflicts.models import ConflictItem
from okrapp.core import policy
from okrapp.core.extensions import db
from okrapp.demo.synthetic import build_company
from okrapp.exports import operations
from okrapp.okrs.models import CheckIn, KeyResult, Objective
from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule, decision_items

from tests.factories import PASSWORD, make_cycle, make_unit, make_user

CHECK_INS = 5_000
DECISIONS = 2_100
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Browser:
    """One person over HTTP: logs in through the form and keeps the cookies."""

    def __init__(self, base_url: str):
        self.port = urlsplit(base_url).port
        self.cookies = {}

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()  # http.client.IncompleteRead if the server drops the connection
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";", 1)[0].split("=", 1)
                self.cookies[name] = value
            return response, data
        finally:
            conn.close()

    def login(self, email):
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        response, _ = self.request("POST", "/login", urlencode({"csrf_token": token, "email": email,
                                                                "password": PASSWORD}))
        assert response.status == 302, "login failed"
        return self


@pytest.fixture
def company():
    """A cycle with 5,000 check-ins (corrections, hostile and multi-line comments among them), another
    cycle whose rows must stay out, conflict items with tied severities, 2,100 decisions."""
    cycle = make_cycle("2026 Q4")
    executive = make_user("executive")
    build_company(cycle, units=5, objectives=10, krs_per_objective=5, check_ins_per_kr=100, conflict_items=40,
                  author_id=executive.id)
    other = make_cycle("2027 Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    build_company(other, units=2, objectives=2, krs_per_objective=2, check_ins_per_kr=3, unit_prefix="Other")
    first = db.session.execute(select(CheckIn.id, CheckIn.key_result_id, CheckIn.created_at, CheckIn.value)
                               .order_by(CheckIn.id).limit(30)).all()
    for check_in_id, kr_id, at, value in first[:10]:  # corrections: the same moment as what they correct
        db.session.execute(insert(CheckIn), [{"key_result_id": kr_id, "value": value + 1, "confidence": 5,
                                              "comment": "corrected", "created_at": at, "corrects_id": check_in_id,
                                              "author_id": executive.id}])
        db.session.execute(update(CheckIn).where(CheckIn.id == check_in_id).values(superseded_at=at))
    hostile = ["=cmd|' /C calc'!A0", " +cmd|' /C calc'!A0", "\u3000\uff1d1+1", "line one\r\nline two\n=2",
               'a "quoted", comma']
    for (check_in_id, *_), comment in zip(first[10:], hostile * 4):
        db.session.execute(update(CheckIn).where(CheckIn.id == check_in_id).values(comment=comment))
    items = db.session.scalars(select(ConflictItem.id).order_by(ConflictItem.id)).all()
    db.session.execute(update(ConflictItem).where(ConflictItem.id.in_(items[:12])).values(severity=0.25))
    schedule = ReviewSchedule(name="Customer priorities", anchor_on=date(2026, 11, 5))
    db.session.add(schedule)
    db.session.flush()
    starts = [datetime(2026, 11, 19, 7), datetime(2026, 11, 19, 7), datetime(2026, 12, 3, 7)]  # two at once
    meeting_ids = []
    for n, start in enumerate(starts):
        meeting = ReviewMeeting(schedule_id=schedule.id if n else None, slot=f"bench-{n}", starts_at=start,
                                ends_at=start + timedelta(hours=1), uid=f"review-{n}@okrapp")
        db.session.add(meeting)
        db.session.flush()
        meeting_ids.append(meeting.id)
    db.session.execute(insert(ReviewDecision), [
        {"meeting_id": meeting_ids[n % 3], "kind": "reprioritise", "text": f"Decision {n}" if n % 7 else "=1+1",
         "changes": '["Target moved", "=2"]' if n % 5 == 0 else "[]"} for n in range(DECISIONS)])
    decided = db.session.scalars(select(ReviewDecision.id).order_by(ReviewDecision.id).limit(5)).all()
    db.session.execute(insert(decision_items), [{"decision_id": d, "item_id": i} for d in decided for i in items[:3]])
    db.session.commit()
    return cycle, executive


def _expected_ids(dataset, cycle, user):
    if dataset == "check-ins":
        return db.session.scalars(
            select(CheckIn.id).join(KeyResult, CheckIn.key_result_id == KeyResult.id).join(Objective)
            .where(Objective.cycle_id == cycle.id).order_by(CheckIn.key_result_id, CheckIn.created_at, CheckIn.id)).all()
    if dataset == "key-results":
        return db.session.scalars(select(KeyResult.id).join(Objective).where(Objective.cycle_id == cycle.id)
                                  .order_by(Objective.rank, Objective.id, KeyResult.id)).all()
    if dataset == "conflicts":
        ordered = db.session.scalars(select(ConflictItem.id).where(ConflictItem.horizon_id.is_(None))
                                     .order_by(ConflictItem.severity.desc(), ConflictItem.id)).all()
        visible = visibility.visible_item_ids(policy.conflict_unit_scope(user), ordered)
        return [i for i in ordered if i in visible]
    return db.session.scalars(select(ReviewDecision.id).join(ReviewMeeting)
                              .order_by(ReviewMeeting.starts_at.desc(), ReviewDecision.id)).all()


ID_COLUMN = {"check-ins": "Check-in id", "key-results": "Key result id", "conflicts": "Item id",
             "decisions": "Decision id"}


def _download_everything(live_server, cycle, user, datasets=tuple(ID_COLUMN)):
    browser = Browser(live_server).login(user.email)
    for dataset in datasets:
        expected = _expected_ids(dataset, cycle, user)
        assert expected, dataset
        for fmt in ("csv", "xlsx"):
            response, body = browser.request("GET", f"/exports/{dataset}.{fmt}?cycle={cycle.id}")
            assert response.status == 200, (dataset, fmt, response.status)
            assert response.headers["Content-Disposition"].startswith("attachment")
            if fmt == "csv":
                assert response.headers["Content-Type"] == CSV_TYPE
                assert body.startswith("\ufeff".encode()) and body.endswith(b"\r\n"), (dataset, body[-80:])
                rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
            else:
                assert response.headers["Content-Type"] == XLSX_TYPE
                assert "Content-Length" not in response.headers  # streamed as it is written
                workbook = load_workbook(io.BytesIO(body), read_only=True)
                rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
                workbook.close()
            assert len(rows) == len(expected) + 1, (dataset, fmt, len(rows), len(expected))
            at = rows[0].index(ID_COLUMN[dataset])
            assert [int(row[at]) for row in rows[1:]] == expected, (dataset, fmt)
            yield dataset, fmt, rows


def test_every_export_downloads_whole_over_http(live_server, company):
    cycle, executive = company
    seen = {(dataset, fmt): rows for dataset, fmt, rows in _download_everything(live_server, cycle, executive)}
    assert len(seen) == 8
    check_ins = seen["check-ins", "csv"]
    assert len(check_ins) == CHECK_INS + 10 + 1
    comments = {row[check_ins[0].index("Comment")] for row in check_ins[1:]}
    assert {"'=cmd|' /C calc'!A0", "' +cmd|' /C calc'!A0", "'\u3000\uff1d1+1", 'a "quoted", comma'} <= comments
    assert "line one\r\nline two\n'=2" in comments  # a line break inside a cell survives, the formula after it not
    decisions = seen["decisions", "csv"]
    assert len(decisions) == DECISIONS + 1
    assert {row[0] for row in decisions[1:]} == {"Priority review", "Customer priorities"}
    assert sum(1 for row in decisions[1:] if row[-1]) == 5 and "'=1+1" in {row[4] for row in decisions[1:]}
    xlsx_comments = {row[7] for row in seen["check-ins", "xlsx"][1:]}
    assert "'=cmd|' /C calc'!A0" in xlsx_comments and "'\u3000\uff1d1+1" in xlsx_comments


def test_exports_read_in_many_small_batches_lose_and_repeat_no_row(live_server, company, monkeypatch):
    """Batch edges falling between tied sort keys (corrections at the same moment, equal severities,
    meetings at the same time) still give every row once, in order."""
    monkeypatch.setattr(operations, "BATCH", 97)
    cycle, executive = company
    assert len(list(_download_everything(live_server, cycle, executive))) == 8


def test_a_unit_leader_downloads_the_conflict_items_they_may_see(live_server, company):
    cycle, _ = company
    leader = make_user("unit_leader")
    unit = db.session.scalar(select(Unit).join(KeyResult, KeyResult.accountable_unit_id == Unit.id)
                             .join(Objective).where(Objective.cycle_id == cycle.id).limit(1))
    unit.leaders.append(leader)
    db.session.commit()
    make_unit(f"Led {leader.id}", leaders=[leader])  # a unit of their own besides, with no key results
    assert len(list(_download_everything(live_server, cycle, leader, datasets=("conflicts",)))) == 2
