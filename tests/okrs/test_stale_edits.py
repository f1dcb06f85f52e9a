"""Two people edit the same record from forms loaded at the same version: the first save wins,
the second answers 409 with who changed it, and writes nothing."""
import re
from datetime import date

import pytest

from okrapp.core.extensions import db
from okrapp.okrs.models import Cycle, Objective
from okrapp.incentives.models import Incentive, MetricLink
from okrapp.reviews.models import ReviewSchedule
from okrapp.board.models import SummaryRecipient, SummarySchedule
from okrapp.admin.models import Unit
from okrapp.accounts.models import User
from okrapp.board import operations as board
from okrapp.incentives import operations as incentives
from okrapp.reviews import operations as reviews

from tests.factories import make_cycle, make_objective, make_unit, make_user, metric
from tests.core.test_permissions import snapshot


@pytest.fixture
def world():
    admin, executive = make_user("admin", name="Ada Admin"), make_user("executive", name="Eero Exec")
    unit = make_unit("Sales")
    cycle = make_cycle("2026 Q4")
    incentive = incentives.save_incentive(None, unit=unit, name="Volume", metric=metric("csat"), direction="decrease",
                                          weight=0.5, target=None, period="", note="", by=executive)
    link = incentives.save_link(None, source=metric("nps"), target=metric("csat"), sign=1, strength=0.5,
                                rationale="", by=executive)
    schedule = reviews.save_schedule(None, name="Review", cadence="weekly", weekday=3, time_of_day="09:00",
                                     timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                                     chair=executive, participants=[executive], anchor_on=date(2026, 11, 16))
    recipient = board.add_recipient("auditor@example.com", "Auditor")
    summaries = board.save_schedule(weekday=0, time_of_day="08:00", timezone="Europe/Helsinki", cycle_end=True,
                                    active=True)
    db.session.commit()
    return dict(admin=admin, executive=executive, unit=unit, cycle=cycle, incentive=incentive, link=link,
                schedule=schedule, recipient=recipient, summaries=summaries, objective=make_objective(cycle, by=executive),
                user=make_user("board", name="Bea Board"))


def cases(w):
    """record type -> (model, record, editor role, url, form data for the n-th editor)."""
    u, m = w["unit"].id, metric("csat").id
    return {
        "objective": (Objective, w["objective"], "executive", f"/objectives/{w['objective'].id}/edit",
                      lambda n: {"title": f"Title {n}", "description": ""}),
        "incentive": (Incentive, w["incentive"], "executive", f"/incentives/{w['incentive'].id}/edit",
                      lambda n: {"unit": u, "name": f"Volume {n}", "metric": m, "direction": "decrease",
                                 "weight": 0.1 * n}),
        "metric link": (MetricLink, w["link"], "executive", f"/influence-links/{w['link'].id}/edit",
                        lambda n: {"source": metric("nps").id, "target": m, "sign": "1", "strength": 0.1 * n}),
        "review schedule": (ReviewSchedule, w["schedule"], "executive",
                            f"/reviews/schedules/{w['schedule'].id}/edit",
                            lambda n: {"name": f"Review {n}", "cadence": "weekly", "weekday": 3,
                                       "time_of_day": "09:00", "timezone": "Europe/Helsinki",
                                       "duration_minutes": 30 + n, "reminder_days": 2, "anchor_on": "2026-11-16",
                                       "chair": w["executive"].id, "participants": [w["executive"].id]}),
        "cycle": (Cycle, w["cycle"], "admin", f"/admin/cycles/{w['cycle'].id}/edit",
                  lambda n: {"name": f"Q4 {n}", "starts_on": "2026-10-01", "ends_on": "2026-12-31"}),
        "unit": (Unit, w["unit"], "admin", f"/admin/units/{u}/edit",
                 lambda n: {"name": f"Sales {n}", "kind": "business_unit", "description": ""}),
        "user": (User, w["user"], "admin", f"/admin/users/{w['user'].id}/edit",
                 lambda n: {"name": f"Bea {n}", "role": "board", "active": "y"}),
        "board schedule": (SummarySchedule, w["summaries"], "admin", "/board/settings",
                           lambda n: {"weekday": n, "time_of_day": "08:00", "timezone": "Europe/Helsinki",
                                      "active": "y"}),
        "board recipient": (SummaryRecipient, w["recipient"], "admin", "/board/recipients/pause",
                            lambda n: {"email": "auditor@example.com", "paused": "1" if n == 1 else "0"}),
    }


@pytest.mark.parametrize("kind", ["objective", "incentive", "metric link", "review schedule", "cycle", "unit", "user",
                                  "board recipient", "board schedule"])
def test_second_stale_save_answers_409_and_writes_nothing(world, login, kind):
    model, record, role, url, data = cases(world)[kind]
    loaded_version = record.version
    first = login(make_user(role, name="First Editor"))
    second = login(world[role])
    assert first.post(url, data={**data(1), "version": loaded_version}).status_code == 302
    after_first = snapshot()
    response = second.post(url, data={**data(2), "version": loaded_version})
    assert response.status_code == 409
    assert "changed by First Editor meanwhile" in response.get_data(as_text=True)
    assert snapshot() == after_first
    db.session.expire_all()
    assert db.session.get(model, record.id).version == loaded_version + 1


def test_edit_forms_carry_the_version_and_a_garbled_one_is_refused(world, login):
    session = login(world["executive"])
    page = session.get(f"/objectives/{world['objective'].id}/edit").get_data(as_text=True)
    assert re.search(rf'name="version" type="hidden" value="{world["objective"].version}"', page)
    for garbled in ("abc", str(2**70), "-5"):
        response = session.post(f"/objectives/{world['objective'].id}/edit", data={"title": "X", "version": garbled})
        assert response.status_code == 409, garbled


def test_after_a_stale_save_the_form_holds_the_current_version_so_saving_again_is_deliberate(world, login):
    url = f"/objectives/{world['objective'].id}/edit"
    first, second = login(world["executive"]), login(make_user("executive"))
    version = world["objective"].version
    first.post(url, data={"title": "Mine", "version": version})
    refused = second.post(url, data={"title": "Theirs", "version": version})
    assert refused.status_code == 409 and "Theirs" in refused.get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version + 1}"' in refused.get_data(as_text=True)
    assert second.post(url, data={"title": "Theirs", "version": version + 1}).status_code == 302


@pytest.mark.parametrize("action", ["retire incentive", "remove link"])
def test_one_button_actions_on_a_changed_record_are_refused(world, login, action):
    session = login(world["executive"])
    if action == "retire incentive":
        url, version = f"/incentives/{world['incentive'].id}/retire", world["incentive"].version
    else:
        url, version = f"/influence-links/{world['link'].id}/delete", world["link"].version
    before = snapshot()
    response = session.post(url, data={"version": version - 1})
    assert response.status_code == 409 and snapshot() == before
