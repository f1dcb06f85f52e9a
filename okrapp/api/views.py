"""The API's endpoints: thin views over the same services and policy decisions as the pages."""

from flask import Blueprint, jsonify, render_template, request

from okrapp.core import policy
from okrapp.domain.scoring import elapsed_share
from okrapp.core.extensions import csrf
from okrapp.okrs.models import KeyResult
from okrapp.okrs.metric_models import Metric
from okrapp.core.errors import NeedsConfirmation, ServiceError
from okrapp.okrs import metric_values, scoreboard
from okrapp.core.timeutil import local_today
from okrapp.api import etags, records, writes
from okrapp.api import operations as ops
from okrapp.api import output as out
from okrapp.api import schemas as s
from okrapp.api.auth import ApiError, api_user, token_required
from okrapp.api.spec import DESCRIPTION, api_spec
from okrapp.core.words import _

bp = Blueprint("api", __name__, url_prefix="/api/v1")

csrf.exempt(bp)  # bearer tokens only, never the session cookie (see auth.py)
# endpoints "api.records.*" (lists, conflicts, reviews, board) and "api.writes.*" (creating, changing,
# retiring); each says its own prefix, so url_prefix="" keeps it from being added twice
bp.register_blueprint(records.bp, url_prefix="")
bp.register_blueprint(writes.bp, url_prefix="")
_responses = out.responses


def _key_result(kr_id: int) -> KeyResult:
    kr = ops.key_result(kr_id)
    if kr is None:
        raise ApiError(404)
    return kr


def _no_metric(key: str) -> ApiError:
    return ApiError(404, _("There is no metric with the key “%(key)s”.", key=key[:64]))


def _metric(key: str) -> Metric:
    metric = ops.metric(key)
    if metric is None:
        raise _no_metric(key)
    return metric


@bp.get("/me")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.Me), tags=["account"])
def me():
    """The user the token belongs to."""
    user = api_user()
    return s.Me(id=user.id, name=user.name, email=user.email, role=user.role)


# -- objectives and key results ----------------------------------------------------------------

@bp.get("/objectives")
@token_required(policy.can_view)
@api_spec.validate(query=s.ObjectiveQuery, resp=_responses(200, s.ObjectivePage, 404), tags=["objectives"])
def objectives():
    """Objectives of a cycle (the current one by default) in priority order, with their key results'
    progress and status."""
    query = s.ObjectiveQuery.model_validate(request.args.to_dict())
    today = local_today()
    cycle = scoreboard.current_cycle(today, query.cycle)
    if cycle is None:
        if query.cycle is not None:
            raise ApiError(404, _("There is no such cycle."))
        return s.ObjectivePage(items=[], page=1, pages=1, total=0)
    total = scoreboard.objective_count(cycle)
    views = scoreboard.scoreboard(cycle, today, query.per_page, (query.page - 1) * query.per_page)
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    return s.ObjectivePage(items=[out.objective(v, elapsed) for v in views], page=query.page,
                           pages=max(1, -(-total // query.per_page)), total=total)


@bp.get("/objectives/<int:objective_id>")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.ObjectiveOut, 404), tags=["objectives"])
def objective(objective_id):
    """One objective with its key results."""
    if not 0 < objective_id <= ops.MAX_ID:
        raise ApiError(404)
    found = scoreboard.objective_detail(objective_id, local_today())
    if found is None:
        raise ApiError(404)
    view, _ = found
    cycle = view.objective.cycle
    return etags.tagged(out.objective(view, elapsed_share(cycle.starts_on, cycle.ends_on, local_today())),
                        view.objective.version)


@bp.get("/key-results/<int:kr_id>")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.KeyResultDetail, 404), tags=["objectives"])
def key_result(kr_id):
    """A key result with its latest 50 check-ins, corrected ones included (marked superseded)."""
    kr = _key_result(kr_id)
    cycle = kr.objective.cycle
    history = ops.latest_check_ins(kr)
    found = out.key_result(kr, elapsed_share(cycle.starts_on, cycle.ends_on, local_today()))
    return etags.tagged(s.KeyResultDetail(**found.model_dump(), check_ins=[out.check_in(c) for c in history]),
                        kr.version)


@bp.post("/key-results/<int:kr_id>/check-ins")
@token_required(policy.can_view, scope="check-ins")
@api_spec.validate(json=s.CheckInIn, resp=_responses(201, s.CheckInOut, 404, 422), tags=["objectives"])
def create_check_in(kr_id):
    """A new check-in, as on the page: the same rights, range checks and confirmation of a value far
    off the key result's path (send confirm: true once you are sure)."""
    kr = _key_result(kr_id)
    if not policy.can_check_in(api_user(), kr):
        raise ApiError(403, _("Only executives and leaders of the units sharing this key result check in on it."))
    body = s.CheckInIn.model_validate(request.get_json(silent=True) or {})
    try:
        check_in = ops.check_in(kr, body.value, body.confidence, body.comment, api_user(), body.confirm)
    except NeedsConfirmation as error:
        raise ApiError(422, _("%(problem)s (send confirm: true)", problem=error.message)) from None
    except ServiceError as error:
        raise ApiError(422, error.message) from None
    return out.check_in(check_in), 201


# -- metric values -----------------------------------------------------------------------------

@bp.get("/metrics")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.MetricList), tags=["metrics"])
def metrics():
    """The metric catalogue: the keys to push values to."""
    return s.MetricList(items=[s.MetricOut(key=m.key, name=m.name, unit=m.unit, min_value=m.min_value,
                                           max_value=m.max_value, kind=m.kind) for m in ops.metrics()])


@bp.post("/metrics/<string:key>/values")
@token_required(policy.can_push_metric_values, scope="metrics")
@api_spec.validate(json=s.ValuesIn, resp=_responses(200, s.PushOut, 404, 422), tags=["metrics"])
def push_values(key):
    """One or many measured values. Idempotent per (metric, time, source): the same point again is
    counted as unchanged; a new value for the same point replaces the old one. Key results bound to
    this metric and source take the values as check-ins."""
    metric = _metric(key)
    body = s.ValuesIn.model_validate(request.get_json(silent=True) or {})
    points = [metric_values.Point(p.at, p.value, p.source or body.source) for p in body.points]
    try:
        result = ops.push_values(metric, points, api_user())
    except ops.PushCollided as error:
        raise ApiError(409, error.message) from None
    except ServiceError as error:
        raise ApiError(422, error.message) from None
    if result is None:
        raise _no_metric(key)
    return s.PushOut(stored=result.stored, unchanged=result.unchanged, changed=result.changed,
                     check_ins=result.check_ins)


@bp.get("/metrics/<string:key>/values")
@token_required(policy.can_view)
@api_spec.validate(query=s.ValuesQuery, resp=_responses(200, s.SeriesOut, 404), tags=["metrics"])
def values(key):
    """The pushed values of a metric, oldest first (at most 1,000)."""
    metric = _metric(key)
    query = s.ValuesQuery.model_validate(request.args.to_dict())
    rows = metric_values.series(metric, query.since, query.source)
    return s.SeriesOut(metric=metric.key, items=[s.PointOut(at=v.observed_at, value=v.value, source=v.source)
                                                 for v in rows])


# -- incentives, conflicts, reviews (read-only) ------------------------------------------------

@bp.get("/incentives")
@token_required(policy.can_view_incentives)
@api_spec.validate(resp=_responses(200, s.IncentiveList), tags=["incentives"])
def incentives():
    """Incentives of the units the caller may see (unit leaders: their own units')."""
    items = ops.incentives_visible_to(api_user())
    return s.IncentiveList(items=[out.incentive(i) for i in items])


@bp.get("/conflicts")
@token_required(policy.can_view)
@api_spec.validate(query=s.ConflictQuery, resp=_responses(200, s.ConflictItemList), tags=["conflicts"])
def conflicts():
    """Conflict items the caller may open, strongest first."""
    query = s.ConflictQuery.model_validate(request.args.to_dict())
    total, items = ops.conflict_items(api_user(), query.status == "open", query.per_page,
                                      (query.page - 1) * query.per_page)
    return s.ConflictItemList(total=total, items=[s.ConflictItemOut(
        id=i.id, kind=i.kind, title=i.title, summary=i.summary, level=i.level, severity=i.severity, status=i.status,
        pairs=i.pairs, present=i.present) for i in items])


@bp.get("/reviews")
@token_required(policy.can_view)
@api_spec.validate(query=s.MeetingQuery, resp=_responses(200, s.MeetingList), tags=["reviews"])
def reviews():
    """Review meetings, latest first, with the decisions recorded in them."""
    query = s.MeetingQuery.model_validate(request.args.to_dict())
    return s.MeetingList(items=[out.meeting(m) for m in ops.latest_meetings(query.limit)])


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (spectree keeps its own copy under /api/spectree/ as well)."""
    return jsonify(api_spec.spec)


@bp.get("/docs")
def docs():
    """The OpenAPI document as a readable page (server-rendered: no scripts, no CDN)."""
    return render_template("api/docs.html", spec=api_spec.spec, description=_(DESCRIPTION))
