"""Safe check-ins: decimal commas, confirmation of implausible values, corrections."""
import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, ObjectiveWeek

from tests.factories import make_key_result, make_unit, make_user


@pytest.fixture
def revenue():
    leader = make_user("unit_leader", name="Sanna Sales")
    kr = make_key_result(unit=make_unit("Finance", leaders=[leader]), metric_key="revenue", baseline=3_100_000,
                         target=3_500_000)
    return kr, leader


def history(kr):
    db.session.expire_all()
    return db.session.scalars(select(CheckIn).where(CheckIn.key_result_id == kr.id).order_by(CheckIn.id)).all()


def test_decimal_comma_and_thousands_spaces_are_stored_as_meant(login, revenue):
    kr, leader = revenue
    response = login(leader).post(f"/key-results/{kr.id}/check-in",
                                  data={"value": "3 475 000,5", "confidence": 7, "version": kr.version})
    assert response.status_code == 302
    assert [c.value for c in history(kr)] == [3475000.5]


def test_value_far_off_the_path_asks_for_confirmation_and_saves_nothing_until_confirmed(login, revenue):
    kr, leader = revenue
    client = login(leader)
    response = client.post(f"/key-results/{kr.id}/check-in",
                           data={"value": "34750005", "confidence": 7, "version": kr.version})
    assert response.status_code == 422
    page = response.data.decode()
    assert "Please check the value" in page and "Yes, this value is right" in page
    assert history(kr) == []
    response = client.post(f"/key-results/{kr.id}/check-in",
                           data={"value": "34750005", "confidence": 7, "version": kr.version, "confirm": "y"})
    assert response.status_code == 302
    assert [c.value for c in history(kr)] == [34750005]


def test_correction_supersedes_the_value_and_both_stay_in_the_history(login, revenue, clock):
    kr, leader = revenue
    executive = make_user("executive", name="Eero Exec")
    client = login(leader)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "34750005", "confidence": 7, "version": kr.version,
                                                        "confirm": "y"})
    wrong = history(kr)[0]
    db.session.expire_all()
    assert db.session.get(KeyResult, kr.id).progress == 1.0
    clock.advance(hours=2)
    response = login(executive).post(f"/check-ins/{wrong.id}/correct",
                                     data={"value": "3475000,5", "reason": "Decimal comma was lost", "confirm": "y",
                                           "version": db.session.get(KeyResult, kr.id).version})
    assert response.status_code == 302, response.data  # 100 % -> 94 % of the company score: confirmed
    original, correction = history(kr)
    assert original.superseded_at == clock.now and original.value == 34750005
    assert (correction.value, correction.corrects_id, correction.author.name) == (3475000.5, original.id, "Eero Exec")
    assert correction.created_at == original.created_at and correction.recorded_at == clock.now
    assert correction.comment == "Decimal comma was lost"
    fresh = db.session.get(KeyResult, kr.id)
    assert fresh.current_value == 3475000.5
    assert fresh.progress == pytest.approx((3475000.5 - 3_100_000) / 400_000)
    weeks = db.session.scalars(select(ObjectiveWeek).where(ObjectiveWeek.objective_id == kr.objective_id)).all()
    assert weeks and weeks[-1].score == pytest.approx(fresh.progress)
    page = login(executive).get(f"/key-results/{kr.id}").data.decode()
    assert "<del>34 750 005</del>" in page and "3 475 000" in page and "Decimal comma was lost" in page


def test_only_the_owner_or_an_executive_may_correct(login, revenue):
    kr, leader = revenue
    contributor = make_user("unit_leader")
    kr_obj = db.session.get(KeyResult, kr.id)
    kr_obj.contributors = [make_unit(leaders=[contributor])]
    db.session.commit()
    login(contributor).post(f"/key-results/{kr.id}/check-in",
                            data={"value": "3200000", "confidence": 7, "version": kr_obj.version})
    check_in = history(kr)[0]
    version = db.session.get(KeyResult, kr.id).version
    assert login(contributor).post(f"/check-ins/{check_in.id}/correct",
                                   data={"value": "3100000", "reason": "x", "version": version}).status_code == 403
    assert login(make_user("board")).get(f"/check-ins/{check_in.id}/correct").status_code == 403
    response = login(leader).post(f"/check-ins/{check_in.id}/correct",
                                  data={"value": "3150000", "reason": "Wrong month", "version": version,
                                        "confirm": "y"})  # 25 % -> 12,5 %: a move the leader confirms
    assert response.status_code == 302
    assert [c.value for c in history(kr)] == [3200000, 3150000]


def test_a_correction_needs_a_reason_and_a_corrected_check_in_cannot_be_corrected_again(login, revenue):
    kr, leader = revenue
    client = login(leader)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "3200000", "confidence": 7, "version": kr.version})
    check_in = history(kr)[0]
    version = db.session.get(KeyResult, kr.id).version
    response = client.post(f"/check-ins/{check_in.id}/correct", data={"value": "3150000", "reason": "",
                                                                     "version": version})
    assert response.status_code == 422 and "Say why the value is corrected." in response.data.decode()
    assert client.post(f"/check-ins/{check_in.id}/correct", data={"value": "3150000", "reason": "typo", "confirm": "y",
                                                                 "version": version}).status_code == 302
    db.session.expire_all()
    version = db.session.get(KeyResult, kr.id).version
    response = client.post(f"/check-ins/{check_in.id}/correct", data={"value": "3160000", "reason": "again",
                                                                     "version": version})
    assert response.status_code == 422 and "corrected already" in response.data.decode()
    assert len(history(kr)) == 2


def test_correcting_an_older_check_in_keeps_the_latest_value_and_changes_the_forecast(login, revenue, clock):
    kr, leader = revenue
    client = login(leader)
    for value in ("3200000", "3250000"):
        client.post(f"/key-results/{kr.id}/check-in",
                    data={"value": value, "confidence": 7, "version": db.session.get(KeyResult, kr.id).version})
        db.session.expire_all()
        clock.advance(days=7)
    before = db.session.get(KeyResult, kr.id).forecast
    first = history(kr)[0]
    client.post(f"/check-ins/{first.id}/correct", data={"value": "3100000", "reason": "was last quarter's",
                                                       "version": db.session.get(KeyResult, kr.id).version})
    db.session.expire_all()
    fresh = db.session.get(KeyResult, kr.id)
    assert fresh.current_value == 3250000
    assert fresh.forecast != before and fresh.forecast > before  # a steeper trend from the corrected start


def test_a_correction_on_a_key_result_checked_in_meanwhile_is_refused_with_its_current_version(login, revenue):
    kr, leader = revenue
    client = login(leader)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "3200000", "confidence": 7, "version": kr.version})
    check_in, loaded = history(kr)[0], db.session.get(KeyResult, kr.id).version
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "3250000", "confidence": 7, "version": loaded})
    refused = client.post(f"/check-ins/{check_in.id}/correct",
                          data={"value": "3150000", "reason": "Wrong month", "version": loaded})
    db.session.expire_all()
    current = db.session.get(KeyResult, kr.id).version
    assert refused.status_code == 409 and "meanwhile" in refused.data.decode()
    assert f'name="version" type="hidden" value="{current}"' in refused.data.decode() and current != loaded
    assert [c.value for c in history(kr)] == [3200000, 3250000]


def test_a_correction_that_moves_the_company_score_a_lot_asks_first(login, revenue):
    """63 % -> 55 % from one correction asked nothing (issue 24): 5 points or more are confirmed once more."""
    kr, leader = revenue
    client = login(leader)
    assert client.post(f"/key-results/{kr.id}/check-in", data={"value": "3 400 000", "confidence": 7,
                                                               "version": kr.version}).status_code == 302
    checked = history(kr)[0]
    db.session.expire_all()
    version = db.session.get(KeyResult, kr.id).version
    response = client.post(f"/check-ins/{checked.id}/correct", data={"value": "3 150 000", "reason": "Typo",
                                                                     "version": version})
    assert response.status_code == 422
    page = response.data.decode()
    assert "This correction moves the company&#39;s customer score from 75 % to 12 %" in page.replace("\u00a0", " ")
    assert "Yes, this value is right" in page
    assert [c.superseded_at for c in history(kr)] == [None]  # nothing saved
    response = client.post(f"/check-ins/{checked.id}/correct", data={"value": "3 150 000", "reason": "Typo",
                                                                     "version": version, "confirm": "y"})
    assert response.status_code == 302
    assert [c.value for c in history(kr)] == [3_400_000, 3_150_000]


def test_a_small_correction_asks_nothing(login, revenue):
    kr, leader = revenue
    client = login(leader)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "3 400 000", "confidence": 7, "version": kr.version})
    checked = history(kr)[0]
    db.session.expire_all()
    response = client.post(f"/check-ins/{checked.id}/correct", data={
        "value": "3 410 000", "reason": "Rounding", "version": db.session.get(KeyResult, kr.id).version})
    assert response.status_code == 302


def test_a_contributor_is_told_why_there_is_no_correct(login, revenue):
    """Only the accountable unit's leaders correct; a contributing leader sees why, not a missing link."""
    kr, leader = revenue
    helper = make_user("unit_leader", name="Hilkka Helper")
    db.session.get(KeyResult, kr.id).contributors = [make_unit("Helpers", leaders=[helper])]
    db.session.commit()
    page = login(helper).get(f"/key-results/{kr.id}").data.decode()
    assert "Only leaders of Finance, the unit accountable for this key result" in page
    assert "Only leaders of" not in login(leader).get(f"/key-results/{kr.id}").data.decode()
