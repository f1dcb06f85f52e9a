"""Objectives and key results: the shared customer objectives, their key results, check-ins and
corrections, the metric catalogue, and the scores and forecasts kept up to date on every change."""
