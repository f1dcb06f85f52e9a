"""Admin pages: users, units, cycles."""
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.okrs.models import Cycle
from okrapp.admin.models import Unit
from okrapp.accounts.models import User

from tests.factories import make_cycle, make_unit, make_user


def test_duplicate_unit_name_is_refused(login):
    make_unit("Equipment Sales")
    response = login(make_user("admin")).post("/admin/units/new", data={"name": "equipment sales", "kind": "function"})
    assert response.status_code == 422
    assert "A unit named equipment sales already exists." in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1


def test_cycle_end_before_start_is_refused_and_saved_cycle_kept(login):
    cycle = make_cycle("2026 Q4")
    response = login(make_user("admin")).post(f"/admin/cycles/{cycle.id}/edit",
                                              data={"name": "2026 Q4", "starts_on": "2026-12-31", "ends_on": "2026-10-01"})
    assert response.status_code == 422
    assert "The cycle must end on or after its start." in response.data.decode()
    db.session.expire_all()
    kept = db.session.get(Cycle, cycle.id)
    assert (str(kept.starts_on), str(kept.ends_on)) == ("2026-10-01", "2026-12-31")


def test_new_cycle_form_defaults_to_the_current_quarter(login):
    page = login(make_user("admin")).get("/admin/cycles/new").data.decode()
    assert 'value="2026 Q4"' in page and 'value="2026-10-01"' in page and 'value="2026-12-31"' in page


def test_admin_creates_unit_leader_for_several_units(login):
    a, b = make_unit("Delivery"), make_unit("Last Mile Oy", kind="partner")
    response = login(make_user("admin")).post("/admin/users/new", data={
        "email": "Laura@Example.com", "name": "Laura", "role": "unit_leader", "units": [a.id, b.id],
        "password": "long enough pw"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "laura@example.com"))
    assert [u.name for u in user.units] == ["Delivery", "Last Mile Oy"]


def test_new_user_is_invited_without_a_password_and_needs_a_unique_email(login):
    admin = make_user("admin", email="admin@example.com")
    client = login(admin)
    invited = client.post("/admin/users/new", data={"email": "a@example.com", "name": "A", "role": "board"})
    assert invited.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "a@example.com"))
    # no language chosen for them: their pages and mail follow the organisation's until they choose one
    assert person.password_hash is None and person.locale is None
    duplicate = client.post("/admin/users/new", data={"email": "admin@example.com", "name": "A", "role": "board"})
    assert "already exists" in duplicate.data.decode()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_a_duplicate_name_with_a_non_ascii_capital_is_refused_not_a_500(login):
    """SQL lower() leaves Ä as it is (SQLite; PostgreSQL under the C locale) while Python makes it ä:
    the case-blind check alone missed an exact duplicate, and the unique index answered with a 500."""
    make_cycle("Ärsyke 2027")
    make_unit("Ääni")
    admin = login(make_user("admin"))
    cycle = admin.post("/admin/cycles/new", data={"name": "Ärsyke 2027", "starts_on": "2027-01-01",
                                                  "ends_on": "2027-03-31"})
    unit = admin.post("/admin/units/new", data={"name": "Ääni", "kind": "function"})
    assert (cycle.status_code, unit.status_code) == (422, 422)
    assert "already exists" in cycle.data.decode() and "already exists" in unit.data.decode()
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 1
