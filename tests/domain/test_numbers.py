"""Numbers as people write them: one parser for forms, imports and the API."""
import pytest

from okrapp.domain.check_ins import Path, implausible
from okrapp.domain.numbers import NumberError, parse_number


@pytest.mark.parametrize("text, expected", [
    ("3475000,5", 3475000.5), ("3 475 000,5", 3475000.5), ("3\u00a0475\u00a0000,5", 3475000.5),
    ("3\u202f475\u202f000,5", 3475000.5), ("3,475,000.5", 3475000.5), ("3.475.000,5", 3475000.5),
    ("3475000.5", 3475000.5), ("−12,5", -12.5), ("+7", 7.0), (".5", 0.5), ("1e3", 1000.0), ("0,125", 0.125),
])
def test_decimal_comma_point_and_thousands_groups_are_read(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "nan", "inf", "-inf", "1e308", "abc", "1 2", "1.234.5", "1,2,3", "12,34,567",
                                  "1,5.000,2", "1" * 65, "1e16"])
def test_what_is_not_a_finite_bounded_number_is_refused_with_a_reason(text):
    with pytest.raises(NumberError) as error:
        parse_number(text)
    assert str(error.value)


def test_percent_only_where_allowed():
    assert parse_number("40 %", percent=True) == pytest.approx(0.4)
    assert parse_number("12,5%", percent=True) == pytest.approx(0.125)
    with pytest.raises(NumberError):
        parse_number("40 %")


def test_a_lone_comma_before_three_digits_is_ambiguous_only_where_commas_may_group():
    assert parse_number("1,234") == 1.234
    with pytest.raises(NumberError, match="ambiguous"):
        parse_number("1,234", comma_may_group=True)
    assert parse_number("0,234", comma_may_group=True) == 0.234
    assert parse_number("12,5", comma_may_group=True) == 12.5


def test_a_typo_far_off_the_path_is_implausible():
    path = Path(baseline=3_100_000, target=3_500_000, current=3_300_000)
    assert implausible(3_475_000.5, path) is None
    assert "jump" in implausible(34_750_005, path)  # the decimal comma lost
    assert implausible(3_300_000 + 3 * 400_000, path) is None  # exactly three times the span still passes


def test_a_value_far_outside_the_span_is_implausible_even_near_the_current_value():
    path = Path(baseline=10, target=20, current=60)
    assert "far outside" in implausible(55, path)
    assert implausible(45, path) is None
