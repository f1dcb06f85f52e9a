"""Recurrence rules in local time: monthly first weekday, every two weeks, across both DST changes
(Helsinki: EEST ends 25 Oct 2026, starts 28 Mar 2027), and the bounds on cron rules."""
from datetime import date, datetime

import pytest

from okrapp.domain.recurrence import Recurrence, RecurrenceError, first_weekday_of_month, occurrences, validate, zone

HELSINKI = "Europe/Helsinki"


def rule(cadence, weekday, anchor, **kw):
    return Recurrence(cadence, weekday, "09:00", HELSINKI, anchor, **kw)


def test_monthly_is_the_first_weekday_of_the_month_even_on_the_7th():
    # September 2026 starts on a Tuesday: its first Monday is the 7th; October's is the 5th
    starts = occurrences(rule("monthly", 0, date(2026, 8, 1)), datetime(2026, 8, 1), datetime(2026, 11, 1))
    assert starts == [datetime(2026, 8, 3, 6), datetime(2026, 9, 7, 6), datetime(2026, 10, 5, 6)]
    assert first_weekday_of_month(2026, 9, 0) == date(2026, 9, 7)


def test_monthly_takes_the_1st_and_never_the_8th():
    # 3 Nov and 1 Dec 2026 are the first Tuesdays; 8 Dec is the second and does not count
    starts = occurrences(rule("monthly", 1, date(2026, 11, 1)), datetime(2026, 11, 1), datetime(2027, 1, 1))
    assert starts == [datetime(2026, 11, 3, 7), datetime(2026, 12, 1, 7)]


def test_biweekly_keeps_its_rhythm_and_local_time_across_the_autumn_change():
    starts = occurrences(rule("biweekly", 3, date(2026, 10, 15)), datetime(2026, 10, 1), datetime(2026, 11, 20))
    # 15 Oct in summer time (UTC+3), 29 Oct and 12 Nov in winter time (UTC+2): 09:00 local each time
    assert starts == [datetime(2026, 10, 15, 6), datetime(2026, 10, 29, 7), datetime(2026, 11, 12, 7)]


def test_biweekly_across_the_spring_change():
    starts = occurrences(rule("biweekly", 3, date(2027, 3, 18)), datetime(2027, 3, 1), datetime(2027, 4, 10))
    assert starts == [datetime(2027, 3, 18, 7), datetime(2027, 4, 1, 6)]


def test_monthly_across_both_changes_stays_at_nine():
    starts = occurrences(rule("monthly", 0, date(2026, 10, 1)), datetime(2026, 10, 1), datetime(2027, 5, 1))
    assert [s.hour for s in starts] == [6, 7, 7, 7, 7, 7, 6]  # Oct (summer) ... Mar 1 (winter), Apr (summer)


def test_a_meeting_on_the_day_of_the_change_is_at_local_nine():
    starts = occurrences(rule("weekly", 6, date(2026, 10, 1)), datetime(2026, 10, 20), datetime(2026, 10, 30))
    assert starts == [datetime(2026, 10, 25, 7)]  # Sunday 25 Oct, after 04:00 EEST → 03:00 EET


@pytest.mark.parametrize("cron", ["* * * * *", "0 9,15 * * mon", "*/30 9 * * *"])
def test_cron_rules_with_two_meetings_a_day_are_refused(cron):
    with pytest.raises(RecurrenceError) as error:
        validate(Recurrence("cron", cron=cron))
    assert error.value.field == "cron" and "at most one review a day" in str(error.value)


def test_a_daily_cron_rule_is_allowed():
    validate(Recurrence("cron", cron="0 9 * * *"))


@pytest.mark.parametrize("name", ["é" * 300, "x" * 61, "", "Europe/../../etc/passwd", "Nowhere/Town"])
def test_a_time_zone_name_that_is_none_is_refused_not_a_crash(name):
    """A name too long for a file made ZoneInfo raise OSError (a 500 the fuzzer found)."""
    with pytest.raises(RecurrenceError):
        zone(name)
