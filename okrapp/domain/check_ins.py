"""Rules for a new check-in value: is it plausible on the key result's path?

A typo (34750005 for 3475000,5) would otherwise become a point in an append-only history and
move progress to 100 %. We do not refuse such a value (reality may jump), we ask once."""
from okrapp.core.formatting import exact
from okrapp.core.words import _
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
        return _("%(value)s is a jump of %(jump)s from the current %(current)s, more than %(factor)s times the "
                 "distance from baseline %(baseline)s to target %(target)s.", value=exact(value), jump=exact(jump),
                 current=exact(path.current), factor=exact(JUMP_FACTOR), baseline=exact(path.baseline),
                 target=exact(path.target))
    if outside > limit:
        return _("%(value)s lies far outside the path from baseline %(baseline)s to target %(target)s.",
                 value=exact(value), baseline=exact(path.baseline), target=exact(path.target))
    return None
