"""Key result progress, objective scores and the on-track status.

Progress runs from 0.0 at the baseline to 1.0 at the target, clamped, in whichever direction
the target lies (a churn target below its baseline means "lower is better").

Status compares progress with the pace expected at this point of the cycle. The goal is 1.0
for a `committed` key result and 0.7 for an `aspirational` one (0.7 counts as success), and the
expected progress is ``goal × elapsed share of the cycle``:

* ``on_track``  — progress is at most ON_TRACK_GAP (0.10) behind the expected progress;
* ``at_risk``   — at most AT_RISK_GAP (0.25) behind;
* ``off_track`` — further behind.

Low confidence lowers the status by one step: a latest confidence at or below
LOW_CONFIDENCE (3 of 10) turns on_track into at_risk and at_risk into off_track, because the
people closest to the work are telling us the number will not hold. A key result that has
reached its goal is on track whatever the confidence.
"""
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from okrapp.core.words import _

ON_TRACK_GAP = 0.10
AT_RISK_GAP = 0.25
LOW_CONFIDENCE = 3
ASPIRATIONAL_GOAL = 0.7
STATUSES = ("on_track", "at_risk", "off_track")


class ScoringError(ValueError):
    """Raised for inputs that have no meaningful score."""


@dataclass(frozen=True)
class KeyResultFigures:
    baseline: float
    target: float
    current: float
    weight: float = 1.0
    commitment: str = "committed"
    confidence: int | None = None


@dataclass(frozen=True)
class Score:
    progress: float
    expected: float
    status: str


def progress(baseline: float, target: float, current: float) -> float:
    if baseline == target:
        raise ScoringError(_("target must differ from baseline"))
    share = (current - baseline) / (target - baseline)
    return min(1.0, max(0.0, share))


def goal_for(commitment: str) -> float:
    if commitment == "committed":
        return 1.0
    if commitment == "aspirational":
        return ASPIRATIONAL_GOAL
    raise ScoringError(_("unknown commitment %(commitment)s", commitment=repr(commitment)))


def elapsed_share(starts_on: date, ends_on: date, today: date) -> float:
    """Share of the cycle behind us: 0 before it starts, 1 on its last day and after."""
    if ends_on < starts_on:
        raise ScoringError(_("cycle ends before it starts"))
    if today <= starts_on:
        return 0.0
    if today >= ends_on:
        return 1.0
    return (today - starts_on).days / (ends_on - starts_on).days


def status(progress_: float, expected: float, confidence: int | None = None, goal: float = 1.0) -> str:
    if progress_ >= goal:
        return "on_track"
    gap = expected - progress_
    level = 0 if gap <= ON_TRACK_GAP + 1e-9 else 1 if gap <= AT_RISK_GAP + 1e-9 else 2
    if confidence is not None and confidence <= LOW_CONFIDENCE:
        level = min(2, level + 1)
    return STATUSES[level]


def score_key_result(kr: KeyResultFigures, elapsed: float) -> Score:
    goal = goal_for(kr.commitment)
    value = progress(kr.baseline, kr.target, kr.current)
    expected = goal * elapsed
    return Score(value, expected, status(value, expected, kr.confidence, goal))


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there is nothing to weigh."""
    total = weight_sum = 0.0
    for value, weight in pairs:
        total += value * weight
        weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


@dataclass(frozen=True)
class ObjectiveFigures:
    """What an objective's status is judged on: weighted progress, goal and confidence."""
    progress: float
    goal: float
    confidence: float | None


def objective_figures(krs: Sequence[KeyResultFigures]) -> ObjectiveFigures | None:
    if not krs:
        return None
    return ObjectiveFigures(
        weighted_mean((progress(k.baseline, k.target, k.current), k.weight) for k in krs),
        weighted_mean((goal_for(k.commitment), k.weight) for k in krs),
        weighted_mean((k.confidence, k.weight) for k in krs if k.confidence is not None))


def score_from_figures(figures: ObjectiveFigures, elapsed: float) -> Score:
    """Status against the weighted goal's pace and the weighted confidence (rounded)."""
    expected = figures.goal * elapsed
    confidence = None if figures.confidence is None else round(figures.confidence)
    return Score(figures.progress, expected, status(figures.progress, expected, confidence, figures.goal))


def score_from_stored(progress_: float | None, goal: float | None, confidence: float | None,
                      elapsed: float) -> Score | None:
    """The same rule from the figures kept on an objective's row (None before it has any)."""
    if progress_ is None:
        return None
    return score_from_figures(ObjectiveFigures(progress_, goal or 1.0, confidence), elapsed)


def score_objective(krs: Sequence[KeyResultFigures], elapsed: float) -> Score | None:
    """Weighted mean progress; status against the weighted goal and the weighted confidence."""
    figures = objective_figures(krs)
    return None if figures is None else score_from_figures(figures, elapsed)


def overall_score(objective_scores: Iterable[float | None]) -> float | None:
    """Company-level customer score: plain mean of objective scores (each objective counts once)."""
    return weighted_mean((s, 1.0) for s in objective_scores if s is not None)
