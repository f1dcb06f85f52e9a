"""Where a key result is heading: the least-squares line through its check-ins this cycle,
read off at the cycle's last day. Fewer than two check-ins on different days: no forecast."""
from datetime import date, datetime
from typing import Sequence

from okrapp.domain.scoring import progress


def linear_forecast(points: Sequence[tuple[float, float]], at: float) -> float | None:
    """points: (x, value); the fitted line's value at x = at."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y + slope * (at - mean_x)


def forecast_value(check_ins: Sequence[tuple[datetime, float]], starts_on: date, ends_on: date,
                   low: float | None = None, high: float | None = None) -> float | None:
    """check_ins: (time, value) within the cycle; the projection is kept inside the metric's range."""
    points = [((at.date() - starts_on).days + at.hour / 24, value) for at, value in check_ins]
    value = linear_forecast(points, (ends_on - starts_on).days + 1)
    if value is None:
        return None
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    return value


def forecast_progress(baseline: float, target: float, forecast: float | None) -> float | None:
    return None if forecast is None else progress(baseline, target, forecast)
