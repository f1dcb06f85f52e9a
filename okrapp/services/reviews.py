"""Priority reviews: schedules, meetings planned ahead, invitations, reminders, agenda, minutes."""
import json
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import mail
from ..domain import agenda as agenda_rules
from ..domain import recurrence
from ..extensions import db
from ..ics import meeting_calendar
from ..models import (CheckIn, ConflictFinding, KeyResult, Objective, ReviewDecision, ReviewMeeting, ReviewSchedule,
                      User, kr_contributors)
from ..models.incentive import OPEN_STATUSES
from ..models.review import DECISION_KINDS
from ..timeutil import local_today, utcnow
from . import ServiceError
from .conflicts import act_on_finding
from .okrs import move_objective
from .scoreboard import current_cycle, scoreboard

PLAN_AHEAD = timedelta(weeks=8)
AGENDA_LEAD = timedelta(days=1)


def rule_of(schedule: ReviewSchedule) -> recurrence.Recurrence:
    return recurrence.Recurrence(schedule.cadence, schedule.weekday, schedule.time_of_day, schedule.timezone,
                                 schedule.anchor_on, schedule.cron)


def save_schedule(schedule: ReviewSchedule | None, *, name, cadence, weekday, time_of_day, timezone, cron,
                  duration_minutes, reminder_days, chair, participants, anchor_on) -> ReviewSchedule:
    try:
        recurrence.validate(recurrence.Recurrence(cadence, weekday, time_of_day, timezone, anchor_on, cron))
    except recurrence.RecurrenceError as error:
        raise ServiceError(str(error).capitalize() + ".", field=error.field) from None
    if not 5 <= duration_minutes <= 480:
        raise ServiceError("A review lasts between 5 minutes and 8 hours.", field="duration_minutes")
    schedule = schedule or ReviewSchedule()
    schedule.name, schedule.cadence, schedule.weekday = name.strip(), cadence, weekday
    schedule.time_of_day, schedule.timezone, schedule.cron = time_of_day, timezone, cron.strip()
    schedule.duration_minutes, schedule.reminder_days, schedule.anchor_on = duration_minutes, reminder_days, anchor_on
    schedule.chair, schedule.participants = chair, list({u.id: u for u in [*participants, chair] if u}.values())
    db.session.add(schedule)
    db.session.flush()
    return schedule


def plan_meetings(horizon: timedelta = PLAN_AHEAD) -> list[ReviewMeeting]:
    """Create the meetings of every active schedule up to horizon ahead; invite their participants.
    Safe to run twice: a meeting's slot is unique."""
    now = utcnow()
    created = []
    schedules = db.session.scalars(select(ReviewSchedule).where(ReviewSchedule.active.is_(True))
                                   .options(selectinload(ReviewSchedule.participants))).all()
    for schedule in schedules:
        for starts_at in recurrence.occurrences(rule_of(schedule), now, now + horizon):
            slot = f"{schedule.id}@{starts_at.isoformat(timespec='minutes')}"
            if db.session.scalar(select(ReviewMeeting.id).where(ReviewMeeting.slot == slot)):
                continue
            meeting = ReviewMeeting(schedule=schedule, slot=slot, starts_at=starts_at, timezone=schedule.timezone,
                                    ends_at=starts_at + timedelta(minutes=schedule.duration_minutes),
                                    uid=f"review-{schedule.id}-{starts_at:%Y%m%dT%H%M}@okrapp")
            db.session.add(meeting)
            db.session.flush()
            queue_invitations(meeting)
            created.append(meeting)
    return created


def participants_of(meeting: ReviewMeeting) -> list[User]:
    return [u for u in meeting.schedule.participants if u.active] if meeting.schedule else []


def queue_invitations(meeting: ReviewMeeting) -> int:
    """One message per participant and meeting version (SEQUENCE); cancellations use the same UID."""
    schedule = meeting.schedule
    cancelled = meeting.status == "cancelled"
    chair = schedule.chair or (participants_of(meeting) or [None])[0]
    organizer = (chair.email, chair.name) if chair else (current_app.config["OKRAPP_MAIL_SENDER"], "okrapp")
    people = participants_of(meeting)
    ics = meeting_calendar(uid=meeting.uid, sequence=meeting.sequence, starts_at=meeting.starts_at,
                           ends_at=meeting.ends_at, timezone=meeting.timezone, summary=schedule.name,
                           description="Priority review: re-rank the shared customer objectives.",
                           organizer=organizer, attendees=[(u.email, u.name) for u in people], cancelled=cancelled,
                           stamp=utcnow(), url=meeting_url(meeting))
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    verb = "Cancelled" if cancelled else "Updated" if meeting.sequence else "Invitation"
    subject = f"{verb}: {schedule.name}, {local:%a %d %b %Y %H:%M}"
    count = 0
    for user in people:
        text, html = mail.render("invitation", meeting=meeting, schedule=schedule, user=user, local=local,
                                 cancelled=cancelled, url=meeting_url(meeting))
        if mail.queue(f"invite:{meeting.uid}:{meeting.sequence}:{user.id}", user.email, subject, text, html,
                      category="invitation", ics=ics, ics_method="CANCEL" if cancelled else "REQUEST"):
            count += 1
    return count


def meeting_url(meeting: ReviewMeeting) -> str:
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + f"/reviews/{meeting.id}"


def move_meeting(meeting: ReviewMeeting, starts_local: datetime, by) -> None:
    if meeting.status != "scheduled":
        raise ServiceError("Only a scheduled review can be moved.")
    tz = recurrence.zone(meeting.timezone)
    starts_at = starts_local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
    if starts_at <= utcnow():
        raise ServiceError("Move the review to a time in the future.", field="starts_at")
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, starts_at + length
    meeting.sequence += 1
    db.session.flush()
    queue_invitations(meeting)


def cancel_meeting(meeting: ReviewMeeting, by) -> None:
    if meeting.status != "scheduled":
        raise ServiceError("Only a scheduled review can be cancelled.")
    meeting.status = "cancelled"
    meeting.sequence += 1
    db.session.flush()
    queue_invitations(meeting)


def upcoming(limit: int = 10) -> list[ReviewMeeting]:
    return db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.starts_at >= utcnow() - timedelta(hours=12))
                              .options(joinedload(ReviewMeeting.schedule))
                              .order_by(ReviewMeeting.starts_at).limit(limit)).all()


def previous_review(meeting: ReviewMeeting | None) -> ReviewMeeting | None:
    """The last closed review before this meeting (or before now)."""
    before = meeting.starts_at if meeting else utcnow()
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "closed",
                                                         ReviewMeeting.starts_at < before)
                             .order_by(ReviewMeeting.starts_at.desc()))


# -- reminders ---------------------------------------------------------------------------------

def reminder_due(now: datetime) -> list[ReviewMeeting]:
    meetings = db.session.scalars(select(ReviewMeeting).where(
        ReviewMeeting.status == "scheduled", ReviewMeeting.starts_at > now,
        ReviewMeeting.starts_at <= now + timedelta(days=31)).options(joinedload(ReviewMeeting.schedule))).all()
    return [m for m in meetings if m.starts_at - timedelta(days=m.schedule.reminder_days) <= now]


def send_reminders(meeting: ReviewMeeting) -> int:
    """Each unit leader whose key results have no check-in since the last review gets one message."""
    since = _since(meeting)
    cycle = current_cycle(local_today())
    if cycle is None:
        return 0
    leaders = db.session.scalars(select(User).where(User.role == "unit_leader", User.active.is_(True))
                                 .options(selectinload(User.units))).all()
    count = 0
    for leader in leaders:
        stale = stale_key_results(leader, cycle, since)
        if not stale:
            continue
        text, html = mail.render("reminder", user=leader, meeting=meeting, krs=stale, since=since,
                                 local=recurrence.local(meeting.starts_at, meeting.timezone))
        subject = f"Check in before the review on {recurrence.local(meeting.starts_at, meeting.timezone):%a %d %b}"
        if mail.queue(f"remind:{meeting.uid}:{meeting.sequence}:{leader.id}", leader.email, subject, text, html,
                      category="reminder"):
            count += 1
    return count


def _since(meeting: ReviewMeeting) -> datetime:
    previous = previous_review(meeting)
    if previous:
        return previous.starts_at
    cycle = current_cycle(local_today())
    return datetime.combine(cycle.starts_on, datetime.min.time()) if cycle else meeting.starts_at - timedelta(days=14)


def stale_key_results(leader: User, cycle, since: datetime) -> list[KeyResult]:
    unit_ids = [u.id for u in leader.units]
    if not unit_ids:
        return []
    contributing = select(kr_contributors.c.key_result_id).where(kr_contributors.c.unit_id.in_(unit_ids))
    return db.session.scalars(select(KeyResult).join(Objective).where(
        Objective.cycle_id == cycle.id,
        or_(KeyResult.accountable_unit_id.in_(unit_ids), KeyResult.id.in_(contributing)),
        or_(KeyResult.last_check_in_at.is_(None), KeyResult.last_check_in_at < since))
        .options(joinedload(KeyResult.objective)).order_by(KeyResult.id)).all()


# -- agenda ------------------------------------------------------------------------------------

def agenda_due(now: datetime) -> list[ReviewMeeting]:
    return db.session.scalars(select(ReviewMeeting).where(
        ReviewMeeting.status == "scheduled", ReviewMeeting.starts_at > now,
        ReviewMeeting.starts_at <= now + AGENDA_LEAD)).all()


def generate_agenda(meeting: ReviewMeeting, persist: bool = True) -> dict:
    """Compute the agenda now; keep it on the meeting unless persist is False (a page view)."""
    now, today = utcnow(), local_today()
    previous = previous_review(meeting)
    since = previous.starts_at if previous else None
    previous_scores = {int(k): v for k, v in json.loads(previous.scores or "{}").items()} if previous else {}
    cycle = current_cycle(today)
    views = scoreboard(cycle, today) if cycle else []
    objectives = [agenda_rules.ObjectiveState(v.objective.id, v.objective.title, v.objective.rank,
                                              v.score.progress if v.score else None,
                                              v.score.status if v.score else None,
                                              previous_scores.get(v.objective.id)) for v in views]
    prior_confidence = _previous_confidences([k.kr.id for v in views for k in v.key_results])
    key_results = [agenda_rules.KeyResultState(
        k.kr.id, k.kr.title, v.objective.title, k.kr.accountable_unit.name, k.score.status, k.score.progress,
        k.kr.last_check_in_at, k.kr.current_confidence, prior_confidence.get(k.kr.id))
        for v in views for k in v.key_results]
    findings = [agenda_rules.FindingState(f.id, f"{f.label_a} ↔ {f.label_b}", f.kind, f.severity, f.status,
                                          f.first_seen_at)
                for f in db.session.scalars(select(ConflictFinding).where(
                    ConflictFinding.status.in_(OPEN_STATUSES), ConflictFinding.kind != "tension"))]
    actions = [agenda_rules.ActionState(d.id, d.text, d.owner.name if d.owner else "", d.due_on)
               for d in open_actions()]
    result = agenda_rules.build_agenda(objectives, key_results, findings, actions, since, now, today).as_dict()
    if persist:
        meeting.agenda, meeting.agenda_at = json.dumps(result), now
        db.session.flush()
    return result


def _previous_confidences(kr_ids: list[int]) -> dict[int, int]:
    """The confidence of each key result's second-latest check-in, in one query."""
    if not kr_ids:
        return {}
    ranked = select(CheckIn.key_result_id, CheckIn.confidence, func.row_number().over(
        partition_by=CheckIn.key_result_id, order_by=(CheckIn.created_at.desc(), CheckIn.id.desc())).label("n")
    ).where(CheckIn.key_result_id.in_(kr_ids)).subquery()
    return dict(db.session.execute(select(ranked.c.key_result_id, ranked.c.confidence).where(ranked.c.n == 2)).all())


def open_actions() -> list[ReviewDecision]:
    return db.session.scalars(select(ReviewDecision).where(ReviewDecision.kind == "action",
                                                           ReviewDecision.done_at.is_(None))
                              .options(joinedload(ReviewDecision.owner)).order_by(ReviewDecision.due_on)).all()


# -- during the meeting ------------------------------------------------------------------------

def rerank(meeting: ReviewMeeting, objective: Objective, new_rank: int, by) -> None:
    _ensure_open(meeting)
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    for change in move_objective(objective, new_rank, by, reason=f"Priority review {local:%Y-%m-%d}"):
        change.meeting_id = meeting.id
    db.session.flush()


def add_decision(meeting: ReviewMeeting, *, kind, text, by, objective=None, finding=None, owner=None,
                 due_on=None) -> ReviewDecision:
    _ensure_open(meeting)
    if kind not in DECISION_KINDS:
        raise ServiceError("Choose what kind of decision this is.", field="kind")
    if not text.strip():
        raise ServiceError("Write the decision down.", field="text")
    if kind == "action" and owner is None:
        raise ServiceError("An action needs an owner.", field="owner")
    if kind == "resolve_conflict":
        if finding is None:
            raise ServiceError("Choose the conflict this resolves.", field="finding")
        act_on_finding(finding, "resolve", by, text)
    decision = ReviewDecision(meeting=meeting, kind=kind, text=text.strip(), objective=objective, finding=finding,
                              owner=owner, due_on=due_on, created_by=by, created_at=utcnow())
    db.session.add(decision)
    db.session.flush()
    return decision


def complete_action(decision: ReviewDecision, by) -> None:
    if decision.kind != "action" or decision.done_at is not None:
        raise ServiceError("Only an open action can be completed.")
    decision.done_at = utcnow()
    db.session.flush()


def close_meeting(meeting: ReviewMeeting, by) -> int:
    """Close the review, keep the scores it saw, and send the minutes to every participant."""
    _ensure_open(meeting)
    agenda = generate_agenda(meeting)
    meeting.status, meeting.closed_at, meeting.closed_by = "closed", utcnow(), by
    meeting.scores = json.dumps({p["id"]: p["score"] for p in agenda["priorities"]})
    db.session.flush()
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    count = 0
    for user in participants_of(meeting):
        text, html = mail.render("minutes", meeting=meeting, agenda=agenda, user=user, local=local,
                                 decisions=meeting.decisions, url=meeting_url(meeting))
        if mail.queue(f"minutes:{meeting.uid}:{user.id}", user.email,
                      f"Minutes: {meeting.schedule.name if meeting.schedule else 'Priority review'}, {local:%d %b %Y}",
                      text, html, category="minutes"):
            count += 1
    return count


def _ensure_open(meeting: ReviewMeeting) -> None:
    if meeting.status != "scheduled":
        raise ServiceError(f"This review is {meeting.status}; nothing can be changed in it.")
