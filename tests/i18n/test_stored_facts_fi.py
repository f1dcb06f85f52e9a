"""What okrapp itself writes into records is kept as facts and worded for each reader: an incentive's
edit history, a job run's detail, a conflict line of a stored agenda, and the stale-save message."""
import json
from datetime import datetime

from okrapp.core import versioning, words
from okrapp.core.extensions import db
from okrapp.core.formatting import conflict_line, marked, stored_text
from okrapp.incentives.operations import retire_incentive, save_incentive
from okrapp.reviews.rules import ConflictState, conflict_sections

from tests.factories import make_unit, make_user, metric


def test_an_incentive_edit_reads_in_the_readers_language():
    unit, by = make_unit("Sales"), make_user()
    incentive = save_incentive(None, unit=unit, name="Volume", metric=metric("revenue"), direction="increase",
                               weight=0.4, target=1000.0, period="", note="", by=by)
    save_incentive(incentive, unit=unit, name="Myynti", metric=metric("revenue"), direction="increase", weight=0.25,
                   target=2500.5, period="", note="", by=by)
    retire_incentive(incentive, by)
    db.session.commit()
    edit, retired = sorted(incentive.versions, key=lambda v: v.id)
    assert edit.what_text == "edited: renamed “Volume” → “Myynti”; bonus share 40 % → 25 %; target 1 000 → 2 500"
    with words.using("fi"):
        assert edit.what_text == ("muokattu: nimetty uudelleen ”Volume” → ”Myynti”; bonusosuus 40 % → 25 %; "
                                  "tavoitetaso 1 000 → 2 500")
        assert retired.what_text == "poistettu käytöstä Kannustimet-sivulla"
    assert json.loads(edit.what)["say"] == "edited: %(changes)s"  # facts, not a sentence


def test_a_job_runs_detail_is_worded_when_read():
    detail = json.dumps(marked.ngettext("%(num)s reminder queued", "%(num)s reminders queued", 3))
    assert stored_text(detail) == "3 reminders queued"
    with words.using("fi"):
        assert stored_text(detail) == "3 muistutusta jonossa"
    assert stored_text("written before facts were kept") == "written before facts were kept"


def test_a_stored_agenda_words_its_conflicts_for_each_reader():
    facts = {"kind": "criterion", "units": ["Sales"], "key_results": 2, "objectives": 1}
    state = ConflictState(1, "Volume bonus", "stored English", "high", 0.9, "open", datetime(2026, 12, 1), facts=facts)
    _, [line], _ = conflict_sections([state], None, datetime(2026, 12, 5).date())
    english = conflict_line(line)
    with words.using("fi"):
        finnish = conflict_line(line)
    assert "Sales" in english and "Sales" in finnish and english != finnish and "stored English" not in english
    assert conflict_line({"summary": "stored English"}) == "stored English"  # an agenda kept before facts


def test_a_stale_save_says_who_in_the_readers_language():
    with words.using("fi"):
        message = versioning.stale_message("Myynti", "Aino", None)
    assert message.startswith("Aino muutti kohdetta ”Myynti” sillä välin.")
    assert versioning.stale_message("Sales", None, None).startswith("“Sales” was changed by someone else meanwhile.")


def test_a_schedule_refused_for_its_time_zone_says_so_in_finnish():
    import pytest
    from okrapp.domain.recurrence import RecurrenceError, zone
    with words.using("fi"), pytest.raises(RecurrenceError) as refused:
        zone("Mars/Olympus_Mons")
    assert str(refused.value) == "Tuntematon aikavyöhyke ”Mars/Olympus_Mons”." and refused.value.field == "timezone"
