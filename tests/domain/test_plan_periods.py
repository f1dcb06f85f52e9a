"""Plan periods: next year's plan is checked against the incentives whose periods overlap it, not
against everything active today."""
from datetime import date

import pytest

from okrapp.domain.plan_periods import Planned, overruns, rewarded_twice, span_of


def planned(period: str, weight: float, metric: str = "cost_per_delivery", unit: str = "Installation & Delivery",
            name: str = "KPI") -> Planned:
    starts, ends = span_of(period)
    return Planned(unit, name, metric, weight, starts, ends, ref=period)


@pytest.mark.parametrize("name, span", [
    ("2027", (date(2027, 1, 1), date(2027, 12, 31))),
    ("FY2027", (date(2027, 1, 1), date(2027, 12, 31))),
    (" 2027 H1 ", (date(2027, 1, 1), date(2027, 6, 30))),
    ("H2/2027", (date(2027, 7, 1), date(2027, 12, 31))),
    ("2027 Q3", (date(2027, 7, 1), date(2027, 9, 30))),
    ("q1 2027", (date(2027, 1, 1), date(2027, 3, 31))),
])
def test_a_period_name_stands_for_its_dates(name, span):
    assert span_of(name) == span


@pytest.mark.parametrize("name", ["", "Kausi 7", "2027 H3", "2027 Q5", "1999", "20277", "next year"])
def test_other_names_have_no_dates_of_their_own(name):
    assert span_of(name) is None


def test_next_years_plan_is_not_added_to_this_years_bonuses():
    assert overruns([planned("2026", 1.0)], [planned("2027", 0.6)]) == []


def test_two_rows_of_one_year_add_up():
    [overrun] = overruns([planned("2027", 0.6)], [planned("2027", 0.5, metric="nps")])
    assert (round(overrun.total, 6), overrun.starts_on, overrun.ends_on) == (1.1, date(2027, 1, 1), date(2027, 12, 31))
    assert "110 %" in overrun.message() and "1 Jan 2027" in overrun.message()


def test_exactly_one_hundred_percent_is_allowed_and_one_more_is_not():
    assert overruns([], [planned("2027", 1.0)]) == []
    assert len(overruns([], [planned("2027", 1.01)])) == 1


def test_a_year_and_its_half_are_counted_together():
    [overrun] = overruns([planned("2027", 0.6)], [planned("2027 H1", 0.5, metric="nps")])
    assert (overrun.starts_on, overrun.ends_on) == (date(2027, 1, 1), date(2027, 6, 30))


def test_the_two_halves_of_a_year_do_not_add_up():
    assert overruns([planned("2027 H1", 0.7)], [planned("2027 H2", 0.7, metric="nps")]) == []


def test_an_undated_incentive_counts_every_day():
    always = Planned("Installation & Delivery", "Old", "csat", 0.5)
    assert len(overruns([always], [planned("2027", 0.6)])) == 1


def test_other_units_do_not_count():
    assert overruns([planned("2027", 1.0, unit="Sales")], [planned("2027", 1.0)]) == []


def test_the_same_metric_in_two_years_is_not_rewarded_twice():
    assert rewarded_twice([planned("2026", 0.3)], [planned("2027", 0.3)]) == []


def test_the_same_metric_twice_in_one_year_is():
    earlier = planned("2027", 0.3, name="First")
    [(row, other)] = rewarded_twice([earlier], [planned("2027 Q2", 0.2, name="Second")])
    assert (row.name, other.name) == ("Second", "First")


def test_the_same_metric_twice_within_one_sheet_is_found():
    pairs = rewarded_twice([], [planned("2027", 0.3, name="A"), planned("2027", 0.2, name="B")])
    assert [(row.name, other.name) for row, other in pairs] == [("B", "A")]
