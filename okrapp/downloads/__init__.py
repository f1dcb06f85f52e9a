"""Exports (CSV and .xlsx) and the personal calendar feed."""
from flask import Blueprint

bp = Blueprint("exports", __name__)

from . import routes  # noqa: E402,F401
