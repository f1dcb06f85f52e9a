"""An agenda stays a short list at any size: the worst first, the rest counted."""
from datetime import date, datetime

from okrapp.reviews.rules import (
    MAX_CONFLICTS, MAX_KEY_RESULTS, MAX_PRIORITIES, ConflictState, KeyResultState, ObjectiveState, build_agenda)

NOW = datetime(2026, 11, 16, 8, 0)


def key_result(i, status="off_track", progress=0.5, confidence=None, previous=None):
    return KeyResultState(i, f"KR {i}", "O", "Unit", status, progress, NOW, confidence, previous)


def test_lists_are_cut_to_the_worst_with_the_rest_counted():
    objectives = [ObjectiveState(i, f"O {i}", i, 0.5, "on_track") for i in range(1, 41)]
    krs = [key_result(i, progress=i / 100, confidence=2, previous=2 + i % 5) for i in range(30)]
    conflicts = [ConflictState(i, f"C {i}", "", "medium", i / 100, "open", NOW) for i in range(20)]
    agenda = build_agenda(objectives, krs, conflicts, [], None, NOW, date(2026, 11, 16))
    assert [p["rank"] for p in agenda.priorities] == list(range(1, MAX_PRIORITIES + 1))
    assert agenda.more["priorities"] == 40 - MAX_PRIORITIES
    assert [k["id"] for k in agenda.at_risk] == list(range(MAX_KEY_RESULTS))  # lowest progress first
    assert agenda.more["at_risk"] == 30 - MAX_KEY_RESULTS
    drops = [d["from"] - d["to"] for d in agenda.confidence_drops]
    assert drops == sorted(drops, reverse=True) and drops[0] == 4 and len(drops) == MAX_KEY_RESULTS
    assert [c["id"] for c in agenda.conflicts] == list(range(19, 19 - MAX_CONFLICTS, -1))  # worst first
    assert agenda.more_conflicts == 20 - MAX_CONFLICTS


def test_items_sent_to_this_review_come_first_and_count_against_the_limit():
    conflicts = [ConflictState(i, f"C {i}", "", "high", 0.5, "open", NOW) for i in range(15)]
    conflicts.append(ConflictState(99, "Sent", "", "low", 0.01, "in_review", NOW, sent_here=True))
    agenda = build_agenda([], [], conflicts, [], None, NOW, date(2026, 11, 16))
    assert [c["id"] for c in agenda.sent_to_review] == [99]
    assert len(agenda.conflicts) == MAX_CONFLICTS - 1 and agenda.more_conflicts == 15 - (MAX_CONFLICTS - 1)


def test_a_decision_awaiting_item_leads_and_tensions_stay_off():
    conflicts = [ConflictState(1, "Worst", "", "high", 0.9, "open", NOW),
                 ConflictState(2, "Trade-off due", "", "low", 0.01, "accepted", NOW, flag="trade_off_due"),
                 ConflictState(3, "Tension", "", "tension", 0.5, "open", NOW)]
    agenda = build_agenda([], [], conflicts, [], None, NOW, date(2026, 11, 16))
    assert [c["title"] for c in agenda.conflicts] == ["Trade-off due", "Worst"]
