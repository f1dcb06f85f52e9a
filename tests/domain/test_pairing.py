"""Paired indicators: a row rewarding speed, volume or cost is flagged unless its unit is also weighed by
a counter metric the catalogue pairs with it."""
from okrapp.domain.pairing import Unpaired, unpaired

PAIRS = {"cost_per_delivery": {"on_time_delivery"},
         "average_handling_time": {"first_contact_resolution", "csat"},
         "orders_per_sales_rep": {"churn_rate"}}


def test_a_row_without_its_counterweight_is_unpaired_with_the_counters_sorted():
    rows = [("Customer Care", "Handling time", "average_handling_time")]
    assert unpaired(rows, {}, PAIRS) == [
        Unpaired("Customer Care", "Handling time", "average_handling_time", ("csat", "first_contact_resolution"))]


def test_a_counter_in_another_row_of_the_same_unit_pairs_it():
    rows = [("Last Mile", "Cost per delivery", "cost_per_delivery"),
            ("Last Mile", "On time", "on_time_delivery")]
    assert unpaired(rows, {}, PAIRS) == []


def test_one_counter_of_several_is_enough():
    rows = [("Customer Care", "Handling time", "average_handling_time"), ("Customer Care", "CSAT", "csat")]
    assert unpaired(rows, {}, PAIRS) == []


def test_a_counter_the_unit_is_paid_on_or_accountable_for_pairs_it():
    rows = [("Last Mile", "Cost per delivery", "cost_per_delivery")]
    assert unpaired(rows, {"last mile": {"on_time_delivery"}}, PAIRS) == []


def test_a_counter_of_another_unit_does_not_pair_it():
    rows = [("Last Mile", "Cost per delivery", "cost_per_delivery"),
            ("Installation", "On time", "on_time_delivery")]
    flagged = unpaired(rows, {"sales": {"on_time_delivery"}}, PAIRS)
    assert flagged == [Unpaired("Last Mile", "Cost per delivery", "cost_per_delivery", ("on_time_delivery",))]


def test_a_metric_without_pairs_is_never_flagged():
    rows = [("Finance", "Gross margin", "gross_margin"), ("Finance", "Revenue", "revenue")]
    assert unpaired(rows, {}, PAIRS) == []


def test_units_match_whatever_their_case():
    rows = [("Nordic Last Mile Oy", "Cost per delivery", "cost_per_delivery"),
            ("NORDIC LAST MILE OY", "On time", "on_time_delivery"),
            ("nordic last mile oy ", "Orders", "orders_per_sales_rep"), ("Nordic Last Mile OY", "Churn", "churn_rate")]
    assert unpaired(rows, {}, PAIRS) == []
    only_accountable = [("Nordic Last Mile Oy", "Cost per delivery", "cost_per_delivery")]
    assert unpaired(only_accountable, {"nordic last mile oy": {"on_time_delivery"}}, PAIRS) == []


def test_every_unpaired_row_is_reported_in_the_rows_order():
    rows = [("Sales", "Orders", "orders_per_sales_rep"), ("Care", "Handling", "average_handling_time"),
            ("Care", "Margin", "gross_margin")]
    assert [(u.unit, u.name) for u in unpaired(iter(rows), {}, PAIRS)] == [("Sales", "Orders"), ("Care", "Handling")]


def test_the_suggested_counters_come_sorted_however_the_catalogue_lists_them():
    counters = [f"quality_{letter}" for letter in "jihgfedcba"]
    flagged = unpaired([("Care", "Handling", "average_handling_time")], {}, {"average_handling_time": counters})
    assert flagged[0].suggested == tuple(sorted(counters))
