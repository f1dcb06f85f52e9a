"""Exports (CSV and .xlsx) and the personal calendar feed."""
