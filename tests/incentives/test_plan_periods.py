"""Next year's bonus plan is checked against the incentives whose periods overlap it: the 2027 sheet
imports while the 2026 bonuses run, and the same rules hold in the form's operation without the form."""
import io

import pytest
from sqlalchemy import func, select

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


def test_a_period_created_by_another_save_at_the_same_moment_is_used_not_a_500(delivery, executive, monkeypatch):
    """Two saves name "2031 Q2" for the first time at once: the second finds the first's period
    after its own insert meets the unique name, instead of failing the request."""
    from sqlalchemy import text
    from okrapp.incentives import periods
    original = periods.known

    def known_then_created_elsewhere(name):
        found = original(name)
        with db.engine.begin() as conn:  # another process commits the same new period meanwhile
            conn.execute(text("INSERT INTO plan_periods (name, starts_on, ends_on) "
                              "VALUES ('2031 Q2', '2031-04-01', '2031-06-30')"))
        return found
    monkeypatch.setattr(periods, "known", known_then_created_elsewhere)
    saved = save(delivery, executive, 0.2, "2031 Q2")
    assert saved.plan_period.name == "2031 Q2"
    assert db.session.scalar(select(func.count()).select_from(PlanPeriod)) == 1


@pytest.fixture
def at_once(app, executive, database_url, tmp_path, monkeypatch):
    """post(path, data) for two clients of two app instances at the same moment, each signed in as the
    executive; the stored plan is read after a pause, so both are inside their check together unless
    the unit is held. Returns their responses."""
    import threading
    import time

    from okrapp.incentives import periods
    from tests.conftest import make_app
    from tests.factories import PASSWORD
    original = periods.stored_plan
    monkeypatch.setattr(periods, "stored_plan", lambda *a, **k: (time.sleep(0.3), original(*a, **k))[1])
    periods.resolve("2027")  # known already: creating it would itself make the second save wait
    db.session.commit()
    other = make_app(database_url, tmp_path)
    clients = []
    for application in (app, other):
        client = application.test_client()
        assert client.post("/login", data={"email": executive.email, "password": PASSWORD}).status_code == 302
        clients.append(client)

    def run(requests):
        barrier, responses = threading.Barrier(2), [None, None]

        def post(index):
            path, data = requests[index]
            barrier.wait()
            responses[index] = clients[index].post(path, data=data)
        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.session.expire_all()
        return responses
    yield run
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("attempt", range(2))
def test_two_saves_at_once_cannot_both_fill_a_units_bonus(at_once, delivery, attempt):
    """Each save is 60 % of one unit's 2027 bonus: one is saved and the other refused."""
    form = {"unit": delivery.id, "direction": "increase", "weight": "0.6", "period": "2027"}
    responses = at_once([("/incentives/new", {**form, "name": "Half of it", "metric": metric("nps").id}),
                         ("/incentives/new", {**form, "name": "The other half", "metric": metric("csat").id})])
    assert sorted(r.status_code for r in responses) == [302, 422]
    assert db.session.scalar(select(func.count()).select_from(Incentive)) == 1


@pytest.mark.parametrize("attempt", range(2))
def test_two_sheet_imports_at_once_cannot_both_fill_a_units_bonus(at_once, delivery, login, executive, attempt):
    """Two confirmed sheets of 60 % each for one unit's 2027: one imports, the other is refused whole."""
    sheets = [f"Yksikkö;Nimi;Mittari;Suunta;Paino\nInstallation & Delivery;Sheet {i};{key};kasvu;60 %\n".encode()
              for i, key in enumerate(("nps", "csat"))]
    client = login(executive)
    payloads = [preview(client, "2027", sheet).data.decode().split('name="payload" type="hidden" value="')[1]
                .split('"')[0] for sheet in sheets]
    responses = at_once([("/incentives/import/confirm", {"payload": payload, "period": "2027"}) for payload in payloads])
    assert [r.status_code for r in responses] == [302, 302]  # one to the list, one back to the import page
    assert sorted(r.headers["Location"] for r in responses) == ["/conflicts", "/incentives/import"]
    assert db.session.scalar(select(func.count()).select_from(Incentive)) == 1
