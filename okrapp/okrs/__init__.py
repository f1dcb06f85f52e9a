from flask import Blueprint

bp = Blueprint("okrs", __name__)

from . import routes  # noqa: E402,F401
