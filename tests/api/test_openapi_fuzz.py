"""schemathesis over the whole OpenAPI document, against the live app on loopback: no 5xx, and
every response matches the document (status code, content type, body schema), invalid requests
are refused, auth is enforced. Left out: "schema-valid data is accepted", since a valid request may
rightly be refused for what no schema states (a metric's range, a record that does not exist, rights)."""

import pytest
import schemathesis
from sqlalchemy import select
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from okrapp.core.extensions import db
from okrapp.accounts import tokens as api_tokens
from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.operations import refresh_items
from okrapp.core.timeutil import local_today
from okrapp.incentives import operations as incentives
from okrapp.reviews import operations as reviews

from tests.factories import make_key_result, make_unit, make_user, metric

EXAMPLES = 10  # per operation and mode: the whole run stays well under a minute


@pytest.fixture
def token():
    executive = make_user("executive")
    unit = make_unit("Sales", leaders=[make_user("unit_leader")])
    kr = make_key_result(unit=unit, metric_key="nps", baseline=10, target=30, by=executive)
    incentive = incentives.save_incentive(None, unit=unit, name="Volume", metric=metric("revenue"),
                                          direction="increase", weight=0.5, target=None, period="", note="",
                                          by=executive)
    incentives.save_link(None, source=metric("revenue"), target=metric("nps"), sign=-1, strength=0.6, rationale="",
                         by=executive)  # a conflict item with evidence for /conflicts/{item_id}
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=executive,
                          participants=[executive], anchor_on=local_today())
    [meeting, *_] = reviews.plan_meetings()
    db.session.commit()
    refresh_items()
    _, secret = api_tokens.create_token(executive, "fuzz", scopes=tuple(api_tokens.SCOPES))
    db.session.commit()
    item = db.session.scalar(select(ConflictItem.id))
    return secret, {"kr_id": kr.id, "objective_id": kr.objective_id, "key": "nps", "incentive_id": incentive.id,
                    "item_id": item, "meeting_id": meeting.id}


def aimed(strategy, real_ids):
    """Half of the valid cases address records that exist (ids differ between SQLite and PostgreSQL runs),
    and of those a change names If-Match "*" (the current version) or a stale one ("0")."""
    def aim(triple):
        case, use_real, match = triple
        if use_real and case.path_parameters:
            case.path_parameters = {k: real_ids.get(k, v) for k, v in case.path_parameters.items()}
            if case.method.upper() != "GET":
                case.headers = {**(case.headers or {}), "If-Match": match}
        return case
    return st.tuples(strategy, st.booleans(), st.sampled_from(["*", '"0"', 'W/"1"'])).map(aim)


def fuzz(strategy, path, token, statuses):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                          excluded_checks=[positive_data_acceptance])
        statuses.append((path, response.status_code))
    return run


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_document(app, live_server, token,
                                                                                 monkeypatch):
    token, real_ids = token
    # schemathesis also replays requests without and with a wrong token (its ignored_auth check), which
    # expects 401: the failures of its one wrong token from one address must not turn into 429s.
    monkeypatch.setitem(app.config, "OKRAPP_API_MAX_FAILURES", 10**6)
    monkeypatch.setitem(app.config, "OKRAPP_API_MAX_FAILURES_TOKEN", 10**6)
    statuses = []
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode == GenerationMode.POSITIVE:
                strategy = aimed(strategy, real_ids)
            fuzz(strategy, operation.path, token, statuses)()
    codes = {code for _, code in statuses}
    assert 429 not in codes and {200, 201, 404, 422} <= codes
    assert {path for path, code in statuses if code < 300} >= {"/api/v1/me", "/api/v1/metrics", "/api/v1/objectives",
                                                               "/api/v1/key-results", "/api/v1/conflicts/{item_id}",
                                                               "/api/v1/reviews/{meeting_id}"}
    assert codes & {412, 428}  # stale or missing If-Match reached the views
