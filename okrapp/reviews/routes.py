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
from ..formatting import counted
from ..forms import show_service_error
from ..views import committed, form_status, stale_form
from ..models import (ConflictItem, Incentive, IncentiveProposal, KeyResult, Metric, Objective, Pilot, RankChange,
                      ReviewDecision, ReviewMeeting, ReviewSchedule, Unit, User)
from ..services.decisions import describe_proposal
from ..timeutil import utcnow
from ..domain.conflict_items import LEVELS
from ..services.conflicts import visible_item_ids
from ..services import ServiceError, StaleEdit
from ..services.versioning import parse_version
from ..services import reviews as service
from ..services.scoreboard import current_cycle
from ..timeutil import local_today
from ..validators import bounded_int
from . import bp
from .forms import CloseForm, DecisionForm, MoveForm, RankForm, ScheduleForm


def _meeting(meeting_id) -> ReviewMeeting:
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.id == meeting_id).options(
        joinedload(ReviewMeeting.schedule).selectinload(ReviewSchedule.participants),
        selectinload(ReviewMeeting.decisions).options(selectinload(ReviewDecision.settles),
                                                      joinedload(ReviewDecision.owner)))) or abort(404)


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
                                  anchor_on=form.anchor_on.data, by=current_user,
                                  expected_version=parse_version(form.version.data))
            service.plan_meetings()
        except StaleEdit as error:
            db.session.rollback()
            stale_form(form, error)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            return committed("Schedule saved; upcoming reviews planned and participants invited.", "reviews.meetings")
    return render_template("reviews/schedule_form.html", form=form, schedule=schedule), form_status(form)


KR_CHOICES = 100  # the highest priorities' key results; any other is picked from its own page


def _key_result_choices(cycle, wanted: int | None) -> list:
    """The cycle's key results, highest priorities first, at most KR_CHOICES; and the one asked for
    (from its own page, or posted back) when it is further down, so any key result of a large
    company can be decided on."""
    if cycle is None:
        return []
    in_cycle = select(KeyResult).join(Objective).where(Objective.cycle_id == cycle.id)
    listed = list(db.session.scalars(in_cycle.order_by(Objective.rank, KeyResult.id).limit(KR_CHOICES)))
    if wanted and wanted not in {k.id for k in listed}:
        listed += db.session.scalars(in_cycle.where(KeyResult.id == wanted)).all()
    return listed


def _review_forms(meeting, wanted_key_result: int | None = None):
    """The decision form with its choices, each list loaded in one query."""
    decision = DecisionForm()
    today = local_today()
    cycle = current_cycle(today)
    posted_objective = bounded_int(request.form.get("objective"))  # no kind on the page asks for one
    objectives = db.session.scalars(select(Objective).where(Objective.cycle_id == cycle.id,
                                                            Objective.id == posted_objective)).all() \
        if cycle and posted_objective else []
    items = db.session.scalars(select(ConflictItem).where(service.needs_attention(today))
                               .order_by(ConflictItem.severity.desc())).all()
    incentives = db.session.scalars(select(Incentive).options(joinedload(Incentive.unit), joinedload(Incentive.metric))
                                    .order_by(Incentive.active.desc(), Incentive.name)).all()
    key_results = _key_result_choices(cycle, wanted_key_result)
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    metrics = db.session.scalars(select(Metric).order_by(Metric.name)).all()
    pilots = db.session.scalars(select(Pilot).where(Pilot.status.in_(("running", "extended")))
                                .order_by(Pilot.ends_on)).all()
    proposals = db.session.scalars(select(IncentiveProposal).where(IncentiveProposal.status == "open")
                                   .options(joinedload(IncentiveProposal.unit), joinedload(IncentiveProposal.incentive),
                                            joinedload(IncentiveProposal.guard_metric))).all()
    decision.objective.choices = [(0, "—")] + [(o.id, f"{o.rank}. {o.title}") for o in objectives]
    decision.items.choices = [(i.id, f"{i.title} ({i.level})") for i in items]
    decision.incentive.choices = [(0, "—")] + [
        (i.id, f"{i.unit.name}: {i.name}{'' if i.active else ' (retired)'}") for i in incentives]
    criteria = {}
    for i in incentives:
        if i.active:
            criteria.setdefault((i.criterion, i.metric.name, i.direction), set()).add(i.unit_id)
    decision.criterion.choices = [("", "—")] + [
        (key, f"{name} {'↑' if direction == 'increase' else '↓'} — in {counted(len(u), 'unit', 'units')}")
        for (key, name, direction), u in sorted(criteria.items(), key=lambda c: c[0][1])]
    decision.key_result.choices = [(0, "—")] + [(k.id, k.title) for k in key_results]
    decision.key_results.choices = [(k.id, k.title) for k in key_results]
    decision.guard_metric.choices = [(0, "—")] + [(m.id, m.name) for m in metrics]
    decision.units.choices = [(u.id, u.name) for u in units]
    decision.pilot.choices = [(0, "—")] + [(p.id, p.title) for p in pilots]
    decision.proposal.choices = [(0, "—")] + [(p.id, f"{p.unit.name}: {describe_proposal(p)}") for p in proposals]
    decision.owner.choices = [(0, "—")] + [(u.id, u.name) for u in people]
    return decision


def _decision_fields(form) -> dict:
    """The form's ids as the objects the decisions service works on."""
    def get(model, value):
        return db.session.get(model, value) if value else None

    def many(model, ids):
        return list(db.session.scalars(select(model).where(model.id.in_(ids or [])))) if ids else []
    return dict(
        objective=get(Objective, form.objective.data), items=many(ConflictItem, form.items.data),
        incentive=get(Incentive, form.incentive.data), criterion=form.criterion.data or "",
        change=form.change.data or "", new_weight=form.new_weight.data, new_target=form.new_target.data,
        guard_metric=get(Metric, form.guard_metric.data), guard_comparator=form.guard_comparator.data or "",
        guard_threshold=form.guard_threshold.data, effective_on=form.effective_on.data,
        key_result=get(KeyResult, form.key_result.data), title=form.title.data or "",
        hypothesis=form.hypothesis.data or "", success_criterion=form.success_criterion.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, units=many(Unit, form.units.data),
        key_results=many(KeyResult, form.key_results.data), pilot=get(Pilot, form.pilot.data),
        outcome=form.outcome.data or "", proposal=get(IncentiveProposal, form.proposal.data),
        accept=None if not form.accept.data else form.accept.data == "accept",
        re_review_on=form.re_review_on.data, owner=get(User, form.owner.data), due_on=form.due_on.data)


@bp.route("/reviews/<int:meeting_id>", methods=["GET"])
@policy.require(policy.can_view)
def meeting(meeting_id, decision_form=None, status=200, close_form=None):
    item = _meeting(meeting_id)
    agenda = service.generate_agenda(item, persist=False) if item.status == "scheduled" else json.loads(item.agenda or "{}")
    scope = policy.conflict_unit_scope(current_user)
    if item.status == "scheduled":
        agenda = service.scoped_conflicts(agenda, item, scope)
    running = item.status == "scheduled" and policy.can_run_reviews(current_user)
    if decision_form is None and running:
        wanted = bounded_int(request.args.get("key_result"))  # "Change this target in a review" on its page
        decision_form = _review_forms(item, wanted)
        if wanted and wanted in dict(decision_form.key_result.choices):
            decision_form.kind.data, decision_form.key_result.data = "change_target", wanted
            decision_form.open_kind = "change_target"
    decision_form = decision_form or DecisionForm()
    shown = [c["id"] for key in ("sent_to_review", "conflicts") for c in agenda.get(key, [])]
    shown += [i.id for d in item.decisions for i in d.settles]
    return render_template("reviews/meeting.html", meeting=item, agenda=agenda, local=local, levels=LEVELS,
                           close_form=close_form or CloseForm(), now=utcnow(), today=local_today(),
                           visible_conflicts=visible_item_ids(scope, shown),
                           decision_form=decision_form, move_form=MoveForm(), rank_form=RankForm(),
                           open_actions=service.open_actions()), status


@bp.post("/reviews/<int:meeting_id>/rank")
@policy.require(policy.can_run_reviews)
def rank(meeting_id):
    item = _meeting(meeting_id)
    form = RankForm()
    objective_id = bounded_int(form.objective.data) if form.validate_on_submit() else None
    objective = db.session.get(Objective, objective_id) if objective_id else None
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
    form = _review_forms(item, bounded_int(request.form.get("key_result")))
    if form.validate_on_submit():
        try:
            service.add_decision(item, kind=form.kind.data, text=form.text.data, by=current_user,
                                 **_decision_fields(form))
        except StaleEdit as error:  # rolled back by the service
            stale_form(form, error)
            return meeting(meeting_id, decision_form=form, status=409)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            return committed("Decision recorded and applied.", "reviews.meeting", meeting_id=item.id,
                             _anchor="decisions")
    for name in UNSHOWN_FIELDS:  # the page has no place beside these to say what is wrong
        for error in form[name].errors:
            flash(f"{form[name].label.text}: {error}", "error")
    return meeting(meeting_id, decision_form=form, status=422)


UNSHOWN_FIELDS = ("kind", "objective")


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
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        count = service.close_meeting(item, current_user, form.early_reason.data or "")
    except StaleEdit as error:  # closed or cancelled meanwhile: rolled back by the service
        flash(error.message, "error")
        return meeting(meeting_id, status=409, close_form=form)
    except ServiceError as error:
        db.session.rollback()
        form.early_reason.errors = [error.message]
        return meeting(meeting_id, status=422, close_form=form)
    return committed(f"Review closed; minutes sent to {counted(count, 'participant', 'participants')}.", "reviews.meeting", meeting_id=item.id)


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
