"""Incentives, the KPI sheet import, conflicts and the admin pages in Finnish, on the demo organisation
(Kaleva Systems Oy) in December 2026: a reader whose browser asks for Finnish, and who has chosen no
language, reads the pages, a sheet's problems and what a sheet would do to conflicts in Finnish."""
import re
from datetime import datetime
from io import BytesIO

import pytest
from sqlalchemy import select

from okrapp.accounts.models import User
from okrapp.conflicts.operations import refresh_items
from okrapp.core.extensions import db
from okrapp.demo.company import DEMO_PASSWORD, load_demo

FINNISH = {"Accept-Language": "fi"}
SHEET_2027 = ("unit;KPI name;metric key;direction;weight;target\n"
              "Installation & Delivery;Kuljetuskulujen säästö per toimitus;cost_per_delivery;decrease;60 %;\n"
              "Installation & Delivery;Asennustyöt per viikko;installation_jobs_per_week;increase;40 %;42\n")
BROKEN_SHEET = ("unit;KPI name;metric key;direction;weight;target\n"
                "Nobody;Kuljetuskulujen säästö;cost_per_delivery;sideways;140 %;\n")


@pytest.fixture
def ceo(clock, login):
    """The demo's CEO, signed in, with no language of their own: the browser's decides."""
    clock.now = datetime(2026, 12, 5, 10, 0)
    assert load_demo()
    refresh_items()
    user = db.session.scalar(select(User).where(User.email == "ceo@demo.okrapp"))
    user.locale = None
    db.session.commit()
    return login(user, DEMO_PASSWORD)


def read(client, url: str) -> str:
    response = client.get(url, headers=FINNISH)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def upload(client, text: str, period: str = ""):
    page = read(client, "/incentives/import")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/incentives/import", headers=FINNISH, content_type="multipart/form-data",
                       data={"csrf_token": token, "period": period, "sheet": (BytesIO(text.encode()), "kpi.csv")})


def assert_finnish(page: str, finnish: tuple[str, ...], english: tuple[str, ...]) -> None:
    for phrase in finnish:
        assert phrase in page, phrase
    for phrase in english:
        assert phrase not in page, phrase


def test_the_incentives_page_reads_in_finnish(ceo):
    page = read(ceo, "/incentives")
    assert_finnish(page, ("Mistä yksiköitä palkitaan", "Tuo KPI-taulukko", "Uusi kannustin", "Tavoitetaso",
                          "Palkitaan", "Osuus", "Poista käytöstä", "Liiketoimintayksikkö"),
                   ("What units are rewarded for", "Import KPI sheet", "New incentive", "Rewarded for",
                    "No incentives recorded", ">Retire<", "Propose a change"))


def test_a_sheet_with_problems_is_refused_in_finnish(ceo):
    response = upload(ceo, BROKEN_SHEET)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_finnish(page, ("tuntematon yksikkö ”Nobody” (lisää se ensin kohdassa Yksiköt)",
                          "suunnan on oltava kasvu tai lasku", "painon on oltava luku",
                          "3 ongelmaa 1 rivillä: mitään ei tuoda ennen kuin taulukko on korjattu.",
                          "Esikatselu: kpi.csv", "Mittarien avaimet"),
                   ("unknown unit", "direction must be", "problems on", "nothing will be imported", "Preview of"))


def test_what_a_sheet_would_do_to_conflicts_reads_in_finnish(ceo):
    response = upload(ceo, SHEET_2027, "2027")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    what_if = page[page.index("Mitä jos: suunnitelman vaikutus ristiriitoihin kaudella 2027"):]
    assert_finnish(what_if, ("Avaisi", "Ei vastapainoa", "Rivit ilman vastapainoa: mitä muuttaa",
                             "yhteinen yksikön Nordic Last Mile Oy kanssa", "saa palkkion mittarin"),
                   ("Would open", "Unpaired", "shared with", "is rewarded for", "pair it with"))
    assert "Tuo 2 kannustinta" in page and "Import 2 incentives" not in page


def test_the_conflicts_page_reads_in_finnish(ceo):
    page = read(ceo, "/conflicts?level=all&status=all")
    assert_finnish(page, ("Missä tavoitteet vetävät toisiaan vastaan", "Korkea ja keskitaso", "Vain jännitteet",
                          "Yhä avoinna", "Suodata", "Näyttö:", "tavoiteparia", "Havaittu ensimmäisen kerran"),
                   ("Where goals pull against each other", "High and medium", "Still open", "Evidence:",
                    "pairs of goals", "First seen"))


def test_the_plan_periods_admin_page_reads_in_finnish(ceo):
    page = read(ceo, "/admin/periods")
    assert_finnish(page, ("Suunnittelukaudet", "Ajanjaksot, joille bonukset suunnitellaan",
                          "Voimassa olevat kannustimet", "Päättyy"),
                   ("Plan periods", "The stretches of time", "Active incentives", ">Ends<"))


def test_english_readers_still_read_english(ceo):
    page = ceo.get("/incentives", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "What units are rewarded for" in page and "Mistä yksiköitä palkitaan" not in page
