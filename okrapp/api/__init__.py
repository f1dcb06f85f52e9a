"""REST API v1: JSON under /api/v1, personal bearer tokens, an OpenAPI 3.1 document from spectree."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401
