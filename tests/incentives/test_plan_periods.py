"""Next year's bonus plan is checked against the incentives whose periods overlap it: the 2027 sheet
imports while the 2026 bonuses run, and the same rules hold in the form's operation without the form."""
import io

import pytest
from sqlalchemy import select

from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.incentives import operations as incentives
from okrapp.incentives.models import Incentive, PlanPeriod

from tests.factories import make_unit, make_user, metric

SHEET_2027 = ("Yksikkö;Nimi;Mittari;Suunta;Paino\n"
              "Installation & Delivery;Kuljetuskulujen säästö per toimitus;revenue;lasku;60 %\n").encode()


@pytest.fixture
def delivery():
    return make_unit("Installation & Delivery")


@pytest.fixture
def executive():
    return make_user("executive")


def save(unit, by, weight, period, key="csat", name=None):
    saved = incentives.save_incentive(None, unit=unit, name=name or f"{key} {period} {weight}", metric=metric(key),
                                      direction="increase", weight=weight, target=None, period=period, note="", by=by)
    db.session.commit()
    return saved


def preview(client, period, data=SHEET_2027):
    return client.post("/incentives/import", data={"sheet": (io.BytesIO(data), "kpi-2027.csv"), "period": period},
                       content_type="multipart/form-data")


def test_the_2027_sheet_imports_while_the_2026_bonuses_run(login, delivery, executive):
    save(delivery, executive, 1.0, "2026")
    client = login(executive)
    page = preview(client, "2027")
    assert page.status_code == 200, page.data.decode()[-1500:]
    payload = page.data.decode().split('name="payload" type="hidden" value="')[1].split('"')[0]
    assert client.post("/incentives/import/confirm", data={"payload": payload, "period": "2027"}).status_code == 302
    db.session.expire_all()
    imported = db.session.scalar(select(Incentive).where(Incentive.name.startswith("Kuljetus")))
    assert (imported.period, str(imported.plan_period.starts_on), str(imported.plan_period.ends_on)) == \
        ("2027", "2027-01-01", "2027-12-31")


def test_the_same_sheet_is_refused_for_the_year_whose_bonuses_are_full(login, delivery, executive):
    save(delivery, executive, 1.0, "2026")
    page = preview(login(executive), "2026")
    assert page.status_code == 422
    assert "bonus shares add up to 160 % from 1 Jan 2026 to 31 Dec 2026" in page.data.decode()


def test_an_unknown_period_is_named_in_the_preview(login, delivery, executive):
    page = preview(login(executive), "ensi vuonna")
    assert page.status_code == 422 and "“ensi vuonna” is not a plan period" in page.data.decode()
    assert db.session.scalar(select(PlanPeriod)) is None  # a preview creates no period


def test_two_incentives_of_one_year_over_100_percent_are_refused_by_the_operation(delivery, executive):
    save(delivery, executive, 0.6, "2027")
    with pytest.raises(ServiceError, match="110 %") as refused:
        save(delivery, executive, 0.5, "2027", key="nps")
    assert refused.value.field == "weight"


def test_exactly_100_percent_is_accepted_and_101_is_not(delivery, executive):
    save(delivery, executive, 1.0, "2027")
    other = make_unit("Care")
    save(other, executive, 0.5, "2027", key="nps")
    with pytest.raises(ServiceError, match="101 %"):
        save(other, executive, 0.51, "2027", key="ces")


def test_a_year_and_its_first_half_count_together(delivery, executive):
    save(delivery, executive, 0.6, "2027")
    with pytest.raises(ServiceError, match="from 1 Jan 2027 to 30 Jun 2027"):
        save(delivery, executive, 0.5, "2027 H1", key="nps")


def test_the_same_metric_in_2026_and_2027_is_accepted_and_twice_in_2027_is_not(delivery, executive):
    save(delivery, executive, 0.3, "2026")
    save(delivery, executive, 0.3, "2027")
    with pytest.raises(ServiceError, match="rewarded twice") as refused:
        save(delivery, executive, 0.2, "2027 Q2")
    assert refused.value.field == "metric"


def test_an_unknown_period_is_refused_on_the_form_field(delivery, executive):
    with pytest.raises(ServiceError) as refused:
        save(delivery, executive, 0.3, "Kausi 7")
    assert refused.value.field == "period"
