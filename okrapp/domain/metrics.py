"""Validation of metric values and ranges."""


def range_problem(value: float, min_value: float | None, max_value: float | None, label: str = "value") -> str | None:
    """A readable complaint when value lies outside [min_value, max_value], else None."""
    if min_value is not None and value < min_value:
        return f"{label} {value:g} is below the metric's minimum {min_value:g}"
    if max_value is not None and value > max_value:
        return f"{label} {value:g} is above the metric's maximum {max_value:g}"
    return None


def milestone_problem(value: float) -> str | None:
    if value not in (0, 1):
        return "a milestone is either done (1) or not done (0)"
    return None
