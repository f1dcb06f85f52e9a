"""Hostile input to the API: refused with a JSON 422 naming the field, never a 500, nothing stored."""
import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn
from okrapp.okrs.metric_models import MetricValue

from tests.factories import make_key_result, make_unit, make_user
from tests.api.test_api import bearer, token_for


@pytest.fixture
def executive_headers():
    executive = make_user("executive")
    db.session.commit()
    return bearer(token_for(executive))


def stored(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("comment", ["a\u0000b", "bell\u0007", "esc\u001b[31m"])
def test_a_check_in_comment_with_nul_or_control_characters_is_refused(client, executive_headers, comment):
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    db.session.commit()
    response = client.post(f"/api/v1/key-results/{kr.id}/check-ins", headers=executive_headers,
                           json={"value": 75, "comment": comment})
    assert response.status_code == 422 and "comment" in response.json["details"][0]
    assert "control characters" in response.json["error"]
    assert stored(CheckIn) == 0


def test_a_multi_line_check_in_comment_is_fine(client, executive_headers):
    kr = make_key_result(unit=make_unit(), metric_key="csat")
    db.session.commit()
    response = client.post(f"/api/v1/key-results/{kr.id}/check-ins", headers=executive_headers,
                           json={"value": 75, "comment": "From the ledger\r\n\tcolumn B"})
    assert response.status_code == 201


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1999-12-31T09:00:00Z",
                                "2101-01-01T00:00:00Z"])
def test_metric_points_at_the_ends_of_the_calendar_are_refused(client, executive_headers, at):
    response = client.post("/api/v1/metrics/csat/values", headers=executive_headers,
                           json={"source": "surveytool", "points": [{"at": "2026-11-01T09:00:00Z", "value": 50},
                                                                    {"at": at, "value": 50}]})
    assert response.status_code == 422 and response.json["details"][0].startswith("points.1.at")
    assert stored(MetricValue) == 0


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "1800-01-01"])
def test_a_series_since_the_ends_of_the_calendar_is_refused(client, executive_headers, since):
    response = client.get(f"/api/v1/metrics/csat/values?since={since}", headers=executive_headers)
    assert response.status_code == 422 and response.json["details"][0].startswith("since")


def test_the_same_point_pushed_twice_is_counted_once(client, executive_headers):
    body = {"source": "surveytool", "points": [{"at": "2026-11-10T09:00:00Z", "value": 41.5},
                                               {"at": "2026-11-10T11:00:00+02:00", "value": 41.5}]}
    first = client.post("/api/v1/metrics/csat/values", headers=executive_headers, json=body)
    again = client.post("/api/v1/metrics/csat/values", headers=executive_headers, json=body)
    assert (first.json["stored"], again.json["unchanged"], again.json["stored"]) == (1, 1, 0)
    assert stored(MetricValue) == 1
