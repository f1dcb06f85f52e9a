"""The health check. HTTP 503 only when the database cannot be reached (this web process cannot
serve); a stale scheduler or a growing outbox is reported as "degraded" with HTTP 200, because
taking web processes out of the load balancer would not help them — a monitor alerts on it."""
from flask import Blueprint, jsonify

from okrapp.health import operations as health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body, status = health.report()
    return jsonify(body), status
