"""Rules for a new check-in value: is it plausible on the key result's path?

A typo (34750005 for 3475000,5) would otherwise become a point in an append-only history and
move progress to 100 %. We do not refuse such a value (reality may jump), we ask once."""
from okrapp.core.formatting import exact
from dataclasses import dataclass

JUMP_FACTOR = 3.0  # a change larger than this many times |target − baseline| is suspicious


@dataclass(frozen=True, slots=True)
class Path:
    baseline: float
    target: float
    current: float
    min_value: float | None = None
    max_value: float | None = None


def implausible(value: float, path: Path) -> str | None:
    """Why value looks like a typo for this key result, or None when it looks like a measurement.
    Suspicious: a jump from the current value, or a distance from the baseline–target span,
    larger than JUMP_FACTOR times that span."""
    span = abs(path.target - path.baseline)
    if span == 0:
        return None
    limit = JUMP_FACTOR * span
    low, high = min(path.baseline, path.target), max(path.baseline, path.target)
    outside = max(low - value, value - high, 0.0)
    jump = abs(value - path.current)
    if jump > limit:
        return (f"{exact(value)} is a jump of {exact(jump)} from the current {exact(path.current)}, more than "
                f"{JUMP_FACTOR:g} times the distance from baseline {exact(path.baseline)} to target {exact(path.target)}.")
    if outside > limit:
        return (f"{exact(value)} lies far outside the path from baseline {exact(path.baseline)} "
                f"to target {exact(path.target)}.")
    return None
