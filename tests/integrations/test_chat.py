"""Slack and Teams: a unit leader connects a Slack channel for their unit and a Teams channel for themselves
on the page; the check-in reminder before a review arrives in both, each in its platform's format and
in the channel's language, with an absolute link back. The agenda the day before and the decisions
after a review reach the leadership team's channel; a check-in that puts a key result at risk reaches
its unit's channel."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.integrations.models import ChatChannel, WebhookDelivery
from okrapp.okrs import operations as okrs
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user


@pytest.fixture
def team(clock):
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    leader = make_user("unit_leader", name="Laura Mäkinen", email="laura@example.com")
    other = make_user("unit_leader", name="Olli Other", email="olli@example.com")
    unit = make_unit("Delivery", leaders=[leader])
    make_unit("Finance", leaders=[other])
    cycle = make_cycle("2026 Q4")
    objective = make_objective(cycle, title="One smooth delivery", by=ceo)
    kr = make_key_result(objective, unit=unit, baseline=70, target=80, by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="biweekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo, leader], anchor_on=date(2026, 11, 16))
    reviews.plan_meetings()
    db.session.commit()
    return dict(ceo=ceo, leader=leader, other=other, unit=unit, kr=kr)


def connect(client, owner, kind, url, locale="en"):
    return client.post("/integrations/chat", data={"owner": owner, "kind": kind, "url": url, "locale": locale,
                                                   "label": "#delivery"})


def test_a_check_in_reminder_arrives_in_slack_and_in_teams(team, login, receiver, private_ok, clock, runner):
    slack, teams = receiver(), receiver()
    leader = login(team["leader"])
    assert connect(leader, f"unit:{team['unit'].id}", "slack", slack.url).status_code == 302
    assert connect(leader, "person", "teams", teams.url, locale="fi").status_code == 302
    clock.now = datetime(2026, 11, 17, 8, 0)  # two days before the 19 Nov review
    assert runner.invoke(args=["reviews", "remind", "--due"]).exit_code == 0
    assert slack.received == [] and teams.received == []  # queued with the reminder, sent by the scheduler
    jobs.tick()
    [slack_message], [teams_message] = slack.received, teams.received
    message = slack_message.json()
    assert message["text"].startswith("Check in before the review on")
    header, section, context = message["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert "Laura Mäkinen: 1 key result has no check-in since the last review." in section["text"]["text"]
    assert team["kr"].title in section["text"]["text"]
    assert context["elements"][0]["text"] == f"<http://127.0.0.1:5000/key-results/{team['kr'].id}/check-in|Check in now>"
    card = teams_message.json()
    assert card["type"] == "message"
    [attachment] = card["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["body"][0]["text"].startswith("Päivitä tilanne ennen katselmusta")
    assert content["actions"] == [{"type": "Action.OpenUrl", "title": "Tee tilannepäivitys nyt",
                                   "url": f"http://127.0.0.1:5000/key-results/{team['kr'].id}/check-in"}]
    assert "webhook-signature" not in slack_message.headers  # chat platforms authenticate by the secret URL


def test_people_connect_only_what_they_lead(team, login, private_ok, receiver):
    hook = receiver()
    leader = login(team["leader"])
    finance = db.session.scalar(select(ChatChannel.id))  # none yet
    assert finance is None
    other_unit = team["other"].units[0]
    response = connect(leader, f"unit:{other_unit.id}", "slack", hook.url)
    assert response.status_code == 422
    assert connect(leader, "leadership", "slack", hook.url).status_code == 422  # executives only
    assert connect(login(team["ceo"]), "leadership", "slack", hook.url).status_code == 302
    channel = db.session.scalar(select(ChatChannel))
    page = leader.get("/integrations/chat").data.decode()
    assert "The leadership team" not in page.split("<h2>")[0]  # the leader does not see the CEO's channel
    response = leader.post(f"/integrations/chat/{channel.id}/disconnect", data={"version": channel.version})
    assert response.status_code == 403
    assert db.session.get(ChatChannel, channel.id) is not None


def test_chat_targets_are_checked_like_webhooks(team, login):
    leader = login(team["leader"])
    for url in ("http://127.0.0.1:9/x", "https://user:secret@hooks.slack.com/services/x"):
        assert connect(leader, "person", "slack", url).status_code == 422
    assert db.session.scalar(select(ChatChannel)) is None


def test_the_leadership_channel_gets_the_agenda_the_decisions_and_at_risk_key_results(team, login, receiver,
                                                                                      private_ok, clock):
    channel, unit_channel = receiver(), receiver()
    assert connect(login(team["ceo"]), "leadership", "teams", channel.url).status_code == 302
    assert connect(login(team["leader"]), f"unit:{team['unit'].id}", "slack", unit_channel.url).status_code == 302
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    clock.now = datetime(2026, 11, 18, 8, 0)  # the day before the 19 Nov review
    jobs.tick()
    titles = [r.json()["attachments"][0]["content"]["body"][0]["text"] for r in channel.received]
    assert titles and titles[0] == "Agenda for the priority review on 19 Nov"
    clock.now = datetime(2026, 11, 19, 9, 0)
    okrs.record_check_in(team["kr"], 76, 8, "On our way", team["leader"])  # ahead of pace: no alert
    db.session.commit()
    okrs.record_check_in(team["kr"], 70.5, 2, "Slow start", team["leader"])  # falls behind, low confidence
    db.session.commit()
    reviews.add_decision(meeting, kind="note", text="Delivery gets two more people.", by=team["ceo"])
    reviews.close_meeting(meeting, team["ceo"])
    db.session.commit()
    jobs.tick()
    texts = [r.json()["attachments"][0]["content"] for r in channel.received]
    closed = next(c for c in texts if c["body"][0]["text"].startswith("Decisions of the priority review"))
    assert any("Delivery gets two more people." in block["text"] for block in closed["body"][1:])
    assert any(c["body"][0]["text"].startswith("Key result off track") for c in texts)
    headers = [r.json()["blocks"][0]["text"]["text"] for r in unit_channel.received]
    assert headers[0].startswith("Check in before the review on 19 Nov")  # the reminder job ran on the 18th too
    assert [h for h in headers if h.startswith("Key result")] == [f"Key result off track: {team['kr'].title}"]
    assert db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.status != "delivered")) is None


def test_the_chat_page_reads_in_finnish(team, login):
    client = login(team["leader"])
    client.post("/language", data={"locale": "fi"})
    page = client.get("/integrations/chat").data.decode()
    assert "Yhdistä kanava" in page and "Slack (saapuva webhook)" in page and "Yksikkö: Delivery" in page


def test_check_in_overdue_and_at_risk_are_webhook_events_too(team, receiver, private_ok, clock, runner):
    from standardwebhooks.webhooks import Webhook

    from okrapp.integrations import operations as integrations
    hook = receiver()
    secret = integrations.create_endpoint(hook.url, ["check_in.overdue", "key_result.at_risk"], "HR").secret
    clock.now = datetime(2026, 11, 17, 8, 0)
    assert runner.invoke(args=["reviews", "remind", "--due"]).exit_code == 0
    okrs.record_check_in(team["kr"], 70.5, 2, "Slow start", team["leader"])  # never on track: no alert
    db.session.commit()
    okrs.record_check_in(team["kr"], 76, 8, "Back on track", team["leader"])
    db.session.commit()
    okrs.record_check_in(team["kr"], 72, 3, "Slipping", team["leader"])
    db.session.commit()
    jobs.tick()
    overdue, at_risk = [Webhook(secret).verify(r.body, r.headers) for r in hook.received]
    assert overdue["type"] == "check_in.overdue"
    assert overdue["data"]["user"] == {"id": team["leader"].id, "name": "Laura Mäkinen"}
    assert [kr["id"] for kr in overdue["data"]["key_results"]] == [team["kr"].id]
    assert at_risk["type"] == "key_result.at_risk" and at_risk["data"]["id"] == team["kr"].id
    assert at_risk["data"]["status"] in ("at_risk", "off_track") and at_risk["data"]["unit_id"] == team["unit"].id


def test_a_leader_who_leaves_the_unit_takes_none_of_its_notifications(team, login, private_ok, receiver, clock):
    """Connecting a unit's channel gives no lasting right: once the leader no longer leads the unit, its
    channel gets nothing more and the former leader can no longer manage it."""
    hook = receiver()
    leader = login(team["leader"])
    assert connect(leader, f"unit:{team['unit'].id}", "slack", hook.url).status_code == 302
    channel = db.session.scalar(select(ChatChannel))
    team["unit"].leaders = []
    db.session.commit()
    clock.now = datetime(2026, 11, 19, 9, 0)
    okrs.record_check_in(team["kr"], 76, 8, "On our way", team["ceo"])
    db.session.commit()
    okrs.record_check_in(team["kr"], 70.5, 2, "Slow start", team["ceo"])  # off track: the unit's alert
    db.session.commit()
    alerts = db.session.scalars(select(WebhookDelivery.event_type).where(WebhookDelivery.channel_id.is_not(None)))
    assert "key_result.at_risk" not in list(alerts)
    page = leader.get("/integrations/chat").get_data(as_text=True)
    assert "#delivery" not in page
    response = leader.post(f"/integrations/chat/{channel.id}/disconnect", data={"version": channel.version})
    assert response.status_code == 403
