"""Scoring rules, with no app and no database."""
from datetime import date

import pytest

from okrapp.domain.scoring import (
    KeyResultFigures, ScoringError, elapsed_share, overall_score, progress, score_key_result, score_objective,
    status)


def test_progress_runs_from_baseline_to_target():
    assert progress(70, 80, 75) == 0.5
    assert progress(70, 80, 70) == 0.0
    assert progress(70, 80, 80) == 1.0


def test_progress_is_direction_aware_for_decreasing_metrics():
    # churn from 9 % down to 6 %: reaching 7.5 % is half way
    assert progress(9, 6, 7.5) == pytest.approx(0.5)
    assert progress(4.8, 3.5, 4.8) == 0.0


def test_progress_is_clamped_both_ways():
    assert progress(70, 80, 60) == 0.0
    assert progress(70, 80, 95) == 1.0
    assert progress(9, 6, 12) == 0.0
    assert progress(9, 6, 2) == 1.0


def test_progress_handles_negative_ranges_like_nps():
    assert progress(-20, 20, 0) == 0.5


def test_baseline_equal_to_target_is_rejected():
    with pytest.raises(ScoringError):
        progress(5, 5, 5)


def test_elapsed_share_of_cycle():
    start, end = date(2026, 10, 1), date(2026, 12, 31)
    assert elapsed_share(start, end, date(2026, 9, 1)) == 0.0
    assert elapsed_share(start, end, start) == 0.0
    assert elapsed_share(start, end, date(2026, 11, 15)) == pytest.approx(45 / 91)
    assert elapsed_share(start, end, end) == 1.0
    assert elapsed_share(start, end, date(2027, 2, 1)) == 1.0


def test_elapsed_share_rejects_reversed_cycle():
    with pytest.raises(ScoringError):
        elapsed_share(date(2026, 12, 31), date(2026, 10, 1), date(2026, 11, 1))


@pytest.mark.parametrize("progress_, expected, result", [
    (0.50, 0.50, "on_track"),
    (0.41, 0.50, "on_track"),   # 0.09 behind: within ON_TRACK_GAP
    (0.40, 0.50, "on_track"),   # exactly 0.10 behind
    (0.39, 0.50, "at_risk"),
    (0.25, 0.50, "at_risk"),    # exactly 0.25 behind
    (0.24, 0.50, "off_track"),
    (0.90, 0.50, "on_track"),   # ahead of pace
])
def test_status_compares_progress_with_linear_pace(progress_, expected, result):
    assert status(progress_, expected) == result


def test_low_confidence_lowers_status_by_one_step():
    assert status(0.5, 0.5, confidence=3) == "at_risk"
    assert status(0.3, 0.5, confidence=2) == "off_track"
    assert status(0.1, 0.5, confidence=0) == "off_track"
    assert status(0.5, 0.5, confidence=4) == "on_track"


def test_reached_goal_is_on_track_whatever_the_confidence():
    assert status(1.0, 1.0, confidence=1) == "on_track"


def test_aspirational_results_succeed_at_seventy_percent():
    kr = KeyResultFigures(baseline=0, target=100, current=70, commitment="aspirational", confidence=2)
    assert score_key_result(kr, elapsed=1.0).status == "on_track"
    committed = KeyResultFigures(baseline=0, target=100, current=70, commitment="committed")
    assert score_key_result(committed, elapsed=1.0).status == "off_track"


def test_aspirational_pace_is_scaled_to_its_goal():
    kr = KeyResultFigures(baseline=0, target=100, current=35, commitment="aspirational")
    score = score_key_result(kr, elapsed=0.5)
    assert score.expected == pytest.approx(0.35)
    assert score.status == "on_track"


def test_decreasing_metric_status():
    churn = KeyResultFigures(baseline=9, target=6, current=8.7)  # 10 % of the way at half time
    assert score_key_result(churn, elapsed=0.5).status == "off_track"


def test_objective_score_is_weighted_mean_of_progress():
    krs = [KeyResultFigures(0, 100, 100, weight=3), KeyResultFigures(0, 100, 0, weight=1)]
    assert score_objective(krs, elapsed=0.0).progress == pytest.approx(0.75)


def test_objective_without_key_results_has_no_score():
    assert score_objective([], elapsed=0.5) is None


def test_objective_status_uses_weighted_confidence():
    krs = [KeyResultFigures(0, 100, 50, confidence=2), KeyResultFigures(0, 100, 50, confidence=3)]
    assert score_objective(krs, elapsed=0.5).status == "at_risk"


def test_overall_score_ignores_objectives_without_score():
    assert overall_score([0.5, None, 1.0]) == pytest.approx(0.75)
    assert overall_score([None]) is None
