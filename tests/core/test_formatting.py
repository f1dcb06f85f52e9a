"""okrapp.core.formatting: one way to write a number, a share, a size, for pages and mail alike."""
from okrapp.core import formatting


def test_a_file_size_below_a_megabyte_is_not_written_as_zero_megabytes():
    assert formatting.file_size(1024) == "1 KB"
    assert formatting.file_size(300 * 1024) == "300 KB"


def test_a_file_size_is_written_in_binary_megabytes_like_the_limits():
    assert formatting.file_size(2 * 1024 * 1024) == "2 MB"
    assert formatting.file_size(4 * 1024 * 1024 + 512 * 1024) == "4.5 MB"


def test_a_share_is_a_whole_percent_unless_places_are_asked_for():
    assert formatting.percent(0.4) == "40 %"
    assert formatting.percent(0.125) == "12 %"
    assert formatting.percent(0.125, 1) == "12.5 %"
    assert formatting.percent(0.4, 1) == "40 %"
    assert formatting.percent(None, 1) == "–"


def test_a_severity_has_three_places():
    assert formatting.severity(0.41234) == "0.412"
    assert formatting.severity(1) == "1.000"


def test_counted_gives_each_form_its_own_words():
    from okrapp.core.formatting import counted
    assert [counted(n, "pair of goals", "pairs of goals") for n in (0, 1, 2, 1200)] == [
        "0 pairs of goals", "1 pair of goals", "2 pairs of goals", "1 200 pairs of goals"]


def test_dates_and_times_are_written_in_one_place():
    from datetime import datetime

    from okrapp.core import formatting as fmt
    at = datetime(2026, 11, 26, 9, 5)
    assert fmt.moment(at) == "Thu 26 Nov 2026, 09:05" and fmt.moment(at, year=False) == "Thu 26 Nov, 09:05"
    assert fmt.long_moment(at) == "Thursday 26 November 2026 at 09:05"
    assert fmt.long_day(at, weekday=False, year=False) == "26 November" and fmt.day_month(at) == "26 Nov"
    assert fmt.day("2026-11-01T00:00:00") == "1 Nov 2026" and fmt.clock(at) == "09:05"


def test_a_conflict_summary_is_worded_from_its_facts():
    from okrapp.core.formatting import conflict_summary
    criterion = {"kind": "criterion", "units": ["Care", "Sales"], "tension": False, "key_results": 6, "objectives": 3,
                 "incentives": 1}
    assert conflict_summary(criterion) == ("Rewarded in Care and Sales; works against 6 key results of 3 objectives "
                                           "and 1 other incentive.")
    many = {**criterion, "units": [f"Unit {i}" for i in range(40)], "tension": True, "incentives": 0}
    assert conflict_summary(many) == "Rewarded in 40 units; partly pulls against 6 key results of 3 objectives."
    assert conflict_summary({"kind": "key_results", "key_results": 2, "objectives": 1, "incentives": 0}) == \
        "2 key results of 1 objective pull against each other."


def test_a_moment_is_written_in_the_organisations_zone():
    """23:30 UTC on 2 December is already 3 December in Helsinki: the date people read is Helsinki's."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    assert formatting.stamp(datetime(2026, 12, 2, 23, 30), ZoneInfo("Europe/Helsinki")) == "3 Dec 2026, 01:30"
    assert formatting.stamp(datetime(2026, 12, 2, 23, 30)) == "2 Dec 2026, 23:30"
    assert formatting.stamp(None) == ""


def test_bar_points_clamp_and_round():
    assert [formatting.bar_points(v) for v in (None, -0.2, 0.004, 0.555, 1.3)] == [0, 0, 0, 56, 100]


def test_exact_keeps_every_digit_typed_and_spaces_thousands():
    assert formatting.exact(3475000.5) == "3 475 000.5"
    assert formatting.exact(0.125) == "0.125"


def test_decimal_writes_a_fixed_number_of_places():
    assert (formatting.decimal(7), formatting.decimal(None), formatting.decimal(2.345, 2)) == ("7.0", "–", "2.35")
