"""The agenda's rules at their boundaries."""
from datetime import date, datetime

from okrapp.reviews.rules import CONFIDENCE_DROP, KeyResultState, build_agenda

NOW = datetime(2026, 11, 16, 8)


def kr(id, previous, current):
    return KeyResultState(id, f"KR {id}", "Objective", "Unit", "on_track", 0.5, NOW, current, previous)


def test_a_confidence_drop_of_exactly_two_counts_and_of_one_does_not():
    assert CONFIDENCE_DROP == 2
    agenda = build_agenda([], [kr(1, 8, 6), kr(2, 8, 7), kr(3, 5, 8), kr(4, None, 3), kr(5, 9, 2)], [], [],
                          None, NOW, date(2026, 11, 16))
    assert sorted((d["id"], d["from"], d["to"]) for d in agenda.confidence_drops) == [(1, 8, 6), (5, 9, 2)]
