"""Priority reviews: schedules, meetings planned ahead, invitations, reminders, agenda, minutes."""
import json
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import BadRequest

from okrapp.core import mail, words
from okrapp.reviews import rules as agenda_rules
from okrapp.domain import recurrence
from okrapp.domain.scoring import KeyResultFigures, elapsed_share, score_from_stored, score_key_result
from okrapp.core.extensions import db
from okrapp.core import formatting as fmt
from okrapp.core.files.ics import meeting_calendar
from okrapp.okrs.models import CheckIn, KeyResult, Objective, kr_contributors
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.incentives.models import BonusPlan, Incentive, IncentiveProposal
from okrapp.okrs.metric_models import Metric
from okrapp.reviews.models import DEFAULT_NAME, Pilot, ReviewDecision, ReviewMeeting, ReviewSchedule
from okrapp.admin.models import Unit
from okrapp.accounts.models import User
from okrapp.conflicts.models import OPEN_STATUSES
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core import policy
from okrapp.core.errors import ServiceError
from okrapp.core.transaction import operation
from okrapp.core.words import _
from okrapp.reviews import decisions, planning
from okrapp.reviews.notices import invitation_subject, meeting_url, not_open
from okrapp.core import versioning
from okrapp.integrations import events
from okrapp.conflicts.visibility import visible_item_ids, visible_items_clause
from okrapp.reviews.planning import PLAN_AHEAD
from okrapp.okrs.operations import move_objective
from okrapp.okrs.scoreboard import current_cycle

AGENDA_LEAD = timedelta(days=1)


def save_schedule(schedule: ReviewSchedule | None, *, name, cadence, weekday, time_of_day, timezone, cron,
                  duration_minutes, reminder_days, chair, participants, anchor_on, by=None,
                  expected_version: int | None = None) -> ReviewSchedule:
    try:
        recurrence.validate(recurrence.Recurrence(cadence, weekday, time_of_day, timezone, anchor_on, cron))
    except recurrence.RecurrenceError as error:
        raise ServiceError(str(error), field=error.field) from None
    if not 5 <= duration_minutes <= 480:
        raise ServiceError(_("A review lasts between 5 minutes and 8 hours."), field="duration_minutes")
    if schedule is not None:
        versioning.claim(schedule, expected_version, by)
    schedule = schedule or ReviewSchedule()
    name = name.strip()
    if name == _(DEFAULT_NAME):  # the default as the form offered it, in the editor's language
        name = DEFAULT_NAME
    schedule.name, schedule.cadence, schedule.weekday = name, cadence, weekday
    schedule.time_of_day, schedule.timezone, schedule.cron = time_of_day, timezone, cron.strip()
    schedule.duration_minutes, schedule.reminder_days, schedule.anchor_on = duration_minutes, reminder_days, anchor_on
    schedule.chair, schedule.participants = chair, list({u.id: u for u in [*participants, chair] if u}.values())
    db.session.add(schedule)
    db.session.flush()
    return schedule


def plan_meetings(horizon: timedelta = PLAN_AHEAD) -> list[ReviewMeeting]:
    """Bring every schedule's planned meetings in line with it (reviews.planning): create the
    missing ones, move or cancel those an edit changed, invite and uninvite people. Safe to run
    twice: a meeting's slot is unique and an unchanged schedule changes nothing."""
    now = utcnow()
    created = []
    schedules = db.session.scalars(select(ReviewSchedule).options(selectinload(ReviewSchedule.participants))).all()
    for schedule in schedules:
        created += planning.plan_schedule(schedule, now, horizon, queue_invitations)
    return created


def participants_of(meeting: ReviewMeeting) -> list[User]:
    return [u for u in meeting.schedule.participants if u.active] if meeting.schedule else []


def queue_invitations(meeting: ReviewMeeting, people: list[User] | None = None, cancelled: bool = False) -> int:
    """The meeting's current version (SEQUENCE) to people, by default everyone invited to it; a
    cancellation when the meeting is cancelled, or with cancelled=True for people taken off it.
    One message per person and version; the UID stays the same. Each person reads the mail, its subject
    and the event's description in their own language."""
    schedule = meeting.schedule
    cancelled = cancelled or meeting.status == "cancelled"
    invited = list(meeting.attendees)
    people = invited if people is None else people
    chair = schedule.chair or (invited or [None])[0]
    organizer = (chair.email, chair.name) if chair else (current_app.config["OKRAPP_MAIL_SENDER"], "okrapp")
    listed = people if cancelled and meeting.status != "cancelled" else invited
    stamp, calendars = utcnow(), {}
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    count = 0
    for user in people:
        locale = mail.reader_locale(user)
        with words.using(locale):
            if locale not in calendars:  # one calendar per language: the same event, its description translated
                calendars[locale] = meeting_calendar(
                    uid=meeting.uid, sequence=meeting.sequence, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                    timezone=meeting.timezone, summary=schedule.display_name,
                    description=_("Priority review: re-rank the shared customer objectives."), organizer=organizer,
                    attendees=[(u.email, u.name) for u in listed], cancelled=cancelled, stamp=stamp,
                    url=meeting_url(meeting))
            ics = calendars[locale]
            subject = invitation_subject(meeting, local, cancelled)
            text, html = mail.render("invitation", meeting=meeting, schedule=schedule, user=user, local=local,
                                     cancelled=cancelled, url=meeting_url(meeting))
        key = f"{'cancel' if cancelled else 'invite'}:{meeting.uid}:{meeting.sequence}:{user.id}"
        if mail.queue(key, user.email, subject, text, html, category="invitation", ics=ics,
                      ics_method="CANCEL" if cancelled else "REQUEST"):
            count += 1
    return count


def move_meeting(meeting: ReviewMeeting, starts_local: datetime, by) -> None:
    if meeting.status != "scheduled":
        raise ServiceError(_("Only a scheduled review can be moved."))
    decisions.hold_open(meeting)
    tz = recurrence.zone(meeting.timezone)
    starts_at = starts_local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
    if starts_at <= utcnow():
        raise ServiceError(_("Move the review to a time in the future."), field="starts_at")
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, starts_at + length
    meeting.sequence += 1
    db.session.flush()
    queue_invitations(meeting)


def cancel_meeting(meeting: ReviewMeeting, by) -> None:
    if meeting.status != "scheduled":
        raise ServiceError(_("Only a scheduled review can be cancelled."))
    decisions.hold_open(meeting, status="cancelled")
    meeting.status = "cancelled"
    meeting.sequence += 1
    carry_over(meeting, by)
    db.session.flush()
    queue_invitations(meeting)


def upcoming(limit: int = 10) -> list[ReviewMeeting]:
    return db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.starts_at >= utcnow() - timedelta(hours=12))
                              .options(joinedload(ReviewMeeting.schedule))
                              .order_by(ReviewMeeting.starts_at).limit(limit)).all()


def next_review() -> ReviewMeeting | None:
    """The next review still open for decisions (a review running now counts)."""
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.status == "scheduled",
                                                         ReviewMeeting.ends_at >= utcnow())
                             .order_by(ReviewMeeting.starts_at).limit(1))


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
        local = recurrence.local(meeting.starts_at, meeting.timezone)
        with words.using(mail.reader_locale(leader)):
            text, html = mail.render("reminder", user=leader, meeting=meeting, krs=stale, since=since, local=local)
            subject = _("Check in before the review on %(day)s", day=fmt.day_month(local))
        if mail.queue(f"remind:{meeting.uid}:{meeting.sequence}:{leader.id}", leader.email, subject, text, html,
                      category="reminder"):
            count += 1
            events.check_in_overdue(leader, stale, meeting)  # a webhook event and the leader's chat channels
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
    objectives, key_results = _cycle_states(cycle, today, previous_scores) if cycle else ([], [])
    conflicts = _conflict_states(meeting, today)
    pilots = [agenda_rules.PilotState(p.id, p.title, ", ".join(u.name for u in p.units), p.starts_on, p.ends_on,
                                      p.status)
              for p in db.session.scalars(select(Pilot).where(Pilot.status.in_(("running", "extended")))
                                          .options(selectinload(Pilot.units)))]
    proposals = [agenda_rules.ProposalState(p.id, p.unit.name, decisions.describe_proposal(p), p.text,
                                            p.proposed_by.name if p.proposed_by else "")
                 for p in db.session.scalars(select(IncentiveProposal).where(IncentiveProposal.status == "open")
                                             .options(joinedload(IncentiveProposal.unit),
                                                      joinedload(IncentiveProposal.incentive),
                                                      joinedload(IncentiveProposal.proposed_by)))]
    actions = [agenda_rules.ActionState(d.id, d.text, d.owner.name if d.owner else "", d.due_on)
               for d in open_actions()]
    meeting_day = recurrence.local(meeting.starts_at, meeting.timezone).date()
    result = agenda_rules.build_agenda(objectives, key_results, conflicts, actions, since, now, today, pilots,
                                       proposals, meeting_day).as_dict()
    if persist:
        meeting.agenda, meeting.agenda_at = json.dumps(result), now
        db.session.flush()
    return result


def _conflict_states(meeting: ReviewMeeting, today, clause=None) -> list:
    query = select(ConflictItem).where(needs_attention(today))
    if clause is not None:
        query = query.where(clause)
    return [agenda_rules.ConflictState(i.id, i.title, i.summary, i.level, i.severity, i.status, i.first_seen_at,
                                       _sent_to(i, meeting), _flag(i), json.loads(i.facts) if i.facts else None)
            for i in db.session.scalars(query)]


def scoped_conflicts(agenda: dict, meeting: ReviewMeeting, unit_ids: list[int] | None) -> dict:
    """The agenda's conflict sections for someone who sees only some items: chosen among those,
    so a unit leader's own items are not hidden behind "N more" they cannot open."""
    if unit_ids is None:
        return agenda
    since = datetime.fromisoformat(agenda["since"]) if agenda.get("since") else None
    states = _conflict_states(meeting, local_today(), visible_items_clause(unit_ids))
    sent, shown, more = agenda_rules.conflict_sections(states, since, local_today())
    return {**agenda, "sent_to_review": sent, "conflicts": shown, "more_conflicts": more}


def needs_attention(today):
    """Open items; accepted trade-offs whose re-review date has come; decided ones still detected once
    the decision is in effect (a change scheduled for a later day is expected to leave it detected until
    then). Of the items coming with a plan for a later period, those sent to a review."""
    scheduled = select(ReviewDecision.id).where(ReviewDecision.effective_on > today)
    return and_(or_(current_items(), ConflictItem.status == "in_review"), or_(
               ConflictItem.status.in_(OPEN_STATUSES),
               and_(ConflictItem.status == "accepted", ConflictItem.re_review_on <= today),
               and_(ConflictItem.status == "resolved", ConflictItem.present.is_(True),
                    ConflictItem.settled_by_id.is_not(None), ConflictItem.settled_by_id.not_in(scheduled))))


def _flag(item: ConflictItem) -> str:
    if item.status == "accepted":
        return "trade_off_due"
    if item.status == "resolved":
        return "still_detected"
    return ""


def _sent_to(item: ConflictItem, meeting: ReviewMeeting) -> bool:
    return item.status == "in_review" and item.review_meeting_id == meeting.id


def carry_over(meeting: ReviewMeeting, by=None) -> int:
    """Conflicts sent to a review that closed or was cancelled without deciding them go to the next one."""
    from okrapp.conflicts.models import ConflictItemEvent
    following = db.session.scalar(select(ReviewMeeting).where(
        ReviewMeeting.status == "scheduled", ReviewMeeting.id != meeting.id,
        ReviewMeeting.starts_at > meeting.starts_at).order_by(ReviewMeeting.starts_at).limit(1))
    undecided = db.session.scalars(select(ConflictItem).where(ConflictItem.review_meeting_id == meeting.id,
                                                              ConflictItem.status == "in_review")).all()
    for item in undecided:
        item.review_meeting = following
        item.events.append(ConflictItemEvent(at=utcnow(), actor=by, action="carried_over",
                                             note=_("Not decided in its review; sent to the next one.") if following
                                             else _("Not decided in its review; no later review is planned yet.")))
    return len(undecided)


def _cycle_states(cycle, today, previous_scores: dict) -> tuple[list, list]:
    """Objectives and key results as the agenda rules read them, from the figures kept on the rows
    (okrs.aggregates): two column queries, whatever the size of the company."""
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    objectives = []
    for row in db.session.execute(select(Objective.id, Objective.title, Objective.rank, Objective.score,
                                         Objective.goal, Objective.confidence)
                                  .where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None))
                                  .order_by(Objective.rank, Objective.id)):
        score = score_from_stored(row.score, row.goal, row.confidence, elapsed)
        objectives.append(agenda_rules.ObjectiveState(row.id, row.title, row.rank, score and score.progress,
                                                      score and score.status, previous_scores.get(row.id)))
    prior = (select(CheckIn.confidence).where(CheckIn.key_result_id == KeyResult.id, CheckIn.superseded_at.is_(None))
             .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1).offset(1)
             .correlate(KeyResult).scalar_subquery())  # the check-in before the latest: one index probe each
    key_results = []
    for row in db.session.execute(
            select(KeyResult.id, KeyResult.title, KeyResult.baseline, KeyResult.target, KeyResult.current_value,
                   KeyResult.weight, KeyResult.commitment, KeyResult.current_confidence, KeyResult.last_check_in_at,
                   Objective.title.label("objective"), Unit.name.label("unit"), prior.label("prior"))
            .join(Objective, KeyResult.objective_id == Objective.id)
            .join(Unit, KeyResult.accountable_unit_id == Unit.id)
            .where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None), KeyResult.retired_at.is_(None))
            .order_by(Objective.rank, Objective.id, KeyResult.id)):
        score = score_key_result(KeyResultFigures(row.baseline, row.target, row.current_value, row.weight,
                                                  row.commitment, row.current_confidence), elapsed)
        key_results.append(agenda_rules.KeyResultState(
            row.id, row.title, row.objective, row.unit, score.status, score.progress, row.last_check_in_at,
            row.current_confidence, row.prior))
    return objectives, key_results


def open_actions() -> list[ReviewDecision]:
    return db.session.scalars(select(ReviewDecision).where(ReviewDecision.kind == "action",
                                                           ReviewDecision.done_at.is_(None))
                              .options(joinedload(ReviewDecision.owner)).order_by(ReviewDecision.due_on)).all()


# -- during the meeting ------------------------------------------------------------------------

def rerank(meeting: ReviewMeeting, objective: Objective, new_rank: int, by) -> None:
    _ensure_open(meeting)
    cycle = current_cycle(local_today())
    if cycle is None or objective.cycle_id != cycle.id:
        raise ServiceError(_("A review re-ranks the current cycle's priorities only."), field="objective")
    decisions.hold_open(meeting)
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    for change in move_objective(objective, new_rank, by, reason=_("Priority review %(day)s", day=fmt.day(local))):
        change.meeting_id = meeting.id
    db.session.flush()


def add_decision(meeting: ReviewMeeting, *, kind, text, by, **fields) -> ReviewDecision:
    """Record and apply a decision (reviews.decisions holds what each kind does); webhooks hear of it (and of
    a plan it approved), sent by the scheduler once this commits."""
    decision = decisions.record(meeting, kind, text, by, **fields)
    events.decision_recorded(decision)
    for item in decision.settles:
        if item.status in ("resolved", "accepted"):  # settled now (others once the scan confirms the change)
            events.conflict("settled", item, decision.text)
    plan = fields.get("plan")
    if kind == "plan" and plan is not None and plan.status == "approved":
        events.plan_approved(plan)
    return decision


def complete_action(decision: ReviewDecision, by) -> None:
    if decision.kind != "action" or decision.done_at is not None:
        raise ServiceError(_("Only an open action can be completed."))
    decision.done_at = utcnow()
    db.session.flush()


def close_meeting(meeting: ReviewMeeting, by, early_reason: str = "") -> int:
    """Close the review, keep the scores it saw, and send the minutes to every participant.
    Before the meeting's start this needs an explicit reason: minutes go out at once."""
    _ensure_open(meeting)
    early_reason = (early_reason or "").strip()
    if utcnow() < meeting.starts_at and not early_reason:
        raise ServiceError(_("This review has not started yet. To close it early, say why."), field="early_reason")
    closed_at = utcnow()
    decisions.hold_open(meeting, status="closed", closed_at=closed_at, closed_by_id=by.id)
    agenda = generate_agenda(meeting)
    meeting.closed_early_reason = early_reason if closed_at < meeting.starts_at else ""
    meeting.status, meeting.closed_at, meeting.closed_by = "closed", closed_at, by
    carry_over(meeting, by)
    cycle = current_cycle(local_today())
    meeting.scores = json.dumps(objective_scores(cycle) if cycle else {})
    db.session.flush()
    local = recurrence.local(meeting.starts_at, meeting.timezone)
    count = 0
    settled = [i.id for d in meeting.decisions for i in d.settles]
    for user in participants_of(meeting):
        visible = visible_item_ids(policy.conflict_unit_scope(user), settled)
        with words.using(mail.reader_locale(user)):
            text, html = mail.render("minutes", meeting=meeting, agenda=agenda, user=user, local=local,
                                     visible=visible, decisions=meeting.decisions, url=meeting_url(meeting))
            subject = _("Minutes: %(name)s, %(day)s", day=fmt.day(local),
                        name=meeting.schedule.display_name if meeting.schedule else _(DEFAULT_NAME))
        if mail.queue(f"minutes:{meeting.uid}:{user.id}", user.email, subject, text, html, category="minutes"):
            count += 1
    events.review_closed(meeting)  # the decisions and actions in the leadership team's chat channels
    return count


def objective_scores(cycle) -> dict[int, float | None]:
    """Every objective's score now, kept with a closed review: the next agenda's trends compare with
    it, also for an objective that was not among the priorities listed then."""
    return dict(db.session.execute(select(Objective.id, Objective.score).where(Objective.cycle_id == cycle.id)).all())


def _ensure_open(meeting: ReviewMeeting) -> None:
    if meeting.status != "scheduled":
        raise ServiceError(not_open(meeting.status))


# -- what the review pages do, each one unit of work (the functions above join their caller's) --

@operation
def save_schedule_and_plan(schedule: ReviewSchedule | None, **fields) -> ReviewSchedule:
    """Save a schedule and plan its meetings in the same commit: invitations go out with the change or not at all."""
    saved = save_schedule(schedule, **fields)
    plan_meetings()
    return saved


@operation
def rank_in_review(meeting: ReviewMeeting, objective_id: int, new_rank: int, by) -> None:
    """Re-rank from the review page; an objective that does not exist is a bad request, not a rule broken."""
    objective = db.session.get(Objective, objective_id)
    if objective is None:
        raise BadRequest()
    rerank(meeting, objective, new_rank, by)


@operation
def record_decision(meeting: ReviewMeeting, *, kind, text, by, **fields) -> ReviewDecision:
    """A decision as the review page posts it: records named by id are loaded here, then recorded and applied."""
    return add_decision(meeting, kind=kind, text=text, by=by, **_records(fields))


def _records(fields: dict) -> dict:
    """fields with the decision form's ids replaced by their records (None, or [] for a list, when none)."""
    one = {"objective": Objective, "incentive": Incentive, "guard_metric": Metric, "key_result": KeyResult,
           "pilot": Pilot, "proposal": IncentiveProposal, "owner": User, "plan": BonusPlan}
    many = {"items": ConflictItem, "units": Unit, "key_results": KeyResult}
    loaded = {name: db.session.get(model, fields[name]) if fields.get(name) else None for name, model in one.items()}
    loaded |= {name: list(db.session.scalars(select(model).where(model.id.in_(fields[name]))))
               if fields.get(name) else [] for name, model in many.items()}
    return {**fields, **loaded}


@operation
def mark_action_done(decision_id: int, by) -> None:
    """Complete an action from the review page; an unknown one is a 404."""
    complete_action(db.get_or_404(ReviewDecision, decision_id), by)


@operation
def close_review(meeting: ReviewMeeting, by, early_reason: str = "") -> int:
    """Close from the review page: the minutes are queued in the same commit."""
    return close_meeting(meeting, by, early_reason)


@operation
def move_review(meeting: ReviewMeeting, starts_local: datetime, by) -> None:
    """Move from the list of reviews: the updated invitations are queued in the same commit."""
    move_meeting(meeting, starts_local, by)


@operation
def cancel_review(meeting: ReviewMeeting, by) -> None:
    """Cancel from the list of reviews: the cancellations are queued in the same commit."""
    cancel_meeting(meeting, by)
