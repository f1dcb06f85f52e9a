"""Review meetings, schedules, the review page and the priority timeline."""
import json
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..domain.recurrence import local
from ..extensions import db
from ..forms import show_service_error
from ..views import committed
from ..models import (ConflictFinding, Objective, RankChange, ReviewDecision, ReviewMeeting, ReviewSchedule, User)
from ..models.incentive import OPEN_STATUSES
from ..services import ServiceError
from ..services import reviews as service
from ..services.scoreboard import current_cycle
from ..timeutil import local_today
from . import bp
from .forms import DecisionForm, MoveForm, RankForm, ScheduleForm


def _meeting(meeting_id) -> ReviewMeeting:
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.id == meeting_id).options(
        joinedload(ReviewMeeting.schedule).selectinload(ReviewSchedule.participants),
        selectinload(ReviewMeeting.decisions))) or abort(404)


@bp.get("/reviews")
@policy.require(policy.can_view)
def meetings():
    past = db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.status == "closed")
                              .options(joinedload(ReviewMeeting.schedule))
                              .order_by(ReviewMeeting.starts_at.desc()).limit(10)).all()
    schedules = db.session.scalars(select(ReviewSchedule).options(selectinload(ReviewSchedule.participants),
                                                                  joinedload(ReviewSchedule.chair))).all()
    return render_template("reviews/meetings.html", upcoming=service.upcoming(12), past=past, schedules=schedules,
                           local=local, move_form=MoveForm())


@bp.route("/reviews/schedules/new", methods=["GET", "POST"])
@bp.route("/reviews/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_schedules)
def edit_schedule(schedule_id=None):
    schedule = db.session.get(ReviewSchedule, schedule_id) if schedule_id else None
    if schedule_id and schedule is None:
        abort(404)
    form = ScheduleForm(obj=schedule)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))}
    form.chair.choices = [(u.id, u.name) for u in people.values() if u.role == "executive"] or \
        [(u.id, u.name) for u in people.values()]
    form.participants.choices = [(u.id, f"{u.name} ({u.role_label})") for u in people.values()]
    if request.method == "GET":
        if schedule:
            form.chair.data = schedule.chair_id
            form.participants.data = [u.id for u in schedule.participants]
        else:
            form.anchor_on.data = local_today()
    if form.validate_on_submit():
        try:
            service.save_schedule(schedule, name=form.name.data, cadence=form.cadence.data, weekday=form.weekday.data,
                                  time_of_day=form.time_of_day.data.strip(), timezone=form.timezone.data.strip(),
                                  cron=form.cron.data or "", duration_minutes=form.duration_minutes.data,
                                  reminder_days=form.reminder_days.data, chair=people.get(form.chair.data),
                                  participants=[people[i] for i in form.participants.data],
                                  anchor_on=form.anchor_on.data)
            service.plan_meetings()
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            return committed("Schedule saved; upcoming reviews planned and participants invited.", "reviews.meetings")
    return render_template("reviews/schedule_form.html", form=form, schedule=schedule), 422 if form.errors else 200


def _review_forms(meeting):
    decision = DecisionForm()
    cycle = current_cycle(local_today())
    objectives = db.session.scalars(select(Objective).where(Objective.cycle_id == cycle.id).order_by(Objective.rank)
                                    ).all() if cycle else []
    findings = db.session.scalars(select(ConflictFinding).where(ConflictFinding.status.in_(OPEN_STATUSES))
                                  .order_by(ConflictFinding.severity.desc())).all()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    decision.objective.choices = [(0, "—")] + [(o.id, f"{o.rank}. {o.title}") for o in objectives]
    decision.finding.choices = [(0, "—")] + [(f.id, f"{f.label_a} ↔ {f.label_b}") for f in findings]
    decision.owner.choices = [(0, "—")] + [(u.id, u.name) for u in people]
    return decision


@bp.route("/reviews/<int:meeting_id>", methods=["GET"])
@policy.require(policy.can_view)
def meeting(meeting_id, decision_form=None, status=200):
    item = _meeting(meeting_id)
    agenda = service.generate_agenda(item, persist=False) if item.status == "scheduled" else json.loads(item.agenda or "{}")
    decision_form = decision_form or _review_forms(item)
    return render_template("reviews/meeting.html", meeting=item, agenda=agenda, local=local,
                           decision_form=decision_form, move_form=MoveForm(), rank_form=RankForm(),
                           open_actions=service.open_actions()), status


@bp.post("/reviews/<int:meeting_id>/rank")
@policy.require(policy.can_run_reviews)
def rank(meeting_id):
    item = _meeting(meeting_id)
    form = RankForm()
    objective = db.session.get(Objective, int(form.objective.data or 0)) if form.validate_on_submit() else None
    if objective is None:
        abort(400)
    try:
        service.rerank(item, objective, form.rank.data, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meeting", meeting_id=item.id))
    db.session.commit()
    return redirect(url_for("reviews.meeting", meeting_id=item.id) + "#priorities")


@bp.post("/reviews/<int:meeting_id>/decisions")
@policy.require(policy.can_run_reviews)
def decide(meeting_id):
    item = _meeting(meeting_id)
    form = _review_forms(item)
    if form.validate_on_submit():
        try:
            service.add_decision(item, kind=form.kind.data, text=form.text.data, by=current_user,
                                 objective=db.session.get(Objective, form.objective.data or 0),
                                 finding=db.session.get(ConflictFinding, form.finding.data or 0),
                                 owner=db.session.get(User, form.owner.data or 0), due_on=form.due_on.data)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            return committed("Decision recorded.", "reviews.meeting", meeting_id=item.id)
    return meeting(meeting_id, decision_form=form, status=422)


@bp.post("/reviews/<int:meeting_id>/actions/<int:decision_id>/done")
@policy.require(policy.can_run_reviews)
def action_done(meeting_id, decision_id):
    decision = db.session.get(ReviewDecision, decision_id) or abort(404)
    try:
        service.complete_action(decision, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meeting", meeting_id=meeting_id))
    return committed("Action marked done.", "reviews.meeting", meeting_id=meeting_id)


@bp.post("/reviews/<int:meeting_id>/close")
@policy.require(policy.can_run_reviews)
def close(meeting_id):
    item = _meeting(meeting_id)
    try:
        count = service.close_meeting(item, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meeting", meeting_id=item.id))
    return committed(f"Review closed; minutes sent to {count} participant(s).", "reviews.meeting", meeting_id=item.id)


@bp.post("/reviews/<int:meeting_id>/move")
@policy.require(policy.can_run_reviews)
def move(meeting_id):
    item = _meeting(meeting_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Enter the new date and time.", "error")
        return redirect(url_for("reviews.meetings"))
    try:
        service.move_meeting(item, datetime.combine(form.day.data, form.at.data), current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("reviews.meetings"))
    return committed("Review moved; participants get an updated invitation.", "reviews.meetings")


@bp.post("/reviews/<int:meeting_id>/cancel")
@policy.require(policy.can_run_reviews)
def cancel(meeting_id):
    item = _meeting(meeting_id)
    try:
        service.cancel_meeting(item, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meetings"))
    return committed("Review cancelled; participants get a cancellation.", "reviews.meetings")


@bp.get("/reviews/timeline")
@policy.require(policy.can_view)
def timeline():
    cycle = current_cycle(local_today())
    objectives = db.session.scalars(select(Objective).where(Objective.cycle_id == (cycle.id if cycle else None))
                                    .order_by(Objective.rank)).all()
    changes = db.session.scalars(select(RankChange).where(RankChange.objective_id.in_([o.id for o in objectives]))
                                 .options(joinedload(RankChange.changed_by), joinedload(RankChange.meeting))
                                 .order_by(RankChange.changed_at, RankChange.id)).all()
    return render_template("reviews/timeline.html", cycle=cycle, objectives=objectives,
                           rows=timeline_rows(objectives, changes), changes=changes)


def timeline_rows(objectives, changes):
    """Per objective, its rank after each moment something changed: columns are those moments."""
    moments = sorted({c.changed_at for c in changes})
    rank_at = {o.id: None for o in objectives}
    by_moment = {}
    for change in changes:
        by_moment.setdefault(change.changed_at, []).append(change)
    columns = []
    for moment in moments:
        for change in by_moment[moment]:
            rank_at[change.objective_id] = change.new_rank
        columns.append((moment, dict(rank_at)))
    return columns
