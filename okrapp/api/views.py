"""The API's endpoints: thin views over the same services and policy decisions as the pages."""

from flask import Blueprint, jsonify, render_template, request
from spectree import Response

from okrapp.core import policy
from okrapp.domain.scoring import elapsed_share, score_key_result
from okrapp.core.extensions import csrf
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.okrs.metric_models import Metric
from okrapp.reviews.models import ReviewMeeting
from okrapp.core.errors import NeedsConfirmation, ServiceError
from okrapp.okrs import metric_values, scoreboard
from okrapp.core.timeutil import local_today
from okrapp.api import operations as ops
from okrapp.api import schemas as s
from okrapp.api.auth import ApiError, api_user, token_required
from okrapp.api.spec import DESCRIPTION, api_spec
from okrapp.core.words import _

bp = Blueprint("api", __name__, url_prefix="/api/v1")

csrf.exempt(bp)  # bearer tokens only, never the session cookie (see auth.py)
ERRORS = {"HTTP_401": s.ErrorBody, "HTTP_403": s.ErrorBody, "HTTP_429": s.ErrorBody}


def _responses(ok_code: int, model, *extra: int) -> Response:
    codes = {f"HTTP_{ok_code}": model, **ERRORS, **{f"HTTP_{code}": s.ErrorBody for code in extra}}
    return Response(**codes)


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

def _kr_out(kr: KeyResult, elapsed: float) -> s.KeyResultOut:
    score = score_key_result(scoreboard.figures(kr), elapsed)
    return s.KeyResultOut(
        id=kr.id, objective_id=kr.objective_id, title=kr.title, metric=kr.metric.key, unit=kr.metric.unit,
        baseline=kr.baseline, target=kr.target, current_value=kr.current_value, progress=kr.progress,
        status=score.status, forecast=kr.forecast, confidence=kr.current_confidence,
        last_check_in_at=kr.last_check_in_at, value_source=kr.value_source,
        accountable_unit=s.Ref(id=kr.accountable_unit.id, name=kr.accountable_unit.name), weight=kr.weight,
        commitment=kr.commitment)


def _objective_out(view, elapsed: float) -> s.ObjectiveOut:
    o = view.objective
    return s.ObjectiveOut(
        id=o.id, title=o.title, description=o.description, rank=o.rank,
        cycle=s.CycleOut(id=o.cycle.id, name=o.cycle.name, starts_on=o.cycle.starts_on, ends_on=o.cycle.ends_on),
        progress=view.score.progress if view.score else None, status=view.score.status if view.score else None,
        key_results=[_kr_out(k.kr, elapsed) for k in view.key_results])


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
    return s.ObjectivePage(items=[_objective_out(v, elapsed) for v in views], page=query.page,
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
    return _objective_out(view, elapsed_share(cycle.starts_on, cycle.ends_on, local_today()))


@bp.get("/key-results/<int:kr_id>")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.KeyResultDetail, 404), tags=["objectives"])
def key_result(kr_id):
    """A key result with its latest 50 check-ins, corrected ones included (marked superseded)."""
    kr = _key_result(kr_id)
    cycle = kr.objective.cycle
    history = ops.latest_check_ins(kr)
    out = _kr_out(kr, elapsed_share(cycle.starts_on, cycle.ends_on, local_today()))
    return s.KeyResultDetail(**out.model_dump(), check_ins=[_check_in_out(c) for c in history])


def _check_in_out(c: CheckIn) -> s.CheckInOut:
    return s.CheckInOut(id=c.id, value=c.value, confidence=c.confidence, comment=c.comment, at=c.created_at,
                        recorded_at=c.recorded_at, author=c.author.name if c.author else None, source=c.source,
                        corrects=c.corrects_id, superseded_at=c.superseded_at)


@bp.post("/key-results/<int:kr_id>/check-ins")
@token_required(policy.can_view)
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
    return _check_in_out(check_in), 201


# -- metric values -----------------------------------------------------------------------------

@bp.get("/metrics")
@token_required(policy.can_view)
@api_spec.validate(resp=_responses(200, s.MetricList), tags=["metrics"])
def metrics():
    """The metric catalogue: the keys to push values to."""
    return s.MetricList(items=[s.MetricOut(key=m.key, name=m.name, unit=m.unit, min_value=m.min_value,
                                           max_value=m.max_value, kind=m.kind) for m in ops.metrics()])


@bp.post("/metrics/<string:key>/values")
@token_required(policy.can_push_metric_values)
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
    return s.IncentiveList(items=[s.IncentiveOut(
        id=i.id, unit=s.Ref(id=i.unit.id, name=i.unit.name), name=i.name, metric=i.metric.key, direction=i.direction,
        weight=i.weight, target=i.target, period=i.period, active=i.active,
        period_starts_on=i.plan_period.starts_on if i.plan_period else None,
        period_ends_on=i.plan_period.ends_on if i.plan_period else None,
        plan_status=i.plan.status if i.plan else None) for i in items])


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
    return s.MeetingList(items=[_meeting_out(m) for m in ops.latest_meetings(query.limit)])


def _meeting_out(meeting: ReviewMeeting) -> s.MeetingOut:
    decisions = []
    for d in meeting.decisions:
        changes = d.change_list  # worded in the language of the request; old rows as stored
        decisions.append(s.DecisionOut(id=d.id, kind=d.kind, text=d.text, changes=changes,
                                       settles=[item.id for item in d.settles]))
    return s.MeetingOut(id=meeting.id, name=meeting.schedule.name if meeting.schedule else _("Priority review"),
                        starts_at=meeting.starts_at, ends_at=meeting.ends_at, status=meeting.status,
                        decisions=decisions)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (spectree keeps its own copy under /api/spectree/ as well)."""
    return jsonify(api_spec.spec)


@bp.get("/docs")
def docs():
    """The OpenAPI document as a readable page (server-rendered: no scripts, no CDN)."""
    return render_template("api/docs.html", spec=api_spec.spec, description=_(DESCRIPTION))
