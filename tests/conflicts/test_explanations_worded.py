"""Conflict items are explained in the reader's language: the scan stores English (exports and the
API read it), and pages word the stored facts again when shown (issue 23)."""
import html
import json

from sqlalchemy import select

from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.pages import metric_names
from okrapp.conflicts.rules.items import explain_stored
from okrapp.core import words
from okrapp.core.extensions import db

from tests.conflicts.test_conflicts_pages import add_volume_bonus, org  # noqa: F401 (the fixture)

ENGLISH = "Sales is rewarded for raising"
FINNISH = "Sales saa palkkion mittarin"


def only_item() -> ConflictItem:
    db.session.expire_all()
    return db.session.scalars(select(ConflictItem)).one()


def test_the_item_page_words_the_explanation_in_the_readers_language(org, login):  # noqa: F811
    add_volume_bonus(org)
    item = only_item()
    assert item.explanation.startswith(ENGLISH)  # stored in English, as before
    assert org["executive"].locale is None
    client = login(org["executive"])

    fi = html.unescape(client.get(f"/conflicts/{item.id}", headers={"Accept-Language": "fi"}).data.decode())
    assert FINNISH in fi and "mikä laskee mittaria" in fi
    assert item.explanation not in fi and ENGLISH not in fi
    assert item.summary not in fi  # the "detected" event reads the summary worded now
    listing = html.unescape(client.get("/conflicts", headers={"Accept-Language": "fi"}).data.decode())
    assert FINNISH in listing and ENGLISH not in listing

    en = html.unescape(client.get(f"/conflicts/{item.id}", headers={"Accept-Language": "en"}).data.decode())
    assert item.explanation in en and FINNISH not in en


def test_a_stored_block_words_again_byte_for_byte_in_english(org):  # noqa: F811
    add_volume_bonus(org)
    item = only_item()
    with words.using("en"):
        for block in item.block_list:
            assert explain_stored(block, metric_names(), json.loads(item.facts)["units"]) == block["explanation"]
        assert item.explanation_text(metric_names()) == item.explanation


def test_a_block_stored_without_its_facts_keeps_its_sentence():
    assert explain_stored({"a": "I:x:+", "explanation": "As stored."}, {}) == "As stored."
    observed = {"a": "K:x:+", "b": "K:y:+", "kind": "observed", "paths": [], "rho": -0.8, "weeks": 8,
                "explanation": "Measured."}
    assert explain_stored(observed, {}) == "Measured."
