"""Review meetings, schedules, the review page and the priority timeline."""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.caching.pages import cached_page
from okrapp.domain.recurrence import local
from okrapp.core.formatting import percent
from okrapp.core.web.forms import show_service_error
from okrapp.core.web.views import committed, form_status, stale_form
from okrapp.reviews.decisions import describe_proposal
from okrapp.core.timeutil import utcnow
from okrapp.conflicts.rules.items import LEVELS
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.versioning import parse_version
from okrapp.reviews import operations as service, pages
from okrapp.core.timeutil import local_today
from okrapp.core.web.validators import bounded_int
from okrapp.core.words import _, ngettext
from okrapp.reviews.forms import CloseForm, DecisionForm, MoveForm, RankForm, ScheduleForm
from okrapp.reviews.models import LEVEL_WORDS

bp = Blueprint("reviews", __name__)


@bp.get("/reviews")
@policy.require(policy.can_view)
def meetings():
    return render_template("reviews/meetings.html", **pages.meetings_page(), local=local, move_form=MoveForm())


@bp.route("/reviews/schedules/new", methods=["GET", "POST"])
@bp.route("/reviews/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@policy.require(policy.can_manage_schedules)
def edit_schedule(schedule_id=None):
    schedule = pages.schedule_or_404(schedule_id)
    form = ScheduleForm(obj=schedule)
    people = pages.active_people()
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
            service.save_schedule_and_plan(
                schedule, name=form.name.data, cadence=form.cadence.data, weekday=form.weekday.data,
                time_of_day=form.time_of_day.data.strip(), timezone=form.timezone.data.strip(),
                cron=form.cron.data or "", duration_minutes=form.duration_minutes.data,
                reminder_days=form.reminder_days.data, chair=people.get(form.chair.data),
                participants=[people[i] for i in form.participants.data], anchor_on=form.anchor_on.data,
                by=current_user, expected_version=parse_version(form.version.data))
        except StaleEdit as error:
            stale_form(form, error)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return committed(_("Schedule saved; upcoming reviews planned and participants invited."),
                             "reviews.meetings")
    return render_template("reviews/schedule_form.html", form=form, schedule=schedule), form_status(form)


KR_CHOICES = 100  # the highest priorities' key results; any other is picked from its own page


def _review_forms(meeting, wanted_key_result: int | None = None):
    """The decision form with its choices, each list loaded in one query."""
    decision = DecisionForm()
    options = pages.decision_options(bounded_int(request.form.get("objective")), wanted_key_result, KR_CHOICES)
    objectives, items, incentives = options["objectives"], options["items"], options["incentives"]
    key_results, people, units = options["key_results"], options["people"], options["units"]
    metrics, pilots, proposals = options["metrics"], options["pilots"], options["proposals"]
    decision.objective.choices = [(0, "—")] + [(o.id, f"{o.rank}. {o.title}") for o in objectives]
    decision.items.choices = [(i.id, f"{i.title} ({LEVEL_WORDS.get(i.level, i.level)})") for i in items]
    decision.incentive.choices = [(0, "—")] + [
        (i.id, f"{i.unit.name}: {i.name}" if i.active else _("%(unit)s: %(name)s (retired)", unit=i.unit.name,
                                                                name=i.name)) for i in incentives]
    criteria = {}
    for i in incentives:
        if i.active:
            criteria.setdefault((i.criterion, i.metric.name, i.direction), set()).add(i.unit_id)
    decision.criterion.choices = [("", "—")] + [
        (key, ngettext("%(metric)s %(arrow)s — in %(num)s unit", "%(metric)s %(arrow)s — in %(num)s units", len(u),
                       metric=name, arrow="↑" if direction == "increase" else "↓"))
        for (key, name, direction), u in sorted(criteria.items(), key=lambda c: c[0][1])]
    decision.key_result.choices = [(0, "—")] + [(k.id, k.title) for k in key_results]
    decision.key_results.choices = [(k.id, k.title) for k in key_results]
    decision.guard_metric.choices = [(0, "—")] + [(m.id, m.name) for m in metrics]
    decision.units.choices = [(u.id, u.name) for u in units]
    decision.pilot.choices = [(0, "—")] + [(p.id, p.title) for p in pilots]
    decision.proposal.choices = [(0, "—")] + [(p.id, f"{p.unit.name}: {describe_proposal(p)}") for p in proposals]
    decision.owner.choices = [(0, "—")] + [(u.id, u.name) for u in people]
    decision.plan.choices = [(0, "—")] + [(p.id, f"{p.unit.name}, {p.period.name}") for p in options["plans"]]
    decision.remove_rows.choices = [(row.id, f"{p.unit.name}, {p.period.name}: {row.name} ({row.metric.name}, "
                                             f"{percent(row.weight)})")
                                    for p in options["plans"] for row in p.rows if row.active]
    return decision


def _decision_input(form) -> dict:
    """What the decision form says, records named by their ids (the operation loads them)."""
    return dict(
        objective=form.objective.data, items=form.items.data, incentive=form.incentive.data,
        criterion=form.criterion.data or "", change=form.change.data or "", new_weight=form.new_weight.data,
        new_target=form.new_target.data, guard_metric=form.guard_metric.data,
        guard_comparator=form.guard_comparator.data or "", guard_threshold=form.guard_threshold.data,
        effective_on=form.effective_on.data, key_result=form.key_result.data, title=form.title.data or "",
        hypothesis=form.hypothesis.data or "", success_criterion=form.success_criterion.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, units=form.units.data,
        key_results=form.key_results.data, pilot=form.pilot.data, outcome=form.outcome.data or "",
        proposal=form.proposal.data, accept=None if not form.accept.data else form.accept.data == "accept",
        re_review_on=form.re_review_on.data, owner=form.owner.data, due_on=form.due_on.data,
        plan=form.plan.data, verdict=form.verdict.data or "", remove_rows=form.remove_rows.data or [])


@bp.route("/reviews/<int:meeting_id>", methods=["GET"])
@policy.require(policy.can_view)
@cached_page("reviews", "okrs", "conflicts", "incentives", per_minute=True)
def meeting(meeting_id, decision_form=None, status=200, close_form=None):
    item = pages.meeting_or_404(meeting_id)
    page = pages.meeting_page(item, policy.conflict_unit_scope(current_user))
    running = item.status == "scheduled" and policy.can_run_reviews(current_user)
    if decision_form is None and running:
        wanted = bounded_int(request.args.get("key_result"))  # "Change this target in a review" on its page
        decision_form = _review_forms(item, wanted)
        if wanted and wanted in dict(decision_form.key_result.choices):
            decision_form.kind.data, decision_form.key_result.data = "change_target", wanted
            decision_form.open_kind = "change_target"
    return render_template("reviews/meeting.html", meeting=item, **page, local=local, levels=LEVELS,
                           close_form=close_form or CloseForm(), now=utcnow(), today=local_today(),
                           decision_form=decision_form or DecisionForm(), move_form=MoveForm(),
                           rank_form=RankForm()), status


@bp.post("/reviews/<int:meeting_id>/rank")
@policy.require(policy.can_run_reviews)
def rank(meeting_id):
    item = pages.meeting_or_404(meeting_id)
    form = RankForm()
    objective_id = bounded_int(form.objective.data) if form.validate_on_submit() else None
    if not objective_id:
        abort(400)
    try:
        service.rank_in_review(item, objective_id, form.rank.data, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meeting", meeting_id=meeting_id))
    return redirect(url_for("reviews.meeting", meeting_id=meeting_id) + "#priorities")


@bp.post("/reviews/<int:meeting_id>/decisions")
@policy.require(policy.can_run_reviews)
def decide(meeting_id):
    item = pages.meeting_or_404(meeting_id)
    form = _review_forms(item, bounded_int(request.form.get("key_result")))
    if form.validate_on_submit():
        try:
            service.record_decision(item, kind=form.kind.data, text=form.text.data, by=current_user,
                                    **_decision_input(form))
        except StaleEdit as error:
            stale_form(form, error)
            return meeting(meeting_id, decision_form=form, status=409)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return committed(_("Decision recorded and applied."), "reviews.meeting", meeting_id=meeting_id,
                             _anchor="decisions")
    for name in UNSHOWN_FIELDS:  # the page has no place beside these to say what is wrong
        for error in form[name].errors:
            flash(f"{form[name].label.text}: {error}", "error")
    return meeting(meeting_id, decision_form=form, status=422)


UNSHOWN_FIELDS = ("kind", "objective")


@bp.post("/reviews/<int:meeting_id>/actions/<int:decision_id>/done")
@policy.require(policy.can_run_reviews)
def action_done(meeting_id, decision_id):
    try:
        service.mark_action_done(decision_id, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meeting", meeting_id=meeting_id))
    return committed(_("Action marked done."), "reviews.meeting", meeting_id=meeting_id)


@bp.post("/reviews/<int:meeting_id>/close")
@policy.require(policy.can_run_reviews)
def close(meeting_id):
    item = pages.meeting_or_404(meeting_id)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        count = service.close_review(item, current_user, form.early_reason.data or "")
    except StaleEdit as error:  # closed or cancelled meanwhile
        flash(error.message, "error")
        return meeting(meeting_id, status=409, close_form=form)
    except ServiceError as error:
        form.early_reason.errors = [error.message]
        return meeting(meeting_id, status=422, close_form=form)
    return committed(ngettext("Review closed; minutes sent to %(num)s participant.",
                              "Review closed; minutes sent to %(num)s participants.", count),
                     "reviews.meeting", meeting_id=meeting_id)


@bp.post("/reviews/<int:meeting_id>/move")
@policy.require(policy.can_run_reviews)
def move(meeting_id):
    item = pages.meeting_or_404(meeting_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Enter the new date and time."), "error")
        return redirect(url_for("reviews.meetings"))
    try:
        service.move_review(item, datetime.combine(form.day.data, form.at.data), current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meetings"))
    return committed(_("Review moved; participants get an updated invitation."), "reviews.meetings")


@bp.post("/reviews/<int:meeting_id>/cancel")
@policy.require(policy.can_run_reviews)
def cancel(meeting_id):
    item = pages.meeting_or_404(meeting_id)
    try:
        service.cancel_review(item, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("reviews.meetings"))
    return committed(_("Review cancelled; participants get a cancellation."), "reviews.meetings")


@bp.get("/reviews/timeline")
@policy.require(policy.can_view)
def timeline():
    page = pages.timeline_page()
    return render_template("reviews/timeline.html", **page, rows=timeline_rows(page["objectives"], page["changes"]))


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
