"""The board summary in each reader's language: one summary, delivered through a real SMTP server on
loopback to a Finnish and an English recipient, each worded and formatted in theirs (subject, text
and HTML); the preview page and an export's headers in Finnish for a Finnish reader."""
import csv
import io
from datetime import datetime

import pytest

from okrapp.board import operations as board
from okrapp.board.models import SummaryRecipient
from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.okrs.operations import record_check_in

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user

OCTOBER = datetime(2026, 10, 20, 8, 0)
FINNISH = {"Accept-Language": "fi"}
SUBJECT_FI = "Asiakasprioriteetit — hallituskatsaus, lokakuu 2026"
SUBJECT_EN = "Customer priorities — board summary, October 2026"


@pytest.fixture
def company(clock):
    """Built in October, summarised in November."""
    start, clock.now = clock.now, OCTOBER
    ceo = make_user("executive", name="Aino Virtanen")
    delivery, partner = make_unit("Delivery"), make_unit("Last Mile Oy", kind="partner")
    cycle = make_cycle("2026 Q4")
    first = make_objective(cycle, title="One smooth delivery", by=ceo)
    second = make_objective(cycle, title="Customers stay", by=ceo)
    on_time = make_key_result(first, unit=partner, metric_key="csat", baseline=80, target=95, by=ceo)
    churn = make_key_result(second, unit=delivery, metric_key="churn_rate", baseline=9, target=6, by=ceo)
    record_check_in(on_time, 88.5, 8, "", ceo)
    record_check_in(churn, 8.9, 3, "", ceo)
    member = make_user("board", name="Pekka Nieminen", email="pekka@example.com")
    member.locale = "en"  # a board member reads in their own language
    make_user("board", name="Liisa Koski", email="liisa@example.com").locale = "fi"
    db.session.commit()
    refresh_items()
    db.session.commit()
    clock.now = start
    return dict(ceo=ceo, cycle=cycle, member=member)


def parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_one_summary_reaches_a_finnish_and_an_english_recipient_each_in_their_language(company, login, runner,
                                                                                         smtp):
    admin = login(make_user("admin"))
    settings = admin.get("/board/settings", headers=FINNISH).data.decode()
    assert "Katsausten aikataulu" in settings and "Organisaation kieli" in settings and "suomi" in settings
    added = admin.post("/board/recipients", data={"email": "omistajat@example.com", "name": "Omistajat",
                                                  "locale": "fi"}, headers=FINNISH, follow_redirects=True)
    assert "omistajat@example.com saa jatkossa hallituskatsaukset." in added.data.decode()
    assert db.session.scalar(db.select(SummaryRecipient.locale).where(
        SummaryRecipient.email == "omistajat@example.com")) == "fi"

    result = runner.invoke(args=["board-summary", "send", "--period", "2026-10"])
    assert result.exit_code == 0, result.output

    [finnish] = smtp.to("omistajat@example.com")
    assert finnish["Subject"] == SUBJECT_FI
    for part in parts(finnish):
        assert SUBJECT_FI in part
        assert "31.10.2026" in part and "8,9 %" in part and "88,5 %" in part  # Finnish dates and decimal commas
        assert "Mitä johto päätti".upper() in part.upper() and "Suurimmat riskit".upper() in part.upper()
        assert "vastuussa: Delivery" in part and "Avaa katsaukset okrappissa" in part
        for english in ("What the leadership decided", "Top risks", "accountable:", "31 Oct 2026", "8.9 %", "October"):
            assert english.upper() not in part.upper(), english
    text, html = parts(finnish)
    assert "Olen lukenut tämän katsauksen: http" in text and 'lang="fi"' in html

    [english] = smtp.to("pekka@example.com")
    assert english["Subject"] == SUBJECT_EN
    for part in parts(english):
        assert "31 Oct 2026" in part and "8.9 %" in part and "88.5 %" in part
        assert "accountable: Delivery" in part
        for finnish_word in ("Mitä johto päätti", "Suurimmat riskit", "31.10.2026", "8,9 %", "lokakuu"):
            assert finnish_word.upper() not in part.upper(), finnish_word
    [member] = smtp.to("liisa@example.com")  # a board member who chose Finnish
    assert member["Subject"] == SUBJECT_FI and all("31.10.2026" in part for part in parts(member))
    assert board.made_summary("2026-10").subject == SUBJECT_EN  # the archive keeps the organisation's language


def test_the_preview_page_in_finnish(company, login):
    page = login(make_user("admin")).get("/board/preview?period=2026-10", headers=FINNISH).data.decode()
    assert f"Esikatselu: {SUBJECT_FI}" in page
    for finnish in ("Mitä johto päätti", "Saate", "Tallenna saate", "Tekstiosa", "MITÄ JOHTO PÄÄTTI",
                    "Vastaanottajat:", "Lähetä 2026-10 nyt", "31.10.2026"):
        assert finnish in page, finnish
    for english in ("What the leadership decided", "Covering note", "Plain-text part", "WHAT THE LEADERSHIP",
                    "Recipients:", "Send 2026-10 now", "Open conflicts by level and age"):
        assert english not in page, english


def test_an_export_has_finnish_headers_and_words_for_a_finnish_reader(company, login):
    reader = make_user("executive")
    reader.locale = "fi"
    db.session.commit()
    response = login(reader).get(f"/exports/key-results.csv?cycle={company['cycle'].id}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["Tavoitteen sija", "Tavoite", "Avaintuloksen tunnus", "Avaintulos", "Mittari"]
    assert "Lähtötaso" in header and "Tavoitetaso" in header and "Viimeisin tilannepäivitys (Europe/Helsinki)" in header
    status = header.index("Tila")
    assert {row[status] for row in rows[1:]} <= {"aikataulussa", "vaarassa", "jäljessä"}  # read after the request
    assert not {"Key result", "Baseline", "Target", "Status"} & set(header)
    english = login(make_user("executive")).get(f"/exports/key-results.csv?cycle={company['cycle'].id}")
    assert next(csv.reader(io.StringIO(english.data.decode("utf-8-sig"))))[:2] == ["Objective rank", "Objective"]
