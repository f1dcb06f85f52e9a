"""Calendar arithmetic for cycles."""
from datetime import date, timedelta


def quarter_of(day: date) -> tuple[str, date, date]:
    """Name, first and last day of the calendar quarter that holds day (cycles are quarters by default)."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return f"{day.year} Q{(first_month - 1) // 3 + 1}", start, following - timedelta(days=1)
