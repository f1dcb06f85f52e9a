"""Random and hostile input in every form field and query parameter: never a 5xx, and nothing
stored that the database or the pages cannot hold (NaN, infinity, NUL).

At least 2,000 requests on each database; the catalogue below must name every write route the
app has (a test checks that), so a new form is fuzzed from the day it appears."""
import base64
import math
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Float, String, Text, func, select

from okrapp.core.extensions import db
from okrapp.incentives.models import PlanPeriod
from okrapp.reviews import operations as reviews

from tests.factories import PASSWORD, make_user, metric
from tests.core.test_permissions import world, write_routes  # noqa: F401  (world is a fixture)

NASTY = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e309", "9" * 30, "-" + "9" * 30,
         str(2**63), str(2**64), str(2**31), "-1", "0", "", " ", "abc", "\x00", "a\x00b", "\x01\x1f", "\r\n",
         "Name\r\nBcc: x@example.com", "/%0d%0a", "/\r\nLocation: //evil", "//evil.example", "9999-12-31",
         "0001-01-01", "1999-12-31", "2101-01-01", "2026-02-30", "25:99", "23:59", "<b>x</b>", "' OR 1=1 --",
         "é" * 300, "x" * 5000, "١٢٣", "1_000", "0x10", "１２", "3,5", "-0", "1e-320"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.floats().map(repr),
                   st.integers().map(str), st.dates().map(str))

QUERY_PAGES = {
    "/objectives": ["cycle", "page"], "/my/key-results": ["cycle"], "/dashboard": ["cycle"],
    "/objectives/new": ["cycle"], "/conflicts": ["unit", "level", "status", "page"], "/admin/outbox": ["status"],
    "/board/preview": ["period"], "/board/preview/email.html": ["period"], "/login": ["next"], "/reviews": ["page"],
}
UNFUZZED = {"/logout"}  # would only end the fuzzing client's session


def catalogue(w):
    """route name -> (url, valid data, role that may post it)."""
    routes = {name: (url, data, "executive" if "executive" in roles else sorted(roles)[0])
              for name, (url, data, roles) in write_routes(w).items()}
    meeting, schedule = w["meeting"], w["schedule"]
    o = w["objective"].id
    routes.update({
        "login": ("/login", {"email": "x@example.com", "password": "secret", "next": "/objectives"}, None),
        "password": ("/account/password", {"current": PASSWORD, "new": "another long one", "confirm": "another long one"},
                     "password_owner"),
        "new schedule": ("/reviews/schedules/new", SCHEDULE, "executive"),
        "edit schedule": (f"/reviews/schedules/{schedule.id}/edit", {**SCHEDULE, "version": schedule.version},
                          "executive"),
        "move review": (f"/reviews/{meeting.id}/move", {"day": "2026-12-01", "at": "10:00"}, "executive"),
        "rank in review": (f"/reviews/{meeting.id}/rank", {"objective": o, "rank": 1}, "executive"),
        "decide in review": (f"/reviews/{meeting.id}/decisions", {"kind": "note", "text": "Go", "objective": o,
                                                                  "finding": 0, "owner": 0, "due_on": "2026-12-01"},
                             "executive"),
        "action done": (f"/reviews/{meeting.id}/actions/1/done", {}, "executive"),
        "cancel review": (f"/reviews/{meeting.id}/cancel", {}, "executive"),
        "close review": (f"/reviews/{meeting.id}/close", {}, "executive"),
        "summary settings": ("/board/settings", {"weekday": 0, "time_of_day": "08:00", "timezone": "Europe/Helsinki",
                                                 "cycle_end": "y", "active": "y"}, "admin"),
        "add recipient": ("/board/recipients", {"email": "owner@example.com", "name": "Owner"}, "admin"),
        "pause recipient": ("/board/recipients/pause", {"email": "owner@example.com", "paused": "1"}, "admin"),
        "send summary": ("/board/send", {"period": "2026-10"}, "admin"),
        "resend summary": ("/board/summaries/1/resend", {"email": "owner@example.com"}, "admin"),
        "retry message": ("/admin/outbox/1/retry", {}, "admin"),
        "acknowledge": ("/board/ack/x", {}, None),
        "pause by mail link": ("/board/pause/x", {}, None),
        "rerun job": ("/admin/jobs/1/rerun", {}, "admin"),
        "add webhook": ("/admin/integrations", {"url": "http://127.0.0.1:9/x", "events": "decision.recorded"}, "admin"),
        "edit webhook": ("/admin/integrations/1", {"url": "http://127.0.0.1:9/x", "events": "plan.approved",
                                                   "version": 1}, "admin"),
        "pause webhook": ("/admin/integrations/1/pause", {"version": 1}, "admin"),
        "resume webhook": ("/admin/integrations/1/resume", {"version": 1}, "admin"),
        "delete webhook": ("/admin/integrations/1/delete", {"version": 1}, "admin"),
        "send delivery again": ("/admin/integrations/deliveries/1/send-again", {}, "admin"),
        "connect chat": ("/integrations/chat", {"owner": "person", "kind": "slack", "url": "http://127.0.0.1:9/x",
                                                "locale": "en", "label": "#x"}, "executive"),
        "disconnect chat": ("/integrations/chat/1/disconnect", {"version": 1}, "executive"),
        "create token": ("/account", {"name": "CRM"}, "executive"),
        "calendar link": ("/account/calendar", {}, "executive"),
        "language switch": ("/language", {"locale": "fi", "next": "/objectives"}, None),
        "profile language": ("/account/language", {"locale": "fi"}, "executive"),
        "revoke token": ("/account/tokens/1/revoke", {}, "executive"),
        "end a session": ("/account/sessions/999999/end", {}, "executive"),  # nobody's: the fuzzer's own stay
        "sign out everywhere": (f"/admin/users/{w['target_user'].id}/sign-out", {}, "admin"),
        "accept invitation": ("/welcome/x", {"new": "long enough pw", "confirm": "long enough pw"}, None),
        "forgot password": ("/password/forgot", {"email": "someone@example.com"}, None),
        "reset password": ("/password/reset/x", {"new": "long enough pw", "confirm": "long enough pw"}, None),
        "resend invitation": (f"/admin/users/{w['target_user'].id}/invitation/resend", {}, "admin"),
        "revoke invitation": (f"/admin/users/{w['target_user'].id}/invitation/revoke", {}, "admin"),
        "deactivate user": (f"/admin/users/{w['target_user'].id}/deactivate", {}, "admin"),
        "people sheet": ("/admin/users/import", {}, "admin"),
        "confirm people sheet": ("/admin/users/import/confirm", {"payload": base64.b64encode(
            b"name,email,role,units,language\nFuzz Person,fuzz.person@example.com,board,,en\n").decode()}, "admin"),
        "board note": ("/board/note", {"period": "2026-11", "text": "Note", "version": ""}, "executive"),
        "correct check-in": ("/check-ins/1/correct", {"value": "75,5", "reason": "typo", "version": ""}, "executive"),
        "check-in sheet": ("/check-ins/import", {}, "unit_leader"),
        "confirm check-in sheet": ("/check-ins/import/confirm", {"payload": "eA=="}, "unit_leader"),
        "import preview": ("/incentives/import", {"period": "2026"}, "executive"),
        "send plan to review": ("/incentives/plans/1/review", {"version": ""}, "executive"),
        "add counterweight": ("/influence-links/pairs", {"metric": 1, "counter": 2}, "executive"),
        "remove counterweight": ("/influence-links/pairs/1/remove", {}, "executive"),
        "new plan period": ("/admin/periods/new", {"name": "Spring push", "starts_on": "2027-03-01",
                                                   "ends_on": "2027-05-31"}, "admin"),
        "edit plan period": (f"/admin/periods/{w['period'].id}/edit", {"name": "October", "starts_on": "2026-10-01",
                                                                       "ends_on": "2026-10-31", "version": ""},
                             "admin"),
    })
    return routes


SCHEDULE = {"name": "Review", "cadence": "weekly", "weekday": 3, "time_of_day": "09:00", "timezone": "Europe/Helsinki",
            "cron": "", "duration_minutes": 60, "reminder_days": 2, "anchor_on": "2026-11-16"}


@pytest.fixture
def fuzz_world(world):  # noqa: F811
    executive = world["users"]["executive"]
    schedule = reviews.save_schedule(None, name="Review", cadence="weekly", weekday=3, time_of_day="09:00",
                                     timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2,
                                     chair=executive, participants=[executive], anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    db.session.commit()
    october = PlanPeriod(name="October")  # undated, as migrated: the edit form dates it
    db.session.add(october)
    db.session.commit()
    world.update(schedule=schedule, meeting=reviews.upcoming(1)[0], period=october)
    SCHEDULE.update(chair=executive.id, participants=[executive.id])
    return world


def test_the_catalogue_names_every_write_route(app, fuzz_world):
    named = {url for url, _, _ in catalogue(fuzz_world).values()}
    with app.test_request_context():
        rules = {r.rule for r in app.url_map.iter_rules() if {"POST", "PUT", "PATCH", "DELETE"} & (r.methods or set())}
    covered = {rule for rule in rules if any(_matches(rule, url) for url in named)}
    assert rules - covered - UNFUZZED - {r for r in rules if r.startswith("/api/")} == set()


def _matches(rule, url):
    import re
    pattern = re.sub(r"<(?:int:)?[a-z_]+>", r"[^/]+", rule)
    return re.fullmatch(pattern, url) is not None


def test_no_input_gets_a_5xx_or_stores_nan_infinity_or_nul(app, login, fuzz_world):
    w = fuzz_world
    clients = {role: login(user) for role, user in w["users"].items()}
    clients["password_owner"] = login(make_user("executive"))
    clients[None] = app.test_client()
    routes = catalogue(w)
    names = sorted(routes)
    sent, timings = [], [time.perf_counter()]

    # no shrinking: a failure is reported as found (the request is in the message), which keeps a
    # failing run as short as a passing one
    @settings(max_examples=256, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.data())
    def requests(data):
        for _ in range(8):
            if data.draw(st.booleans(), label="page"):
                page = data.draw(st.sampled_from(sorted(QUERY_PAGES)), label="url")
                params = {name: data.draw(VALUES, label=name) for name in
                          data.draw(st.lists(st.sampled_from(QUERY_PAGES[page]), min_size=1, unique=True))}
                client = clients["admin" if page.startswith(("/admin", "/board")) else "executive"]
                response = client.get(page, query_string=params)
                what = (page, params)
            else:
                name = data.draw(st.sampled_from(names), label="route")
                url, valid, role = routes[name]
                fields = sorted(valid) or ["anything"]
                changed = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
                body = {**valid, **{field: data.draw(VALUES, label=field) for field in changed}}
                response = clients[role].post(url, data=body)
                what = (url, body)
            sent.append(what)
            timings.append(time.perf_counter())
            assert response.status_code < 500, (what, response.status_code)

    requests()
    slowest = sorted(zip((b - a for a, b in zip(timings, timings[1:])), sent), key=lambda t: -t[0])[:5]
    print("slowest", [(round(s, 3), w[0]) for s, w in slowest], "total", round(timings[-1] - timings[0], 1))
    assert len(sent) >= 2000
    assert stored_problems() == []


def stored_problems():
    """Every float column finite, no NUL in any text column, across all tables."""
    db.session.expire_all()
    problems = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Float):
                for (value,) in db.session.execute(select(column).where(column.is_not(None))):
                    if not math.isfinite(value):
                        problems.append((table.name, column.name, value))
            elif isinstance(column.type, (String, Text)) and db.engine.dialect.name == "sqlite":
                # PostgreSQL refuses NUL in text outright (that would have been a 5xx above)
                for (value,) in db.session.execute(select(column).where(func.instr(column, func.char(0)) > 0)):
                    problems.append((table.name, column.name, value[:40]))
    return problems


def test_the_problem_scan_sees_what_it_looks_for(fuzz_world):
    """The final check is not vacuous: a NaN stored behind the forms' back is found."""
    kr = fuzz_world["kr"]
    kr.forecast = float("inf")
    db.session.commit()
    assert stored_problems() == [("key_results", "forecast", math.inf)]
    assert metric("csat")
