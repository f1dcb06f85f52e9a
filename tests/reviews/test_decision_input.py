"""Bad input on every decision kind of a review: 422 with a message beside the field it concerns,
never a 500, nothing recorded; numbers typed the way people write them."""
import pytest
from sqlalchemy import func, select

from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem
from okrapp.incentives.models import Incentive
from okrapp.okrs.models import KeyResult
from okrapp.reviews.models import Pilot, ReviewDecision

from tests.factories import metric
from tests.reviews.test_decisions import decide, fresh, org  # noqa: F401  (the fixture)


def decisions_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ReviewDecision))


@pytest.mark.parametrize("typed, share", [("0,2", 0.2), ("20 %", 0.2), ("0.25", 0.25)])
def test_a_new_bonus_share_is_read_as_people_write_it(org, login, typed, share):
    response = decide(login(org["ceo"]), org["meeting"], kind="incentive", incentive=org["bonuses"][0].id,
                      change="weight", new_weight=typed, text="Smaller share")
    assert response.status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).weight == pytest.approx(share)


def test_a_new_target_and_a_guardrail_take_decimal_commas(org, login):
    client = login(org["ceo"])
    assert decide(client, org["meeting"], kind="change_target", key_result=org["kr"].id, new_target="87,5",
                  text="A bit higher").status_code == 302
    assert fresh(KeyResult, org["kr"].id).target == 87.5
    assert decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="guardrail",
                  guard_metric=metric("csat").id, guard_comparator=">=", guard_threshold="80,5",
                  text="Only while customers are happy").status_code == 302
    assert fresh(Incentive, org["bonuses"][0].id).guard_threshold == 80.5


@pytest.mark.parametrize("data, message", [
    ({"kind": "incentive", "change": "weight", "new_weight": "0,5,5"}, "is not a number"),
    ({"kind": "incentive", "change": "weight", "new_weight": "nan"}, "is not a number"),
    ({"kind": "incentive", "change": "target", "new_target": "1e400"}, "not a finite number"),
    ({"kind": "change_target", "new_target": "2e15"}, "too large"),
    ({"kind": "incentive", "change": "guardrail", "guard_comparator": ">=", "guard_threshold": "80"},
     "counter-metric"),
])
def test_malformed_numbers_in_decisions_are_refused_beside_their_field(org, login, data, message):
    data = {**data, "incentive": org["bonuses"][0].id, "key_result": org["kr"].id, "text": "Why"}
    response = decide(login(org["ceo"]), org["meeting"], **data)
    page = response.data.decode()
    assert response.status_code == 422 and message in page and 'aria-invalid="true"' in page
    assert decisions_count() == 0 and fresh(Incentive, org["bonuses"][0].id).weight == 0.5


@pytest.mark.parametrize("data, message", [
    ({"kind": "pilot_outcome", "pilot": "999999", "outcome": "stopped"}, "Not a valid choice"),
    ({"kind": "proposal", "proposal": "999999", "accept": "accept"}, "Not a valid choice"),
    ({"kind": "sideways"}, "Decision: Not a valid choice"),
    ({"kind": "note", "objective": "2147483648"}, "Objective: Not a valid choice"),
])
def test_an_error_on_a_field_the_page_does_not_show_is_still_said(org, login, data, message):
    """No pilot is running and no proposal is open, so their forms are not on the page; a post for
    them anyway (an old tab, a crafted request) still says what is wrong."""
    response = decide(login(org["ceo"]), org["meeting"], text="Why", **data)
    assert response.status_code == 422 and message in response.data.decode()
    assert decisions_count() == 0


def test_a_pilot_that_was_decided_already_cannot_be_decided_again(org, login):
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="pilot", title="Partner delivery", hypothesis="Faster", units=org["care"].id,
           success_criterion="CSAT up", key_results=org["kr"].id, ends_on="2027-02-01", text="Try it")
    pilot = db.session.scalar(select(Pilot))
    assert decide(client, org["meeting"], kind="pilot_outcome", pilot=pilot.id, outcome="stopped",
                  text="Stop").status_code == 302
    response = decide(client, org["meeting"], kind="pilot_outcome", pilot=pilot.id, outcome="adopted", text="Adopt")
    assert response.status_code == 422 and fresh(Pilot, pilot.id).status == "stopped"
    assert decisions_count() == 2


def test_an_item_settled_and_no_longer_detected_cannot_be_settled_again(org, login):
    from okrapp.conflicts.operations import refresh_items
    [item] = db.session.scalars(select(ConflictItem)).all()
    client = login(org["ceo"])
    decide(client, org["meeting"], kind="incentive", criterion="revenue:+", change="retire", text="Gone")
    db.session.expire_all()
    refresh_items()
    db.session.commit()
    response = decide(client, org["meeting"], kind="accept_tradeoff", items=item.id, text="Accept")
    assert response.status_code == 422 and "not a valid choice" in response.data.decode()
    assert fresh(ConflictItem, item.id).status == "resolved" and decisions_count() == 1


def test_a_review_does_not_rerank_an_objective_of_another_cycle(org, login):
    from okrapp.okrs.models import Objective, RankChange

    from tests.factories import make_cycle, make_objective
    old = make_cycle("2025 Q4")
    first, second = (make_objective(old, title=t, by=org["ceo"]) for t in ("Old first", "Old second"))
    db.session.commit()
    changes_before = db.session.scalar(select(func.count()).select_from(RankChange))
    client = login(org["ceo"])
    response = client.post(f"/reviews/{org['meeting'].id}/rank", data={"objective": second.id, "rank": 1})
    assert response.status_code == 302
    assert "current cycle" in client.get(response.headers["Location"]).data.decode()
    db.session.expire_all()
    assert [db.session.get(Objective, o.id).rank for o in (first, second)] == [1, 2]
    assert db.session.scalar(select(func.count()).select_from(RankChange)) == changes_before


def test_accepting_a_proposal_whose_incentive_was_retired_meanwhile_says_why_beside_the_proposal(org, login):
    from okrapp.incentives.models import IncentiveProposal
    response = login(org["leader"]).post(f"/units/{org['sales'].id}/proposals", data={
        "incentive": org["bonuses"][0].id, "change": "weight", "new_weight": "0,25", "text": "Half the share"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(IncentiveProposal))
    client = login(org["ceo"])
    assert decide(client, org["meeting"], kind="incentive", incentive=org["bonuses"][0].id, change="retire",
                  text="Gone").status_code == 302
    response = decide(client, org["meeting"], kind="proposal", proposal=proposal.id, accept="accept", text="Yes")
    page = response.data.decode()
    assert response.status_code == 422
    beside = page.split('id="decide-proposal"')[1].split("</details>")[0]
    assert "is retired" in beside
    assert fresh(IncentiveProposal, proposal.id).status == "open" and decisions_count() == 1
