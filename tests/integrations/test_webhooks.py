"""Outbound webhooks end to end, against real HTTP receivers on loopback: an admin adds an endpoint on the
page, a decision recorded on the review page arrives signed (verified with the `standardwebhooks`
reference package), a failing receiver gets the same webhook-id again, a receiver that keeps failing
is paused and the admin told by mail and on the page; targets are checked at save and at delivery."""
import re

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from okrapp.core.background import jobs
from okrapp.core.extensions import db
from okrapp.integrations.models import WebhookDelivery, WebhookEndpoint
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting

from tests.factories import make_cycle, make_key_result, make_objective, make_unit, make_user
from tests.integrations import receivers


@pytest.fixture
def org(clock):
    admin = make_user("admin", name="Ada Admin", email="admin@example.com")
    ceo = make_user("executive", name="Aino Virtanen", email="ceo@example.com")
    care = make_unit("Customer Care")
    objective = make_objective(make_cycle("2026 Q4"), title="Customers get what they ordered", by=ceo)
    kr = make_key_result(objective, unit=care, by=ceo)
    reviews.save_schedule(None, name="Leadership review", cadence="weekly", weekday=3, time_of_day="09:00",
                          timezone="Europe/Helsinki", cron="", duration_minutes=60, reminder_days=2, chair=ceo,
                          participants=[ceo], anchor_on=clock.now.date())
    reviews.plan_meetings()
    db.session.commit()
    meeting = db.session.scalar(select(ReviewMeeting).order_by(ReviewMeeting.starts_at))
    return dict(admin=admin, ceo=ceo, care=care, objective=objective, kr=kr, meeting=meeting)


def add_endpoint(client, url, events=("decision.recorded",)):
    """Through the admin page; returns (response, the secret shown once)."""
    response = client.post("/admin/integrations", data={"url": url, "events": list(events), "description": "ERP"})
    page = response.data.decode()
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', page)
    return response, secret.group(1) if secret else None


def record_decision(client, meeting, text="Sales shares the CSAT result from Q1."):
    response = client.post(f"/reviews/{meeting.id}/decisions", data={"kind": "note", "text": text})
    assert response.status_code == 302, response.data.decode()[:2000]


def test_a_decision_recorded_on_the_review_page_arrives_signed(org, login, receiver, private_ok):
    hook = receiver()
    response, secret = add_endpoint(login(org["admin"]), hook.url)
    assert response.status_code == 201 and secret.startswith("whsec_")
    assert secret not in login(org["admin"]).get("/admin/integrations").data.decode()  # shown once
    record_decision(login(org["ceo"]), org["meeting"])
    assert hook.received == []  # nothing sent inside the request
    jobs.tick()
    [got] = hook.received
    payload = Webhook(secret).verify(got.body, {k: got.headers[k] for k in
                                                 ("webhook-id", "webhook-timestamp", "webhook-signature")})
    assert payload["type"] == "decision.recorded"
    data = payload["data"]
    assert data["text"] == "Sales shares the CSAT result from Q1." and data["kind"] == "note"
    assert data["meeting"]["id"] == org["meeting"].id and data["url"].endswith(f"/reviews/{org['meeting'].id}#decisions")
    assert data["url"].startswith("http") and data["recorded_by"] == "Aino Virtanen"
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.last_status, delivery.message_id) == ("delivered", 200, got.headers["webhook-id"])


def test_a_receiver_answering_500_gets_the_same_event_again_with_the_same_id(org, login, receiver, private_ok, clock):
    hook = receiver(answers=[500, 200])
    _response, secret = add_endpoint(login(org["admin"]), hook.url)
    record_decision(login(org["ceo"]), org["meeting"])
    jobs.tick()
    jobs.tick()  # not due yet: the first retry waits a minute
    assert len(hook.received) == 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    clock.advance(seconds=61)
    jobs.tick()
    first, second = hook.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    Webhook(secret).verify(second.body, second.headers)
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == "delivered"
    page = login(org["admin"]).get(f"/admin/integrations/{delivery.endpoint_id}").data.decode()
    assert delivery.message_id in page


def test_after_the_pause_threshold_the_admin_is_told_by_mail_and_on_the_page(org, login, receiver, private_ok,
                                                                               smtp, app, clock):
    app.config["OKRAPP_WEBHOOK_PAUSE_AFTER"] = 3
    try:
        hook = receiver(answers=[503])
        add_endpoint(login(org["admin"]), hook.url)
        ceo = login(org["ceo"])
        for n in range(3):
            record_decision(ceo, org["meeting"], text=f"Decision {n}")
        jobs.tick()
        assert len(hook.received) == 1  # one failure a tick: the others wait for the next
        jobs.tick()
        jobs.tick()
        assert len(hook.received) == 3
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert (endpoint.state, endpoint.failures) == ("paused", 3)
        [notice] = smtp.to("admin@example.com")
        assert "paused" in notice["Subject"] and hook.url in notice.get_body(("plain",)).get_content()
        page = login(org["admin"]).get("/admin/integrations").data.decode()
        assert "Paused after repeated failures" in page and hook.url in page
        record_decision(ceo, org["meeting"], text="While paused")
        clock.advance(hours=1)
        jobs.tick()
        assert len(hook.received) == 3  # a paused endpoint gets nothing; its events wait
        hook.answers = [200]
        admin = login(org["admin"])
        response = admin.post(f"/admin/integrations/{endpoint.id}/resume", data={"version": endpoint.version})
        assert response.status_code == 302
        jobs.tick()
        assert len(hook.received) == 3 + 4  # everything that waited, once each
        assert len({r.headers["webhook-id"] for r in hook.received[3:]}) == 4
        assert len(smtp.to("admin@example.com")) == 1
    finally:
        app.config["OKRAPP_WEBHOOK_PAUSE_AFTER"] = 10


def test_send_again_repeats_a_delivered_event_with_its_webhook_id(org, login, receiver, private_ok):
    hook = receiver()
    add_endpoint(login(org["admin"]), hook.url)
    record_decision(login(org["ceo"]), org["meeting"])
    jobs.tick()
    delivery = db.session.scalar(select(WebhookDelivery))
    admin = login(org["admin"])
    assert admin.post(f"/admin/integrations/deliveries/{delivery.id}/send-again").status_code == 302
    assert len(hook.received) == 1  # queued, not sent in the request
    jobs.tick()
    assert [r.headers["webhook-id"] for r in hook.received] == [delivery.message_id] * 2
    assert login(org["ceo"]).post(f"/admin/integrations/deliveries/{delivery.id}/send-again").status_code == 403


# -- safe targets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:9/hook", "private, loopback or link-local"),
    ("http://localhost:9/hook", "private, loopback or link-local"),
    ("http://10.1.2.3/hook", "private, loopback or link-local"),
    ("http://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
    ("http://[::1]:9/hook", "private, loopback or link-local"),
    ("http://[::ffff:127.0.0.1]/hook", "private, loopback or link-local"),
    ("http://0.0.0.0/hook", "private, loopback or link-local"),
    ("http://224.0.0.1/hook", "private, loopback or link-local"),
    ("https://user:pass@hooks.example.com/x", "Leave user names and passwords out"),
    ("https://token@hooks.example.com/x", "Leave user names and passwords out"),
    ("ftp://hooks.example.com/x", "Use an https:// address"),
    ("javascript:alert(1)", "Use an https:// address"),
    ("https:///nohost", "names no host"),
    ("https://hooks.example.com:99999/x", "invalid port"),
])
def test_unsafe_targets_are_refused_on_the_form_and_nothing_is_saved(org, login, url, says):
    response, secret = add_endpoint(login(org["admin"]), url)
    assert response.status_code == 422 and secret is None
    assert says in response.data.decode()
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_a_target_that_became_private_is_refused_at_delivery(org, login, receiver, private_ok, app):
    hook = receiver()
    add_endpoint(login(org["admin"]), hook.url)  # allowed when saved
    record_decision(login(org["ceo"]), org["meeting"])
    app.config["OKRAPP_ALLOW_PRIVATE_WEBHOOKS"] = False  # as a name now resolving to loopback would be
    jobs.tick()
    assert hook.received == []
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and "private, loopback" in delivery.last_error and delivery.last_status is None


def test_a_redirect_is_not_followed(org, login, receiver, private_ok):
    elsewhere = receiver()
    hook = receiver(answers=[307], location=elsewhere.url)
    add_endpoint(login(org["admin"]), hook.url)
    record_decision(login(org["ceo"]), org["meeting"])
    jobs.tick()
    assert len(hook.received) == 1 and elsewhere.received == []
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.last_status, delivery.last_error) == ("pending", 307, "redirect not followed")


def test_a_receiver_that_never_answers_holds_the_worker_no_longer_than_its_timeout(org, login, receiver, private_ok):
    silent = receivers.Silent()
    try:
        hook = receiver()
        admin = login(org["admin"])
        add_endpoint(admin, silent.url)
        add_endpoint(admin, hook.url)
        ceo = login(org["ceo"])
        record_decision(ceo, org["meeting"])
        record_decision(ceo, org["meeting"], text="A second one")
        jobs.tick()  # returns: the silent one times out once, the other still gets its events in the same tick
        assert len(hook.received) == 2 and len(silent.accepted) == 1
        first, second = db.session.scalars(select(WebhookDelivery).join(WebhookEndpoint).where(
            WebhookEndpoint.url == silent.url).order_by(WebhookDelivery.id)).all()
        assert first.status == "pending" and "timed out" in first.last_error
        assert (second.status, second.attempts) == ("pending", 0)  # not tried after its receiver timed out
    finally:
        silent.close()


def test_only_admins_reach_the_webhook_pages(org, login):
    ceo = login(org["ceo"])
    assert ceo.get("/admin/integrations").status_code == 403
    assert ceo.post("/admin/integrations", data={"url": "https://example.com/x", "events": ["plan.approved"]}
                    ).status_code == 403
    assert login(org["admin"]).post("/admin/integrations", data={
        "url": "https://example.com/x", "events": ["plan.approved"], "csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_an_unknown_event_or_none_is_refused(org, login, private_ok, receiver):
    admin = login(org["admin"])
    hook = receiver()
    for events in ([], ["user.deleted"]):
        response, _ = add_endpoint(admin, hook.url, events=events)
        assert response.status_code == 422
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_conflict_items_opened_escalated_and_settled_reach_an_endpoint(org, login, receiver, private_ok):
    from okrapp.conflicts.models import ConflictItem
    from okrapp.conflicts.operations import refresh_items
    from okrapp.incentives.operations import save_incentive, save_link
    from tests.factories import metric
    hook = receiver()
    _response, secret = add_endpoint(login(org["admin"]), hook.url,
                                      events=("conflict.opened", "conflict.escalated", "conflict.settled"))
    sales = make_unit("Equipment Sales")
    save_incentive(None, unit=sales, name="Orders per sales rep", metric=metric("revenue"), direction="increase",
                   weight=0.5, target=14, period="2026", note="", by=org["ceo"])
    save_link(None, source=metric("revenue"), target=metric("csat"), sign=-1, strength=0.6, rationale="", by=org["ceo"])
    db.session.commit()
    refresh_items()
    db.session.commit()
    item = db.session.scalar(select(ConflictItem))
    ceo = login(org["ceo"])
    for action, note in (("review", ""), ("resolve", "Sales shares the CSAT result.")):
        response = ceo.post(f"/conflicts/{item.id}", data={"action": action, "note": note,
                                                             "version": db.session.get(ConflictItem, item.id).version})
        assert response.status_code == 302, response.data.decode()[:500]
        db.session.expire_all()
    jobs.tick()
    payloads = [Webhook(secret).verify(r.body, r.headers) for r in hook.received]
    assert [p["type"] for p in payloads] == ["conflict.opened", "conflict.escalated", "conflict.settled"]
    assert {p["data"]["id"] for p in payloads} == {item.id}
    assert payloads[1]["data"]["meeting"]["id"] == org["meeting"].id
    assert payloads[2]["data"]["note"] == "Sales shares the CSAT result." and payloads[2]["data"]["status"] == "resolved"
    assert payloads[0]["data"]["url"] == f"http://127.0.0.1:5000/conflicts/{item.id}"


def test_https_goes_to_the_checked_address_and_still_verifies_the_certificate(org, login, receiver, private_ok,
                                                                              tmp_path, monkeypatch):
    """The connection is pinned to the address checked, yet TLS checks the certificate against the URL's
    host name: a trusted certificate for localhost delivers, one the machine does not trust does not."""
    trusted = receivers.self_signed(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted[0]))  # the machine trusts this one certificate
    (tmp_path / "other").mkdir()
    good, stranger = receiver(tls=trusted), receiver(tls=receivers.self_signed(tmp_path / "other", "localhost"))
    admin = login(org["admin"])
    _response, secret = add_endpoint(admin, good.url)
    add_endpoint(admin, stranger.url)
    record_decision(login(org["ceo"]), org["meeting"])
    jobs.tick()
    [got] = good.received
    Webhook(secret).verify(got.body, got.headers)
    assert stranger.received == []
    failed = db.session.scalar(select(WebhookDelivery).join(WebhookEndpoint).where(WebhookEndpoint.url == stranger.url))
    assert failed.status == "pending" and "CERTIFICATE_VERIFY_FAILED" in failed.last_error


def test_a_stale_pause_or_edit_is_refused_and_changes_nothing(org, login, receiver, private_ok):
    hook = receiver()
    admin = login(org["admin"])
    add_endpoint(admin, hook.url)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    seen = endpoint.version
    assert admin.post(f"/admin/integrations/{endpoint.id}", data={
        "url": hook.url, "events": ["plan.approved"], "version": seen}).status_code == 302
    response = admin.post(f"/admin/integrations/{endpoint.id}/pause", data={"version": seen})
    assert response.status_code == 409
    response = admin.post(f"/admin/integrations/{endpoint.id}", data={
        "url": hook.url, "events": ["conflict.opened"], "version": seen})
    assert response.status_code == 409
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert (endpoint.state, endpoint.event_list, endpoint.version) == ("active", ["plan.approved"], seen + 1)


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_deadline(org, login, private_ok):
    trickle = receivers.Trickle()
    try:
        add_endpoint(login(org["admin"]), trickle.url)
        record_decision(login(org["ceo"]), org["meeting"])
        jobs.tick()  # every byte comes within the read timeout; the whole answer never does
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.status == "pending" and "took too long" in delivery.last_error
    finally:
        trickle.close()


def test_a_receiver_trickling_its_headers_is_cut_off_at_the_deadline_too():
    """The status line and headers are read before any body: the exchange's deadline covers them too, so
    a receiver sending a header line at a time cannot hold the scheduler."""
    import time
    from okrapp.integrations import targets
    slow = receivers.TrickleHeaders()
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            targets.post(slow.url, b"{}", {}, timeout=0.5, allow_private=True, https_only=False)
        assert time.monotonic() - started < 3  # 2 x the timeout, not as long as the receiver likes
    finally:
        slow.close()


def test_a_board_summary_sent_from_the_preview_page_is_an_event(org, login, receiver, private_ok):
    from okrapp.board.models import BoardSummary
    make_user("board", name="Bea Board", email="board@example.com")
    hook = receiver()
    _response, secret = add_endpoint(login(org["admin"]), hook.url, events=("board_summary.sent",))
    assert login(org["admin"]).post("/board/send", data={"period": "2026-10"}).status_code == 302
    jobs.tick()
    [got] = hook.received
    payload = Webhook(secret).verify(got.body, got.headers)
    summary = db.session.scalar(select(BoardSummary))
    assert payload["type"] == "board_summary.sent"
    assert payload["data"] == {"id": summary.id, "period": "2026-10", "recipients": 1,
                               "url": f"http://127.0.0.1:5000/board/summaries/{summary.id}"}


def test_a_plan_approved_in_a_review_is_an_event(org, login, receiver, private_ok):
    from okrapp.incentives import operations as incentives
    from okrapp.incentives import plans
    from tests.factories import metric
    hook = receiver()
    _response, secret = add_endpoint(login(org["admin"]), hook.url, events=("plan.approved",))
    row = incentives.save_incentive(None, unit=org["care"], name="Cheaper satisfaction", metric=metric("csat"),
                                    direction="decrease", weight=0.6, target=None, period="2027", note="",
                                    by=org["ceo"])
    db.session.commit()
    plans.send_to_review(row.plan, org["ceo"])
    decision = reviews.add_decision(org["meeting"], kind="plan", text="Approved.", by=org["ceo"], plan=row.plan,
                                    verdict="approve", remove_rows=[])
    db.session.commit()
    jobs.tick()
    [got] = hook.received
    data = Webhook(secret).verify(got.body, got.headers)["data"]
    assert data["unit"] == {"id": org["care"].id, "name": "Customer Care"} and data["period"]["name"] == "2027"
    assert data["decision_id"] == decision.id and data["url"].endswith(f"/incentives/plans/{row.plan_id}")
