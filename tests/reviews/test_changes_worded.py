"""A decision's "what changed" is kept as facts and worded for each reader (issue 23): recorded by an
English reader, it reads in Finnish, with Finnish dates and numbers, to a Finnish one; a change kept
as a sentence before facts were kept still shows as stored."""
import json
from datetime import date, datetime

from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.core.words import using
from okrapp.incentives.operations import save_incentive
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewDecision, ReviewMeeting
from okrapp.core.formatting import change, change_text, day_value, number_value
from okrapp.reviews.rules import without_day

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric

DECIDED = datetime(2026, 12, 5, 8, 0)  # 5 Dec 2026, 10:00 in Helsinki


def _review(clock, login):
    clock.now = DECIDED
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    ceo.locale = "en"
    reader = make_user("executive", name="Matti Mäkinen", email="matti@example.com")
    reader.locale = None  # follows the browser
    sales, care = make_unit("Equipment Sales"), make_unit("Customer Care")
    cycle = make_cycle("Winter 2026–27", starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31))
    kr = make_key_result(make_objective(cycle, title="Customers get what they ordered", by=ceo), unit=care,
                         metric_key="csat", baseline=70, target=85, by=ceo)
    bonus = save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("revenue"),
                           direction="increase", weight=0.5, target=14, period="", note="", by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo, reader], anchor_on=DECIDED.date())
    reviews.plan_meetings()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    client = login(ceo)
    for data in ({"kind": "incentive", "incentive": bonus.id, "change": "retire", "effective_on": "2027-01-01",
                  "text": "Volume bonuses hurt delivery."},
                 {"kind": "change_target", "key_result": kr.id, "new_target": "90.5",
                  "text": "The partner delivers more reliably than planned"}):
        response = client.post(f"/reviews/{meeting.id}/decisions", data=data, headers={"Accept-Language": "en"})
        assert response.status_code == 302, response.data.decode()
    db.session.add(ReviewDecision(meeting=meeting, kind="note", text="An old note", created_by=ceo,
                                  changes=json.dumps(["Vanha lause: tallennettu sellaisenaan"])))
    db.session.commit()
    return dict(ceo=ceo, reader=reader, meeting=meeting)


def test_a_decision_recorded_in_english_reads_in_finnish_to_a_finnish_reader(clock, login):
    org = _review(clock, login)
    stored = [json.loads(d.changes) for d in db.session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)).all()]
    assert stored[0][0]["say"] == "%(incentive)s (%(unit)s): %(change)s from %(day)s"
    assert stored[0][0]["values"]["day"] == {"date": "2027-01-01"}

    english = login(org["ceo"]).get(f"/reviews/{org['meeting'].id}").data.decode()
    assert "Orders per sales rep (Equipment Sales): retired from 1 Jan 2027" in english
    assert ": target 85 % → 90.5 %" in english
    assert "Vanha lause: tallennettu sellaisenaan" in english

    finnish = login(org["reader"]).get(f"/reviews/{org['meeting'].id}",
                                       headers={"Accept-Language": "fi"}).data.decode()
    assert "Orders per sales rep (Equipment Sales): poistettu käytöstä 1.1.2027 alkaen" in finnish
    assert ": tavoitetaso 85 % → 90,5 %" in finnish
    assert "retired from" not in finnish and "1 Jan 2027" not in finnish
    assert "Vanha lause: tallennettu sellaisenaan" in finnish


def test_change_text_words_facts_in_the_language_of_the_moment():
    fact = change("%(incentive)s (%(unit)s): %(change)s from %(day)s", incentive="Bonus", unit="Sales",
                  change=change("target %(old)s → %(new)s", old=number_value(14), new=number_value(12.5)),
                  day=day_value(date(2027, 1, 1)))
    assert change_text(fact) == "Bonus (Sales): target 14 → 12.5 from 1 Jan 2027"
    with using("fi"):
        assert change_text(fact) == "Bonus (Sales): tavoitetaso 14 → 12,5 1.1.2027 alkaen"
        assert change_text(without_day(fact, "")) == "Bonus (Sales): tavoitetaso 14 → 12,5"
    assert change_text("an old sentence") == "an old sentence"
    assert without_day("X: retired from 1 Jan 2027", "1 Jan 2027") == "X: retired"
