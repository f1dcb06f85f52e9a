from flask import Blueprint

bp = Blueprint("conflicts", __name__)

from . import routes  # noqa: E402,F401
