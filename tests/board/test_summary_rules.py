"""Pure rules of the board summary's figures: ages of open conflicts, and what a decision settled."""
from datetime import date, datetime, timedelta

from okrapp.board import rules

END = datetime(2026, 10, 31, 22, 0)


def item(title, level, days_ago, seconds=0):
    return rules.OpenItem(title, level, END - timedelta(days=days_ago, seconds=seconds))


def test_age_bands_have_their_boundaries_at_30_and_90_days():
    assert [rules.age_band(d) for d in (0, 29, 30, 89, 90, 400)] == [
        "under_30", "under_30", "30_to_90", "30_to_90", "over_90", "over_90"]


def test_open_items_are_counted_per_level_with_the_oldest_first_and_tensions_left_out():
    lines = rules.open_by_level_and_age([item("b", "high", 10), item("a", "high", 95, 1), item("m", "medium", 40),
                                         item("t", "tension", 300)], END)
    assert [line["level"] for line in lines] == ["high", "medium", "low"]
    high, medium, low = lines
    assert high["count"] == 2 and high["oldest"] == {"title": "a", "days": 95}
    assert high["ages"] == {"under_30": 1, "30_to_90": 0, "over_90": 1}
    assert medium["ages"]["30_to_90"] == 1 and (low["count"], low["oldest"]) == (0, None)


def test_open_by_level_replaces_the_plain_count_when_items_are_given():
    figures = rules.summary_figures(title="October 2026", covers_from=None, covers_to=END, objectives=[], previous=None,
                                    opened=[], resolved=[], rank_changes=[], decisions=[], next_reviews=[],
                                    in_review=[], open_by_level={"high": 99},
                                    open_items=[item("x", "high", 1), item("y", "low", 2)])
    assert figures.conflicts_open_by_level == {"high": 1, "medium": 0, "low": 1}


def test_a_decision_reports_what_it_changed_why_and_how_its_settled_items_fared():
    line = rules.DecisionLine("Change an incentive", "Because.", "", None, datetime(2026, 10, 20, 10),
                              changes=("Orders per sales rep (Equipment Sales): retired from 1 Jan 2027",),
                              settled=(rules.SettledLine("A", "high", "confirmed"),
                                       rules.SettledLine("B", "medium", "still_detected"),
                                       rules.SettledLine("C", "low", "accepted")),
                              effective_on=date(2027, 1, 1), about="Orders per sales rep (Equipment Sales)")
    shown = rules.decided(line)
    assert (shown["settled_count"], shown["confirmed"], shown["still_detected"]) == (3, 1, 1)
    assert [s["label"] for s in shown["settled"]] == ["confirmed: no longer detected", "decided, but still detected",
                                                      "accepted as a trade-off"]
    assert shown["why"] == "Because." and shown["effective_on"] == "2027-01-01"


def test_the_window_end_keeps_its_seconds():
    end = datetime(2026, 11, 16, 8, 0, 30, 250)
    figures = rules.summary_figures(title="November 2026", covers_from=END, covers_to=end, objectives=[],
                                    previous=None, opened=[], resolved=[], rank_changes=[], decisions=[],
                                    next_reviews=[], in_review=[])
    assert datetime.fromisoformat(figures.covers_to) == end and datetime.fromisoformat(figures.covers_from) == END


def objectives(scores, statuses=None):
    """One objective per score, ranked in order; statuses default to on track."""
    statuses = statuses or ["on_track"] * len(scores)
    return [rules.ObjectiveLine(100 + i, i + 1, f"Objective {i + 1}", score, status)
            for i, (score, status) in enumerate(zip(scores, statuses))]


def figures_for(lines, previous=None):
    return rules.summary_figures(title="November 2026", covers_from=None, covers_to=END, objectives=lines,
                                 previous=previous, opened=[], resolved=[], rank_changes=[], decisions=[],
                                 next_reviews=[], in_review=[])


def test_a_large_company_gets_its_first_objectives_in_full_and_the_rest_counted_by_status():
    statuses = ["on_track"] * 10 + ["at_risk"] * 5 + ["off_track"] * 7 + [None] * 3
    figures = figures_for(objectives([0.5] * 25, statuses))
    assert [o["rank"] for o in figures.objectives] == list(range(1, rules.BOARD_OBJECTIVES + 1))
    assert figures.objectives_rest == {"count": 15, "on_track": 0, "at_risk": 5, "off_track": 7, "no_data": 3}
    assert len(figures.scores) == 25
    assert [f.startswith("Objective") for f in figures.next_focus["items"]] == [True] * rules.BOARD_LIST
    assert figures.more["focus"] == 12 - rules.BOARD_LIST


def test_changes_are_exact_for_objectives_the_previous_summary_did_not_list_and_the_fastest_falling_are_named():
    before = figures_for(objectives([0.5] * 25)).as_dict()
    now = [0.5] * 25
    now[3] = 0.4  # listed in full: not among the falling
    now[14], now[20], now[22] = 0.45, 0.2, 0.49  # falls of 5, 30 and 1 points among the rest
    now[18] = 0.6  # a rise is not a fall
    figures = figures_for(objectives(now), previous=before)
    assert figures.objectives[3]["change"] == -0.1
    assert [(o["rank"], o["change"]) for o in figures.falling] == [(21, -0.3), (15, -0.05), (23, -0.01)]


def test_a_summary_stored_before_scores_were_kept_still_gives_changes():
    old = {"objectives": [{"id": 100, "score": 0.3}], "overall": {"score": 0.3}}
    assert figures_for(objectives([0.5]), previous=old).objectives[0]["change"] == 0.2


def test_a_change_taking_effect_after_the_summary_is_listed_as_scheduled_not_as_still_detected():
    later, sooner = date(2027, 1, 1), date(2026, 10, 15)
    scheduled = rules.DecisionLine(
        "Change an incentive", "Volume bonuses hurt delivery", "", None, datetime(2026, 10, 20, 10),
        changes=("Orders per sales rep (Sales): retired from 1 Jan 2027",),
        settled=(rules.SettledLine("Orders ↑", "high", "scheduled", later),), effective_on=later)
    in_effect = rules.DecisionLine("Change an incentive", "Done", "", None, datetime(2026, 10, 10),
                                   changes=("Calls per hour (Care): retired",), effective_on=sooner)
    figures = rules.summary_figures(
        title="October 2026", covers_from=None, covers_to=END, objectives=[], previous=None, opened=[],
        resolved=[rules.ConflictLine(1, "Orders ↑", "high", 0.3, "resolved", effective_on=later)], rank_changes=[],
        decisions=[scheduled], next_reviews=[], in_review=[], as_of=date(2026, 10, 31),
        scheduled=[scheduled, in_effect])
    assert figures.scheduled == [{"change": "Orders per sales rep (Sales): retired", "kind": "Change an incentive",
                                  "about": "", "effective_on": "2027-01-01"}]
    [decided] = figures.decided
    assert (decided["scheduled"], decided["still_detected"]) == (1, 0)
    assert decided["settled"][0]["label"] == "scheduled: settled from 1 Jan 2027"
    assert figures.conflicts_resolved[0]["scheduled"] == "2027-01-01"
    january = rules.summary_figures(
        title="January 2027", covers_from=END, covers_to=END + timedelta(days=92), objectives=[], previous=None,
        opened=[], resolved=[rules.ConflictLine(1, "Orders ↑", "high", 0.3, "resolved", effective_on=later)],
        rank_changes=[], decisions=[], next_reviews=[], in_review=[], as_of=date(2027, 1, 31), scheduled=[scheduled])
    assert january.scheduled == [] and january.conflicts_resolved[0]["scheduled"] is None
