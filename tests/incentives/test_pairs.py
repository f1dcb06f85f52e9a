"""Counterweights in the metric catalogue, edited on the Influence links page (CSRF on, as in production)."""
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.incentives.models import MetricPair
from okrapp.incentives.pairs import pairs_by_metric

from tests.factories import make_unit, make_user, metric


def count_pairs() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MetricPair))


def add(client, metric_key: str, counter_key: str, **extra):
    return client.post("/influence-links/pairs",
                       data={"metric": metric(metric_key).id, "counter": metric(counter_key).id, **extra})


def test_executive_adds_a_pair_and_sees_it_listed(login):
    executive = make_user("executive")
    client = login(executive)
    response = add(client, "ces", "csat")
    assert response.status_code == 302 and response.headers["Location"].endswith("/influence-links#counterweights")
    [pair] = db.session.scalars(select(MetricPair)).all()
    assert (pair.metric.key, pair.counter.key, pair.created_by_id) == ("ces", "csat", executive.id)
    page = client.get("/influence-links").data.decode()
    assert "Counterweights" in page and "Counterweight added." in page
    assert f"{metric('ces').name} is weighed by {metric('csat').name}" in page
    assert pairs_by_metric() == {"ces": {"csat"}}
    catalogue = client.get("/metrics").data.decode()
    assert "Weighed by" in catalogue and metric("csat").name in catalogue.split("<code>ces</code>")[1].split("</tr>")[0]


def test_a_duplicate_pair_is_refused_with_a_message(login):
    client = login(make_user("executive"))
    assert add(client, "ces", "csat").status_code == 302
    response = add(client, "ces", "csat")
    assert response.status_code == 422
    assert f"{metric('ces').name} is already weighed by {metric('csat').name}." in response.data.decode()
    assert count_pairs() == 1


def test_a_metric_cannot_weigh_itself(login):
    response = add(login(make_user("executive")), "csat", "csat")
    assert response.status_code == 422 and "cannot be its own counterweight" in response.data.decode()
    assert count_pairs() == 0


def test_an_unknown_metric_is_refused(login):
    client = login(make_user("executive"))
    response = client.post("/influence-links/pairs", data={"metric": 999999, "counter": metric("csat").id})
    assert response.status_code == 422 and "Not a valid choice" in response.data.decode()
    assert count_pairs() == 0


def test_a_post_without_the_csrf_token_is_refused(login):
    client = login(make_user("executive"))
    response = client.post("/influence-links/pairs",
                           data={"metric": metric("ces").id, "counter": metric("csat").id, "csrf_token": ""})
    assert response.status_code == 400
    assert count_pairs() == 0


def test_a_unit_leader_sees_the_pairs_read_only_and_cannot_add_or_remove(login):
    add(login(make_user("executive")), "ces", "csat")
    leader = make_user("unit_leader")
    make_unit("Customer Care", leaders=[leader])
    client = login(leader)
    page = client.get("/influence-links").data.decode()
    assert f"{metric('ces').name} is weighed by {metric('csat').name}" in page
    assert "/influence-links/pairs" not in page and "Add counterweight" not in page
    assert add(client, "nps", "csat").status_code == 403
    pair_id = db.session.scalar(select(MetricPair.id))
    assert client.post(f"/influence-links/pairs/{pair_id}/remove").status_code == 403
    assert count_pairs() == 1


def test_remove_takes_the_pair_away_and_a_second_remove_says_so(login):
    client = login(make_user("executive"))
    add(client, "ces", "csat")
    add(client, "nps", "csat")
    pair_id = db.session.scalar(select(MetricPair.id).where(MetricPair.metric_id == metric("ces").id))
    response = client.post(f"/influence-links/pairs/{pair_id}/remove")
    assert response.status_code == 302
    assert pairs_by_metric() == {"nps": {"csat"}}
    assert "Counterweight removed." in client.get("/influence-links").data.decode()
    client.post(f"/influence-links/pairs/{pair_id}/remove")
    assert "already removed" in client.get("/influence-links").data.decode()
    assert count_pairs() == 1
