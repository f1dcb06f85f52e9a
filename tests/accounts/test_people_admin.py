"""Admins and people, through the pages (CSRF on): least privilege on the user form, the last admin
kept, many people invited from a sheet (preview first, the same sheet twice changes nothing), what a
person leaving owns, and the account events' audit list."""
import io
import re
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from okrapp.accounts.models import AccountEvent, User, record_event
from okrapp.accounts.people import CONFIRM_ADMIN
from okrapp.core import mail
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewDecision

from tests.accounts.test_credentials_follow import assert_cut_off, credentials
from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def role_options(page: str) -> list[tuple[str, bool]]:
    select_html = re.search(r'<select[^>]*name="role".*?</select>', page, re.S).group(0)
    return [(value, "selected" in tag) for tag, value in re.findall(r'(<option[^>]*value="([^"]*)"[^>]*>)', select_html)]


def test_the_new_user_form_preselects_no_role(login):
    admin = login(make_user("admin"))
    options = role_options(admin.get("/admin/users/new").get_data(as_text=True))
    assert options[0] == ("", True)
    assert [value for value, selected in options if selected] == [""]
    assert {value for value, _ in options} == {"", "admin", "executive", "unit_leader", "board"}
    response = admin.post("/admin/users/new", data={"email": "a@example.com", "name": "A"})
    assert response.status_code == 422 and "Choose a role." in response.get_data(as_text=True)
    assert admin.post("/admin/users/new", data={"email": "a@example.com", "name": "A", "role": ""}).status_code == 422
    assert count(User) == 1


def test_making_someone_an_admin_needs_the_confirmation(login):
    boss = make_user("admin", name="Boss")
    admin = login(boss)
    page = admin.get("/admin/users/new").get_data(as_text=True)
    assert "I confirm this person becomes an admin" in page and "confirm-admin" in page
    refused = admin.post("/admin/users/new", data={"email": "root@example.com", "name": "Root", "role": "admin"})
    assert refused.status_code == 422 and CONFIRM_ADMIN in refused.get_data(as_text=True)
    assert count(User) == 1
    assert admin.post("/admin/users/new", data={"email": "root@example.com", "name": "Root", "role": "admin",
                                                "confirm_admin": "y"}).status_code == 302

    person = make_user("executive")
    url = f"/admin/users/{person.id}/edit"
    refused = admin.post(url, data={"name": person.name, "role": "admin", "active": "y"})
    assert refused.status_code == 422 and CONFIRM_ADMIN in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "executive"
    assert admin.post(url, data={"name": person.name, "role": "admin", "active": "y", "confirm_admin": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "admin"
    # an admin already: saving their page asks nothing
    assert "I confirm" not in admin.get(url).get_data(as_text=True)
    assert admin.post(url, data={"name": "Renamed", "role": "admin", "active": "y"}).status_code == 302
    changed = db.session.scalar(select(AccountEvent).where(AccountEvent.kind == "role_changed"))
    assert (changed.user_id, changed.actor_id, changed.detail) == (person.id, boss.id, "executive → admin")


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(login):
    only = make_user("admin", name="Only Admin")
    admin = login(only)
    url = f"/admin/users/{only.id}/edit"
    for data in ({"name": only.name, "role": "executive", "active": "y"}, {"name": only.name, "role": "admin"}):
        response = admin.post(url, data=data)
        assert response.status_code == 422
        assert "Only Admin is the last active admin: make someone else an admin first." in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{only.id}/deactivate")
    assert response.status_code == 422 and "the last active admin" in response.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(User, only.id)
    assert (kept.role, kept.active) == ("admin", True)
    assert admin.get("/admin/users").status_code == 200

    make_user("admin")  # with another admin, stepping down is fine
    assert admin.post(url, data={"name": only.name, "role": "executive", "active": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, only.id).role == "executive"


def sheet_csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client, data: bytes, name="people.csv"):
    return client.post("/admin/users/import", data={"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def payload_of(page: str) -> str:
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)


def test_a_people_sheet_preview_lists_every_problem_per_line(login):
    make_unit("Myynti")
    admin = login(make_user("admin"))
    data = sheet_csv(["nimi;sähköposti;rooli;yksiköt;kieli",
                      "Liisa Laine;liisa@example.com;johto;;fi",
                      "Ei Osoitetta;not-an-address;hallitus;;",
                      "Outo Rooli;outo@example.com;pomo;;",
                      "Tuntematon;tuntematon@example.com;esihenkilö;Myynti, Huolto;en",
                      "Pääkäyttäjä;root@example.com;admin;;",
                      "Toinen Liisa;LIISA@example.com;hallitus;;",
                      "Kieli;kieli@example.com;hallitus;;sv"])
    response = upload(admin, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "6 problems on 6 lines: nobody will be invited" in page
    for line, problem in [(3, "email “not-an-address” cannot be used"), (4, "unknown role “pomo”"),
                          (5, "unknown unit “Huolto” (add it under Units first)"),
                          (6, "admins are not invited from a sheet"), (7, "the same email as line 2"),
                          (8, "unknown language “sv” (en or fi)")]:
        assert re.search(rf"<td>{line}</td>.*?{re.escape(problem)}", page, re.S), (line, problem)
    assert "confirm_import_people" not in page and 'action="/admin/users/import/confirm"' not in page
    assert count(User) == 1
    # the confirm step reads the sheet again: a tampered payload with problems invites nobody
    import base64
    admin.post("/admin/users/import/confirm", data={"payload": base64.b64encode(data).decode()})
    assert count(User) == 1 and count(OutboxMessage) == 0


def test_a_people_sheet_invites_everyone_and_the_same_sheet_again_changes_nothing(login, smtp):
    sales, service = make_unit("Sales"), make_unit("Service")
    make_user("board", email="already@example.com", name="Already Here")
    admin = login(make_user("admin"))
    book = Workbook()
    sheet = book.active
    for row in [("Nimi", "Sähköposti", "Rooli", "Yksiköt", "Kieli"),
                ("Sanna Salo", "Sanna.Salo@Example.com", "Yksikön vetäjä", "sales; Service", "suomi"),
                ("Tom Berg", "tom@example.com", "executive", None, None),
                ("Already Here", "ALREADY@example.com", "executive", None, "en")]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    preview = upload(admin, data, "people.xlsx")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "Invite 2 people" in page and "here already: nothing changes" in page
    # the product's words, not its keys: a role and a language read as people call them
    assert re.search(r"<td>Sanna Salo</td>.*?<td>Unit leader</td>.*?<td>suomi</td>", page, re.S)
    assert "<td>unit_leader</td>" not in page and "<td>fi</td>" not in page
    assert count(User) == 2  # nothing saved by the preview
    done = admin.post("/admin/users/import/confirm", data={"payload": payload_of(page)})
    assert done.status_code == 302 and "Invited 2 people" in admin.get(done.location).get_data(as_text=True)
    sanna = db.session.scalar(select(User).where(User.email == "sanna.salo@example.com"))
    assert (sanna.role, sanna.locale, [u.name for u in sanna.units]) == ("unit_leader", "fi", ["Sales", "Service"])
    assert sanna.password_hash is None
    already = db.session.scalar(select(User).where(User.email == "already@example.com"))
    assert already.role == "board"  # left as it was
    db.session.commit()
    mail.deliver_pending()
    assert len(smtp.to("sanna.salo@example.com")) == 1 and len(smtp.to("tom@example.com")) == 1
    assert smtp.to("already@example.com") == []
    assert {sales.id, service.id} == {u.id for u in sanna.units}

    users, messages, events = count(User), count(OutboxMessage), count(AccountEvent)
    again = upload(admin, data, "people.xlsx").get_data(as_text=True)
    assert "Everyone in the sheet is here already: there is nobody to invite." in again
    admin.post("/admin/users/import/confirm", data={"payload": payload_of(page)})
    assert (count(User), count(OutboxMessage), count(AccountEvent)) == (users, messages, events)


def test_the_deactivate_page_lists_what_the_person_owns_and_ends_everything(login, client):
    leaving = make_user("unit_leader", name="Leo Leaving")
    staying = make_user("unit_leader", name="Stella Staying")
    unit = make_unit("Field Service", leaders=[leaving, staying])
    make_unit("Night Shift", leaders=[leaving])
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, "Customers call us less", by=leaving)
    kr = make_key_result(objective, unit=unit, by=leaving)
    old = make_cycle("2025 Q4", starts_on=date(2025, 10, 1), ends_on=date(2025, 12, 31))
    make_objective(old, "An old objective", by=leaving)
    schedule = reviews.save_schedule(None, name="Weekly priorities", cadence="weekly", weekday=3,
                                     time_of_day="09:00", timezone="Europe/Helsinki", cron="", duration_minutes=60,
                                     reminder_days=2, chair=leaving, participants=[leaving, staying],
                                     anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    meeting = reviews.upcoming(1)[0]
    db.session.add(ReviewDecision(meeting_id=meeting.id, kind="action", text="Call the partner about returns",
                                  owner_id=leaving.id))
    db.session.add(ReviewDecision(meeting_id=meeting.id, kind="action", text="Done already", owner_id=leaving.id,
                                  done_at=meeting.starts_at))
    db.session.commit()
    _, phone, token, feed = credentials(login, leaving)

    admin = login(make_user("admin", name="Ada Admin"))
    page = admin.get(f"/admin/users/{leaving.id}/deactivate").get_data(as_text=True)
    for text in ("Field Service", "also led by Stella Staying", "Night Shift", "no other leader", kr.title,
                 "Customers call us less", "Call the partner about returns", "Weekly priorities",
                 "chair and participant"):
        assert text in page, text
    assert "An old objective" not in page and "Done already" not in page
    assert schedule.name in page

    response = admin.post(f"/admin/users/{leaving.id}/deactivate")
    assert response.status_code == 302
    assert "Leo Leaving is deactivated" in admin.get(response.location).get_data(as_text=True)
    assert_cut_off(client, phone, token, feed)
    db.session.expire_all()
    assert not db.session.get(User, leaving.id).active
    event = db.session.scalar(select(AccountEvent).where(AccountEvent.kind == "deactivated"))
    assert event.user_id == leaving.id and event.actor.name == "Ada Admin"
    assert "is deactivated already" in admin.get(f"/admin/users/{leaving.id}/deactivate").get_data(as_text=True)


def test_the_account_events_page_lists_who_did_what_and_when(login, clock):
    admin_user = make_user("admin", name="Ada Admin")
    admin = login(admin_user)
    admin.post("/admin/users/new", data={"email": "eve@example.com", "name": "Eve Example", "role": "board"})
    eve = db.session.scalar(select(User).where(User.email == "eve@example.com"))
    admin.post(f"/admin/users/{eve.id}/edit", data={"name": "Eve Example", "role": "executive", "active": "y"})
    admin.post(f"/admin/users/{eve.id}/sign-out")
    admin.post(f"/admin/users/{eve.id}/deactivate")
    record_event("sso_sign_in", admin_user)  # what the company sign-in writes
    db.session.commit()
    page = admin.get("/admin/account-events").get_data(as_text=True)
    for text in ("Invited", "Role changed", "board → executive", "Signed out everywhere", "Deactivated",
                 "Signed in with SSO", "Eve Example", "eve@example.com", "Ada Admin", "16 Nov 2026, 10:00"):
        assert text in page, text
    assert page.index("Signed in with SSO") < page.index("Invited")  # newest first

    for n in range(60):
        record_event("reset_requested", None, email=f"probe{n}@example.com")
    db.session.commit()
    first = admin.get("/admin/account-events").get_data(as_text=True)
    assert "Page 1 of 2" in first and "probe59@example.com" in first and "Eve Example" not in first
    second = admin.get("/admin/account-events?page=2").get_data(as_text=True)
    assert "Eve Example" in second
    for role in ("executive", "unit_leader", "board"):
        assert login(make_user(role)).get("/admin/account-events").status_code == 403
