"""Who may correct check-ins, import check-in sheets and manage tokens: every role, anonymous too."""
import base64

import pytest
from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.accounts.models import ApiToken
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.accounts import tokens as api_tokens
from okrapp.okrs import operations as okrs

from tests.factories import make_key_result, make_unit, make_user
from tests.core.test_permissions import snapshot


@pytest.fixture
def world():
    owner, contributor, other = make_user("unit_leader"), make_user("unit_leader"), make_user("unit_leader")
    executive = make_user("executive")
    kr = make_key_result(unit=make_unit(leaders=[owner]), contributors=[make_unit(leaders=[contributor])],
                         by=executive)
    make_unit(leaders=[other])
    check_in = okrs.record_check_in(kr, 75, 6, "", owner)
    db.session.commit()
    users = {"admin": make_user("admin"), "executive": executive, "owner": owner, "contributor": contributor,
             "other_leader": other, "board": make_user("board")}
    return dict(users=users, kr=kr, check_in=check_in)


def routes(w):
    kr = db.session.get(KeyResult, w["kr"].id)
    sheet = base64.b64encode(f"key result,value\n{kr.id},77\n".encode()).decode()
    return {
        "correct check-in": (f"/check-ins/{w['check_in'].id}/correct",
                             {"value": "76", "reason": "typo", "version": kr.version, "confirm": "y"}, {"executive", "owner"}),
        "import check-ins": ("/check-ins/import/confirm", {"payload": sheet}, {"executive", "owner", "contributor"}),
    }


@pytest.mark.parametrize("route", ["correct check-in", "import check-ins"])
@pytest.mark.parametrize("role", ["admin", "executive", "owner", "contributor", "other_leader", "board", None])
def test_data_write_permissions(world, login, client, role, route):
    url, data, allowed = routes(world)[route]
    caller = login(world["users"][role]) if role else client
    before = snapshot()
    response = caller.post(url, data=data)
    if role in allowed:
        assert response.status_code == 302, response.data[:500]
        assert snapshot() != before
    elif role is None:
        assert response.status_code == 302 and response.location.startswith("/login")
        assert snapshot() == before
    else:
        assert response.status_code in (403, 302)  # a sheet with rows one may not write redirects back
        assert snapshot() == before


def test_a_user_cannot_revoke_someone_elses_token(world, login):
    _, secret = api_tokens.create_token(world["users"]["executive"], "mine")
    db.session.commit()
    record = db.session.scalar(select(ApiToken))
    login(world["users"]["board"]).post(f"/account/tokens/{record.id}/revoke")
    db.session.expire_all()
    assert db.session.get(ApiToken, record.id).revoked_at is None
    assert db.session.scalar(select(CheckIn.value)) == 75
