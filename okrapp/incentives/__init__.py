from flask import Blueprint

bp = Blueprint("incentives", __name__)

from . import routes  # noqa: E402,F401
