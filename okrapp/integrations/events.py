"""What each event says: the webhook payloads (documented in the README) and the chat messages, built from
the records the emitting feature hands over. Features call these in the transaction of their change;
nothing here imports a feature (the records are read by their attributes), so every feature may call it."""
from okrapp.core import formatting as fmt
from okrapp.core.timeutil import local_today, to_local
from okrapp.core.words import _, ngettext
from okrapp.domain.scoring import KeyResultFigures, ScoringError, elapsed_share, score_key_result
from okrapp.integrations.operations import channels_for, emit, link, notify_chat, wanted
from okrapp.integrations.rules import became_riskier


def _stamp(moment) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment is not None else None


def _meeting(meeting) -> dict:
    return {"id": meeting.id, "starts_at": _stamp(meeting.starts_at), "url": link(f"/reviews/{meeting.id}")}


def _kr_url(kr) -> str:
    return link(f"/objectives/{kr.objective_id}#kr-{kr.id}")


def decision_recorded(decision) -> None:
    meeting = decision.meeting
    emit("decision.recorded", {
        "id": decision.id, "kind": decision.kind, "text": decision.text, "meeting": _meeting(meeting),
        "objective_id": decision.objective_id, "key_result_id": decision.key_result_id,
        "incentive_id": decision.incentive_id, "settles": [item.id for item in decision.settles],
        "recorded_by": decision.created_by.name if decision.created_by else None,
        "url": link(f"/reviews/{meeting.id}#decisions")})


def conflict(event: str, item, note: str = "") -> None:
    """event: opened, escalated (sent to a priority review) or settled (resolved, accepted, no longer found)."""
    data = {"id": item.id, "title": item.title, "status": item.status, "level": item.level,
            "severity": round(float(item.severity or 0), 4), "note": note or item.note or "",
            "url": link(f"/conflicts/{item.id}")}
    if event == "escalated" and item.review_meeting is not None:
        data["meeting"] = _meeting(item.review_meeting)
    emit(f"conflict.{event}", data)


def conflicts_scanned(opened, settled) -> None:
    """After a scan: items found (or found again) are opened, items no longer found are settled."""
    if not opened and not settled or not wanted("conflict."):
        return
    for item in opened:
        conflict("opened", item)
    for item in settled:
        conflict("settled", item)


def check_in_overdue(leader, key_results, meeting) -> None:
    """A unit leader's key results without a check-in since the last review: an event, and a reminder in
    the leader's own channel and in their units' channels."""
    emit("check_in.overdue", {
        "user": {"id": leader.id, "name": leader.name}, "units": [u.id for u in leader.units],
        "key_results": [{"id": kr.id, "title": kr.title, "url": _kr_url(kr)} for kr in key_results],
        "meeting": _meeting(meeting)})
    day = to_local(meeting.starts_at)

    def message():
        title = _("Check in before the review on %(day)s", day=fmt.day_month(day))
        lines = [ngettext("%(name)s: %(num)s key result has no check-in since the last review.",
                          "%(name)s: %(num)s key results have no check-in since the last review.",
                          len(key_results), name=leader.name)]
        lines += [kr.title for kr in key_results[:10]]
        return title, lines, _("Check in now"), link(f"/key-results/{key_results[0].id}/check-in")
    notify_chat(channels_for(units=leader.units, people=[leader]), "check_in.overdue", message)


def key_result_status(kr) -> str | None:
    """on_track, at_risk or off_track as the pages score it today; None before it can be scored."""
    cycle = kr.objective.cycle if kr.objective is not None else None
    if cycle is None or kr.current_value is None:
        return None
    try:
        figures = KeyResultFigures(kr.baseline, kr.target, kr.current_value, kr.weight, kr.commitment,
                                   kr.current_confidence)
        return score_key_result(figures, elapsed_share(cycle.starts_on, cycle.ends_on, local_today())).status
    except ScoringError:
        return None


def key_result_checked(kr, was: str | None) -> None:
    """After a check-in: tell of a key result that fell to at risk or off track."""
    now = key_result_status(kr)
    if became_riskier(was, now):
        key_result_at_risk(kr, now)


def key_result_at_risk(kr, status: str) -> None:
    """A check-in moved the key result from on track to at risk or off track."""
    emit("key_result.at_risk", {"id": kr.id, "title": kr.title, "status": status,
                                "objective_id": kr.objective_id, "unit_id": kr.accountable_unit_id,
                                "url": _kr_url(kr)})

    def message():
        title = (_("Key result off track: %(title)s", title=kr.title) if status == "off_track" else
                 _("Key result at risk: %(title)s", title=kr.title))
        return title, [], _("Open the key result"), _kr_url(kr)
    units = [kr.accountable_unit] if kr.accountable_unit is not None else []
    notify_chat(channels_for(units=units, leadership=True), "key_result.at_risk", message)


def agenda_ready(meeting, agenda: dict) -> None:
    """The day before a review: its agenda in the leadership team's channels."""
    day = to_local(meeting.starts_at)

    def message():
        title = _("Agenda for the priority review on %(day)s", day=fmt.day_month(day))
        lines = [p.get("title", "") for p in agenda.get("priorities", [])[:10]]
        if agenda.get("at_risk"):
            lines.append(ngettext("%(num)s key result at risk", "%(num)s key results at risk", len(agenda["at_risk"])))
        return title, lines, _("Open the review"), link(f"/reviews/{meeting.id}")
    notify_chat(channels_for(leadership=True), "review.agenda", message)


def review_closed(meeting) -> None:
    """After a review: its decisions and actions in the leadership team's channels."""
    decisions = list(meeting.decisions)
    day = to_local(meeting.starts_at)

    def message():
        title = _("Decisions of the priority review on %(day)s", day=fmt.day_month(day))
        lines = [f"{d.kind_label}: {d.text}" for d in decisions[:15]] or [_("No decisions were recorded.")]
        return title, lines, _("Open the minutes"), link(f"/reviews/{meeting.id}#decisions")
    notify_chat(channels_for(leadership=True), "review.closed", message)


def board_summary_sent(summary, recipients: int) -> None:
    emit("board_summary.sent", {"id": summary.id, "period": getattr(summary, "period", None),
                                "recipients": recipients, "url": link(f"/board/summaries/{summary.id}")})


def plan_approved(plan) -> None:
    from okrapp.core.extensions import db
    db.session.flush()  # the deciding decision's id
    emit("plan.approved", {"id": plan.id, "unit": {"id": plan.unit_id, "name": plan.unit.name if plan.unit else None},
                           "period": {"id": plan.period_id, "name": plan.period.name if plan.period else None},
                           "decision_id": plan.decision_id, "url": link(f"/incentives/plans/{plan.id}")})
