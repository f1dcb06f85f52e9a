"""Creating, changing and retiring objectives, key results and incentives through the API.

Every answer carries the record's version as its ETag; a change or a retirement needs it back in
If-Match (api/etags.py). The same policy functions as the pages decide, and the token must hold
the "manage" scope. Thin views: the schema validates, api.changes does the work."""
from flask import Blueprint, request, url_for

from okrapp.api import changes, etags
from okrapp.api import inputs as i
from okrapp.api import output as out
from okrapp.api import schemas as s
from okrapp.api.auth import ApiError, api_user, token_required
from okrapp.api.spec import api_spec
from okrapp.core import policy
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.extensions import csrf
from okrapp.core.timeutil import local_today
from okrapp.core.words import _
from okrapp.domain.scoring import elapsed_share
from okrapp.incentives.models import Incentive
from okrapp.okrs import scoreboard
from okrapp.okrs.models import KeyResult, Objective

bp = Blueprint("writes", __name__, url_prefix="/api/v1")  # nested in api.views.bp
csrf.exempt(bp)  # bearer tokens only (auth.py)

CHANGED = (404, 412, 422, 428)
NULLABLE = {"target", "baseline", "value_source"}  # null clears these; for the others null leaves them as they are


def _json(model):
    """The body as model; a body that is not a JSON object is refused, not read as no change."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, _("Send the fields as a JSON object (Content-Type: application/json)."))
    return model.model_validate(data)


def _fields(body) -> dict:
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in NULLABLE}


def _refused(error: ServiceError) -> ApiError:
    details = [f"{error.field}: {error.message}"] if error.field else None
    return ApiError(422, error.message, details)


def _stale(model, record_id: int) -> ApiError:
    return etags.stale(changes.version_now(model, record_id) or 0)


def _manage(decision):
    return token_required(decision, scope="manage")


# -- objectives --------------------------------------------------------------------------------

def _objective_answer(objective_id: int, status: int = 200, **headers):
    view, _recent = scoreboard.objective_detail(objective_id, local_today())
    cycle = view.objective.cycle
    body = out.objective(view, elapsed_share(cycle.starts_on, cycle.ends_on, local_today()))
    return etags.tagged(body, view.objective.version, status, **headers)


def _objective(objective_id: int) -> Objective:
    found = changes.objective(objective_id)
    if found is None:
        raise ApiError(404)
    return found


@bp.post("/objectives")
@_manage(policy.can_edit_okrs)
@api_spec.validate(json=i.ObjectiveIn, resp=out.responses(201, s.ObjectiveOut, 422), tags=["objectives"])
def create_objective():
    """A new objective in a cycle, ranked last."""
    body = _json(i.ObjectiveIn)
    try:
        created = changes.add_objective(body.cycle, body.title, body.description, api_user())
    except ServiceError as error:
        raise _refused(error) from None
    return _objective_answer(created.id, 201, Location=url_for("api.objective", objective_id=created.id))


@bp.patch("/objectives/<int:objective_id>")
@_manage(policy.can_edit_okrs)
@api_spec.validate(json=i.ObjectivePatch, headers=i.IfMatch, resp=out.responses(200, s.ObjectiveOut, *CHANGED),
                   tags=["objectives"])
def change_objective(objective_id):
    """Change the title or the description (If-Match: the ETag you read)."""
    found = _objective(objective_id)
    body = _json(i.ObjectivePatch)
    _if_current(Objective, found, lambda version: changes.change_objective(found, _fields(body), api_user(), version))
    return _objective_answer(objective_id)


@bp.post("/objectives/<int:objective_id>/retire")
@_manage(policy.can_edit_okrs)
@api_spec.validate(headers=i.IfMatch, resp=out.responses(200, s.ObjectiveOut, 404, 412, 428), tags=["objectives"])
def retire_objective(objective_id):
    """Retire an objective: kept with its history, no longer listed, scored or scanned for conflicts."""
    found = _objective(objective_id)
    _if_current(Objective, found, lambda version: changes.retire_objective(found, api_user(), version))
    return _objective_answer(objective_id)


def _if_current(model, found, change) -> None:
    """change(version) when If-Match names the record's current version: 428 without one, 412 with the
    current version when it is stale (also when someone saves first), 422 when a rule refuses it."""
    version = etags.matched_version(found.version)
    try:
        change(version)
    except StaleEdit:
        raise _stale(model, found.id) from None
    except ServiceError as error:
        raise _refused(error) from None


# -- key results -------------------------------------------------------------------------------

def _key_result_answer(kr: KeyResult, status: int = 200, **headers):
    return etags.tagged(out.key_result(kr, out.elapsed(kr, local_today())), kr.version, status, **headers)


def _key_result(kr_id: int) -> KeyResult:
    found = changes.key_result(kr_id)
    if found is None:
        raise ApiError(404)
    return found


@bp.post("/key-results")
@_manage(policy.can_edit_okrs)
@api_spec.validate(json=i.KeyResultIn, resp=out.responses(201, s.KeyResultOut, 422), tags=["objectives"])
def create_key_result():
    """A new key result of an objective, with the same range checks as the page."""
    body = _json(i.KeyResultIn)
    fields = _fields(body)
    try:
        created = changes.save_key_result(None, changes.objective(fields.pop("objective")), fields, api_user())
    except ServiceError as error:
        raise _refused(error) from None
    return _key_result_answer(created, 201, Location=url_for("api.key_result", kr_id=created.id))


@bp.patch("/key-results/<int:kr_id>")
@_manage(policy.can_edit_okrs)
@api_spec.validate(json=i.KeyResultPatch, headers=i.IfMatch, resp=out.responses(200, s.KeyResultOut, *CHANGED),
                   tags=["objectives"])
def change_key_result(kr_id):
    """Change a key result's fields (If-Match: the ETag you read; a check-in changes it too)."""
    found = _key_result(kr_id)
    body = _json(i.KeyResultPatch)
    _if_current(KeyResult, found, lambda version: changes.save_key_result(found, None, _fields(body), api_user(),
                                                                          version))
    return _key_result_answer(_key_result(kr_id))


@bp.post("/key-results/<int:kr_id>/retire")
@_manage(policy.can_edit_okrs)
@api_spec.validate(headers=i.IfMatch, resp=out.responses(200, s.KeyResultOut, 404, 412, 428), tags=["objectives"])
def retire_key_result(kr_id):
    """Retire a key result: kept with its history; its objective is scored without it."""
    found = _key_result(kr_id)
    _if_current(KeyResult, found, lambda version: changes.retire_key_result(found, api_user(), version))
    return _key_result_answer(_key_result(kr_id))


# -- incentives --------------------------------------------------------------------------------

def _incentive(incentive_id: int) -> Incentive:
    found = changes.incentive(incentive_id)
    if found is None or not policy.can_view_incentives(api_user(), found.unit):
        raise ApiError(404)
    return found


def _incentive_answer(found: Incentive, status: int = 200, **headers):
    return etags.tagged(out.incentive(found), found.version, status, **headers)


@bp.get("/incentives/<int:incentive_id>")
@token_required(policy.can_view_incentives)
@api_spec.validate(resp=out.responses(200, s.IncentiveOut, 404), tags=["incentives"])
def incentive(incentive_id):
    """One incentive with its plan period and version (unit leaders: their own units' only)."""
    return _incentive_answer(_incentive(incentive_id))


@bp.post("/incentives")
@_manage(policy.can_manage_incentives)
@api_spec.validate(json=i.IncentiveIn, resp=out.responses(201, s.IncentiveOut, 422), tags=["incentives"])
def create_incentive():
    """A new incentive in a plan period, refused as on the form when the unit's bonus shares in the
    period would pass 100 % or the same row exists already."""
    body = _json(i.IncentiveIn)
    try:
        created = changes.save_incentive(None, _fields(body), api_user())
    except ServiceError as error:
        raise _refused(error) from None
    return _incentive_answer(created, 201, Location=url_for("api.writes.incentive", incentive_id=created.id))


@bp.patch("/incentives/<int:incentive_id>")
@_manage(policy.can_manage_incentives)
@api_spec.validate(json=i.IncentivePatch, headers=i.IfMatch, resp=out.responses(200, s.IncentiveOut, *CHANGED),
                   tags=["incentives"])
def change_incentive(incentive_id):
    """Change an incentive's fields (If-Match: the ETag you read), with the form's rules."""
    found = _incentive(incentive_id)
    body = _json(i.IncentivePatch)
    _if_current(Incentive, found, lambda version: changes.save_incentive(found, _fields(body), api_user(), version))
    return _incentive_answer(_incentive(incentive_id))


@bp.post("/incentives/<int:incentive_id>/retire")
@_manage(policy.can_manage_incentives)
@api_spec.validate(headers=i.IfMatch, resp=out.responses(200, s.IncentiveOut, 404, 412, 428), tags=["incentives"])
def retire_incentive(incentive_id):
    """Retire an incentive, as on the Incentives page; conflicts are re-checked in the background."""
    found = _incentive(incentive_id)
    _if_current(Incentive, found, lambda version: changes.retire_incentive(found, api_user(), version))
    return _incentive_answer(_incentive(incentive_id))

