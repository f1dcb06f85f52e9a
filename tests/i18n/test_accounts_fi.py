"""The account pages and mail in Finnish: the browser's language, the footer's switch, a person's own
choice on their profile (which wins over the browser), and an invitation in the invited person's language."""
from sqlalchemy import select

from okrapp.accounts import people
from okrapp.accounts.models import User
from okrapp.core.extensions import db
from okrapp.core.models import OutboxMessage

from tests.factories import make_user

FINNISH = {"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def test_the_login_page_answers_in_the_browsers_finnish(client):
    page = client.get("/login", headers=FINNISH).get_data(as_text=True)
    assert '<html lang="fi">' in page
    assert "Kirjaudu sisään" in page and "Unohditko salasanasi?" in page and "Sähköposti" in page
    assert "Siirry sisältöön" in page  # the frame too: the skip link
    assert "Log in" not in page and "Forgot your password?" not in page and "Skip to content" not in page
    english = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="en">' in english and "Forgot your password?" in english and "Unohditko" not in english


def test_a_wrong_password_is_refused_in_finnish(client):
    make_user("executive", email="pia@example.com")
    page = client.post("/login", data={"email": "pia@example.com", "password": "not it"}, headers=FINNISH)
    assert page.status_code == 401
    assert "Väärä sähköpostiosoite tai salasana." in page.get_data(as_text=True)


def test_the_footer_switch_changes_the_language_of_an_anonymous_visitor(client):
    assert "suomi" in client.get("/login").get_data(as_text=True)  # offered in its own name
    switched = client.post("/language", data={"locale": "fi", "next": "/login"})  # the test client adds the csrf token
    assert switched.status_code == 302 and switched.location == "/login"
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)  # the switch wins over the browser
    assert '<html lang="fi">' in page and "Unohditko salasanasi?" in page and "Forgot your password?" not in page
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Forgot your password?" in client.get("/login", headers=FINNISH).get_data(as_text=True)
    assert client.post("/language", data={"locale": "klingon"}).status_code == 400


def test_a_signed_in_persons_choice_on_the_profile_wins_over_the_browser(login):
    person = make_user("executive", name="Pia Person")
    session = login(person)
    profile = session.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert 'name="locale"' in profile and "Language" in profile
    saved = session.post("/account/language", data={"locale": "fi"}, headers=ENGLISH)
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).locale == "fi"
    page = session.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="fi">' in page and "Kieli tallennettu." in page
    assert "Oma tili" in page and "Henkilökohtaiset API-tunnisteet" in page and "Tavoitteet" in page
    assert "Personal API tokens" not in page and "Log out" not in page and "Your account" not in page
    # a new browser of theirs, asking for English, still reads Finnish once they sign in
    assert '<html lang="fi">' in login(person).get("/objectives", headers=ENGLISH).get_data(as_text=True)
    # and back to English
    session.post("/account/language", data={"locale": "en"}, headers=FINNISH)
    assert "Personal API tokens" in session.get("/account", headers=FINNISH).get_data(as_text=True)


def test_an_invitation_goes_out_in_the_invited_persons_finnish(app):
    admin = make_user("admin", name="Anna Admin")
    with app.test_request_context(headers=ENGLISH):  # the admin's own language does not matter
        people.invite_person("sanna@example.com", "Sanna Saari", "executive", locale="fi", by=admin)
        people.invite_person("eve@example.com", "Eve Example", "executive", locale="en", by=admin)
        db.session.commit()
    finnish = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "sanna@example.com"))
    assert finnish.subject == "Sinut on kutsuttu okrappiin"
    for body in (finnish.text_body, finnish.html_body):
        assert "Hei Sanna Saari," in body and "Anna Admin kutsui sinut okrappiin" in body
        assert "Valitse salasanasi" in body and " klo " in body  # the expiry written the Finnish way
        assert "Hello" not in body and "invited you" not in body and "Choose your password" not in body
    assert '<html lang="fi">' in finnish.html_body and "Lähettäjä: okrapp" in finnish.html_body
    english = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "eve@example.com"))
    assert english.subject == "You are invited to okrapp" and "Anna Admin invited you" in english.text_body
