"""GET /api/v1/key-results: filters, pages with Link and totals, and a fixed number of statements
however many key results there are."""
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from okrapp.accounts import tokens as api_tokens
from okrapp.core.extensions import db
from okrapp.okrs.models import KeyResult, kr_contributors

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user, metric


@pytest.fixture
def auth():
    _, token = api_tokens.create_token(make_user("executive"), "list")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def counted_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def links(response) -> dict:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}


def test_filters_by_cycle_unit_objective_status_and_updated_since(client, auth, clock):
    sales, service = make_unit("Sales"), make_unit("Service")
    autumn, spring = make_cycle("Autumn"), make_cycle("Spring", starts_on=clock.now.date() + timedelta(days=100),
                                                      ends_on=clock.now.date() + timedelta(days=190))
    first, second = make_objective(cycle=autumn), make_objective(cycle=spring)
    on_track = make_key_result(objective=first, unit=sales, baseline=0, target=10)
    behind = make_key_result(objective=first, unit=service, contributors=[sales], baseline=0, target=10)
    later = make_key_result(objective=second, unit=service, baseline=0, target=10)
    on_track.current_value = 10.0
    db.session.commit()

    def ids(**query):
        response = client.get("/api/v1/key-results", query_string=query, headers=auth)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]
    assert ids() == [on_track.id, behind.id, later.id]
    assert ids(cycle=autumn.id) == [on_track.id, behind.id]
    assert ids(unit=sales.id) == [on_track.id, behind.id]  # accountable or contributing
    assert ids(unit=service.id, cycle=spring.id) == [later.id]
    assert ids(objective=second.id) == [later.id]
    assert ids(cycle=autumn.id, status="on_track") == [on_track.id]
    assert ids(cycle=autumn.id, at_risk="true") == [behind.id]
    assert ids(cycle=autumn.id, at_risk="false") == [on_track.id]
    assert ids(cycle=autumn.id, status="on_track", at_risk="true") == []
    clock.advance(hours=2)
    since = clock.now.isoformat() + "Z"
    later.title = "Renamed"
    later.updated_at = clock.now
    db.session.commit()
    assert ids(updated_since=since) == [later.id]
    assert ids(updated_since="2026-12-01T00:00:00+14:00", cycle=2**31 - 1) == []

    for bad in ({"per_page": 201}, {"per_page": 0}, {"page": 0}, {"page": 10**9}, {"cycle": 2**31},
                {"unit": -1}, {"status": "sideways"}, {"at_risk": "perhaps"}, {"updated_since": "yesterday"},
                {"updated_since": "1900-01-01T00:00:00"}, {"colour": "red"}):
        refused = client.get("/api/v1/key-results", query_string=bad, headers=auth)
        assert refused.status_code == 422 and refused.json["error"], bad


def test_pages_of_5000_key_results_come_in_a_fixed_number_of_statements(client, auth):
    unit, other = make_unit("Sales"), make_unit("Service")
    objective = make_objective()
    metric_id = metric("nps").id
    rows = [{"objective_id": objective.id, "title": f"KR {n}", "metric_id": metric_id, "baseline": 0.0,
             "target": 10.0, "current_value": float(n % 11), "progress": (n % 11) / 10,
             "accountable_unit_id": unit.id if n % 2 else other.id, "weight": 1.0, "commitment": "committed",
             "version": 1} for n in range(5000)]
    db.session.execute(insert(KeyResult), rows)
    db.session.commit()
    first_id = min(kr.id for kr in db.session.query(KeyResult.id).all() for kr in [kr])
    db.session.execute(insert(kr_contributors), [{"key_result_id": first_id, "unit_id": unit.id}])
    db.session.commit()

    counts = {}
    for query in ({}, {"per_page": 200, "page": 7}, {"unit": unit.id, "per_page": 1}, {"at_risk": "true"},
                  {"status": "on_track", "per_page": 200, "page": 3}):
        client.get("/api/v1/me", headers=auth)  # the token's last use is noted once a minute, not here
        with counted_statements() as statements:
            response = client.get("/api/v1/key-results", query_string=query, headers=auth)
        assert response.status_code == 200
        counts[str(query)] = len(statements)
    assert max(counts.values()) <= 5, counts  # token, count (or figures), ids, the page with its relations

    page = client.get("/api/v1/key-results?per_page=200&page=7", headers=auth)
    assert page.json["total"] == 5000 and page.headers["X-Total-Count"] == "5000" and page.json["pages"] == 25
    assert len(page.json["items"]) == 200
    found = links(page)
    assert set(found) == {"first", "last", "prev", "next"}
    assert "page=8" in found["next"] and "page=6" in found["prev"] and "page=25" in found["last"]
    last = client.get(found["last"], headers=auth)
    assert len(last.json["items"]) == 200 and "next" not in links(last)
    walked = client.get("/api/v1/key-results?unit=%d&per_page=200" % unit.id, headers=auth)
    assert walked.json["total"] == 2501  # 2,500 accountable and the one it contributes to
    assert f"unit={unit.id}" in links(walked)["next"]
    beyond = client.get("/api/v1/key-results?page=26&per_page=200", headers=auth)
    assert beyond.json["items"] == [] and beyond.json["total"] == 5000 and "prev" in links(beyond)
