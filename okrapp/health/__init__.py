"""/healthz: what a load balancer and a monitor need to know, as JSON, without logging in."""
from flask import Blueprint

bp = Blueprint("health", __name__)

from . import routes  # noqa: E402,F401
