"""Objectives, key results, check-ins and the dashboard in Finnish: the words, the numbers people type
(a decimal comma, thousands spaced) and the figures the pages and charts write."""
import io
import re

import pytest
from sqlalchemy import select

from okrapp.core import words
from okrapp.core.extensions import db
from okrapp.core.formatting import compact_money
from okrapp.domain.numbers import NumberError, parse_number
from okrapp.okrs.models import CheckIn

from tests.factories import make_key_result, make_objective, make_unit, make_user

FINNISH = {"Accept-Language": "fi"}


def finnish(user):
    user.locale = "fi"
    db.session.commit()
    return user


@pytest.fixture
def leader_and_result():
    leader = make_user("unit_leader", name="Laura Mäkinen")
    unit = make_unit("Asennus", leaders=[leader])
    kr = make_key_result(objective=make_objective(title="Sujuva toimitus"), unit=unit, metric_key="csat",
                         baseline=72, target=85)
    return leader, kr


def test_my_key_results_read_in_finnish_and_take_a_decimal_comma(login, leader_and_result):
    leader, kr = leader_and_result
    client = login(finnish(leader))
    page = client.get("/my/key-results").get_data(as_text=True)
    for phrase in ("Omat avaintulokset", "Uusi arvo", "Luottamus (0–10)", "Päivitä tilanne",
                   "ei vielä tilannepäivityksiä", "Historia ja korjaukset"):
        assert phrase in page, phrase
    for english in ("My key results", "New value", "Check in<", "last check-in", "History and corrections"):
        assert english not in page, english

    response = client.post(f"/key-results/{kr.id}/check-in", data={"value": "87,5", "confidence": "8",
                                                                   "version": kr.version}, follow_redirects=True)
    assert response.status_code == 200
    assert "Tilannepäivitys tallennettu" in response.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn.value).where(CheckIn.key_result_id == kr.id)) == 87.5

    refused = client.post(f"/key-results/{kr.id}/check-in", data={"value": "abc", "confidence": "8"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "ei ole luku" in text and "is not a number" not in text


def test_a_value_far_off_the_path_is_questioned_in_finnish(login, leader_and_result):
    leader, kr = leader_and_result
    response = login(finnish(leader)).post(f"/key-results/{kr.id}/check-in",
                                            data={"value": "0,5", "confidence": "8", "version": kr.version})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tarkista arvo" in text and "0,5" in text and "Kyllä, arvo on oikein" in text
    assert "Please check the value" not in text


def test_the_executive_dashboard_and_a_key_result_chart_in_finnish(login):
    executive = finnish(make_user("executive"))
    kr = make_key_result(metric_key="revenue", baseline=3_100_000, target=3_500_000)
    client = login(executive)
    client.post(f"/key-results/{kr.id}/check-in", data={"value": "3 475 000,5", "confidence": "7"})

    home = client.get("/dashboard").get_data(as_text=True)
    for phrase in ("Yritys asiakkaiden silmin", "Asiakastavoitteiden kokonaistulos", "Asiakkaan läpileikkaus",
                   "Prioriteetit", "1 yhteinen tavoite", "jaksosta kulunut"):
        assert phrase in home, phrase
    for english in ("The company as its customers see it", "Overall customer score", "Customer cross-section"):
        assert english not in home, english

    page = client.get(f"/key-results/{kr.id}").get_data(as_text=True)
    assert "Liikevaihto" in page or "Tavoitetaso" in page
    assert ">3 475 000</td>" in page and "data-label=\"Arvo\">3 475 000</td>" in page  # the check-in, in the history table
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    assert "Tilannepäivitysten historia" in chart and "tavoitetaso 3 500 000" in chart
    assert re.search(r">3,\d+ milj\. €</text>", chart), "the axis writes money the Finnish way"
    assert "Target" not in chart and "confidence" not in chart and "€3" not in chart
    assert "Sininen: tilannepäivitykset" in page and "Check-ins" not in page


def test_a_check_in_sheet_is_previewed_in_finnish(login, leader_and_result):
    leader, kr = leader_and_result
    sheet = (f"avaintulos;arvo;päivämäärä;luottamus\r\n{kr.id};80,5;2.11.2026;6\r\n"
             f"{kr.id};abc;;\r\n999999;75;;11\r\n").encode()
    response = login(finnish(leader)).post("/check-ins/import", data={"sheet": (io.BytesIO(sheet), "tilanne.csv")},
                                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for phrase in ("Esikatselu: tilanne.csv", "3 ongelmaa: mitään ei tuoda", "arvo: ”abc” ei ole luku",
                   "tuntematon avaintulos ”999999”", "luottamuksen on oltava kokonaisluku 0–10", "2.11.2026",
                   "80,5"):
        assert phrase in page, phrase
    for english in ("Preview of", "problems:", "is not a number", "unknown key result"):
        assert english not in page, english


@pytest.mark.parametrize("locale", ["fi", "en"])
@pytest.mark.parametrize("typed, value", [("3 475 000,5", 3_475_000.5), ("3\u00a0475\u00a0000,5", 3_475_000.5),
                                          ("87,5", 87.5), ("3,475,000.5", 3_475_000.5), ("−2,5", -2.5)])
def test_numbers_are_read_the_way_people_write_them_in_either_language(locale, typed, value):
    with words.using(locale):
        assert parse_number(typed) == value


@pytest.mark.parametrize("locale", ["fi", "en"])
def test_a_number_field_takes_a_decimal_comma_and_thousands_spaces_in_either_language(login, locale):
    leader = make_user("unit_leader")
    leader.locale = locale
    kr = make_key_result(unit=make_unit(leaders=[leader]), metric_key="revenue", baseline=3_100_000, target=3_500_000)
    response = login(leader).post(f"/key-results/{kr.id}/check-in",
                                  data={"value": "3 475 000,5", "confidence": "7", "version": kr.version})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(CheckIn.value).where(CheckIn.key_result_id == kr.id)) == 3_475_000.5


def test_a_number_error_reads_in_the_language_of_the_moment():
    with words.using("fi"), pytest.raises(NumberError, match="ei ole luku"):
        parse_number("kolme")
    with words.using("en"), pytest.raises(NumberError, match="is not a number"):
        parse_number("three")


def test_money_is_written_short_in_each_language():
    with words.using("fi"):
        assert [compact_money(v) for v in (1_200_000, 3_084_000, 41_360, 950, -1_200_000, 2.5e9)] == [
            "1,2 milj. €", "3,08 milj. €", "41,4 t€", "950 €", "−1,2 milj. €", "2,5 mrd. €"]
    with words.using("en"):
        assert [compact_money(v) for v in (1_200_000, 3_084_000, 41_360, 950, -1_200_000, 2.5e9)] == [
            "€1.2M", "€3.08M", "€41.4k", "€950", "−€1.2M", "€2.5bn"]
