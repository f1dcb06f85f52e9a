"""Decisions that change things. Each kind is applied in the transaction that records it, writes
down in plain sentences what it changed, and links the conflict items it settles. A decision is
never edited or deleted: only a later decision reverses it (reinstating an incentive, another
target, reopening a trade-off).

What changed is kept as facts (ReviewDecision.changes, IncentiveVersion.what): an English msgid marked
with N_ and its values (core.formatting.change), worded in each reader's language when shown
(core.formatting.change_text). Notices go out in each recipient's language."""
import json
import math
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from okrapp.core import formatting as fmt
from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.conflicts.models import ConflictItem, ConflictItemEvent
from okrapp.incentives.models import Incentive, IncentiveVersion
from okrapp.incentives.periods import is_coming
from okrapp.incentives.plans import STATUS_LABELS as plan_status_labels
from okrapp.okrs.metric_models import Metric
from okrapp.reviews.models import Pilot, ReviewDecision, ReviewMeeting
from okrapp.okrs.models import RankChange, TargetChange
from okrapp.accounts.models import User
from okrapp.reviews.models import DECISION_KINDS
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.words import N_, _, _l
from okrapp.okrs import aggregates
from okrapp.core.formatting import change as fact
from okrapp.core.formatting import change_text, day_value, marked, number_value, percent_value
from okrapp.core import versioning
from okrapp.conflicts.operations import TRADE_OFF_REVIEW_DAYS, request_refresh
from okrapp.reviews.notices import (COMPARATORS, _tell, changed_meanwhile, describe_proposal,  # noqa: F401
                                    not_open, notify_executives_of_proposal)

INCENTIVE_CHANGES = {"retire": _l("Retire it"), "weight": _l("Change its bonus share"),
                     "target": _l("Change its target"), "guardrail": _l("Pair it with a guardrail"),
                     "reinstate": _l("Reinstate it")}
PILOT_OUTCOMES = {"adopted": _l("Adopt"), "extended": _l("Extend"), "stopped": _l("Stop")}
PLAN_VERDICTS = {"approve": _l("Approve it"), "approve_changed": _l("Approve it without the rows ticked below"),
                 "reject": _l("Reject it")}
LATEST_EFFECT = timedelta(days=3 * 366)  # changes are planned at most three years ahead


STALE_DECISION = N_("Something this decision changes was updated meanwhile (a scan or another executive). "
                     "Nothing was recorded; look again and record the decision once more.")


def record(meeting: ReviewMeeting, kind: str, text: str, by: User, **fields) -> ReviewDecision:
    """Record a decision of the given kind in an open review and apply it."""
    if meeting.status != "scheduled":
        raise ServiceError(not_open(meeting.status))
    if kind not in DECISION_KINDS:
        raise ServiceError(_("Choose what kind of decision this is."), field="kind")
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write the decision down: what was decided and why."), field="text")
    hold_open(meeting)
    try:
        decision = ReviewDecision(meeting=meeting, kind=kind, text=text, created_by=by, created_at=utcnow(),
                                  changes="[]", objective=fields.get("objective"))
        db.session.add(decision)
        changes = APPLY[kind](decision, by, **fields)
        decision.changes = json.dumps(changes, ensure_ascii=False)
        db.session.flush()
    except StaleDataError:  # a conflict item or key result was rewritten since the request loaded it
        db.session.rollback()
        raise StaleEdit(_(STALE_DECISION)) from None
    return decision


def hold_open(meeting: ReviewMeeting, **values) -> None:
    """Compare-and-set on the meeting's status, before anything else is written: the row stays locked
    until the commit, so a decision, a close and a cancellation of one review happen one after another
    (also between processes), and the later one finds the review no longer open (409). values: what
    the winner sets, e.g. status="closed"; none just holds the row."""
    result = db.session.execute(update(ReviewMeeting).where(
        ReviewMeeting.id == meeting.id, ReviewMeeting.status == "scheduled").values(
        **(values or {"status": "scheduled"})).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        status = db.session.scalar(select(ReviewMeeting.status).where(ReviewMeeting.id == meeting.id))
        raise StaleEdit(changed_meanwhile(status))
    db.session.expire(meeting, ["decisions"])  # decisions committed before the hold belong to it


# -- incentives --------------------------------------------------------------------------------

def _incentive(decision, by, *, incentive=None, criterion="", change="", new_weight=None, new_target=None,
               guard_metric=None, guard_comparator="", guard_threshold=None, effective_on=None, items=(),
               **_ignored) -> list[str]:
    if change == "reinstate" and incentive is None:
        raise ServiceError(_("Reinstate one incentive at a time: choose it."), field="incentive")
    targets = _incentives_for(incentive, criterion)
    decision.incentive = incentive
    decision.criterion = criterion if incentive is None else ""
    effective_on = check_effective_date(effective_on)
    decision.effective_on = effective_on
    state, what = check_incentive_change(change, new_weight, new_target, guard_metric, guard_comparator, guard_threshold)
    if incentive is not None and change != "reinstate" and not incentive.active:
        raise ServiceError(_("“%(name)s” is retired; reinstate it first to change it.", name=incentive.name),
                           field="change")
    if incentive is not None and change == "reinstate" and incentive.active:
        raise ServiceError(_("“%(name)s” is active; only a retired incentive can be reinstated.", name=incentive.name),
                           field="change")
    changes = []
    for target in targets:
        line = what(target)
        _version(target, state(target), line, effective_on, by, decision)
        if effective_on <= local_today():
            changes.append(fact(N_("%(incentive)s (%(unit)s): %(change)s"), incentive=target.name,
                                unit=target.unit.name, change=line))
        else:
            changes.append(fact(N_("%(incentive)s (%(unit)s): %(change)s from %(day)s"), incentive=target.name,
                                unit=target.unit.name, change=line, day=day_value(effective_on)))
    changes += _settle(decision, list(items), by, "resolve")
    if change in ("retire", "guardrail"):
        # settled now only when the change reaches every unit that pays the bonus, today; otherwise the
        # decision is linked and the scan confirms it once the last unit stops paying
        complete = effective_on <= local_today() and _covers_criterion(targets)
        for item in _criterion_items(targets):
            if complete:
                _settle(decision, [item], by, "resolve")
            elif item not in decision.settles:
                decision.settles.append(item)
                item.settled_by = decision
    return changes


def _covers_criterion(targets: list[Incentive]) -> bool:
    first = targets[0]
    carriers = db.session.scalars(select(Incentive.id).where(
        Incentive.metric_id == first.metric_id, Incentive.direction == first.direction,
        Incentive.active.is_(True))).all()
    return set(carriers) <= {t.id for t in targets}


def _incentives_for(incentive: Incentive | None, criterion: str) -> list[Incentive]:
    if incentive is not None:
        return [incentive]
    metric_key, _, sign = (criterion or "").rpartition(":")
    if not metric_key or sign not in ("+", "-"):
        raise ServiceError(_("Choose the incentive, or the criterion across all units that carry it."),
                           field="incentive")
    found = db.session.scalars(select(Incentive).join(Incentive.metric).where(
        Metric.key == metric_key, Incentive.direction == ("increase" if sign == "+" else "decrease"),
        Incentive.active.is_(True)).options(joinedload(Incentive.unit)).order_by(Incentive.id)).all()
    if not found:
        raise ServiceError(_("No unit pays a bonus on that criterion now."), field="criterion")
    return found


def check_effective_date(effective_on: date | None) -> date:
    today = local_today()
    effective_on = effective_on or today
    if effective_on < today:
        raise ServiceError(_("A change takes effect today or later; a decision does not rewrite the past."),
                           field="effective_on")
    if effective_on > today + LATEST_EFFECT:
        raise ServiceError(_("Plan a change at most three years ahead."), field="effective_on")
    return effective_on


def check_incentive_change(change, new_weight, new_target, guard_metric, guard_comparator, guard_threshold):
    """(the state a change sets on an incentive, the sentence saying what changed)."""
    if change == "retire":
        return (lambda i: {"active": False}), (lambda i: fact(N_("retired")))
    if change == "reinstate":
        return (lambda i: {"active": True}), (lambda i: fact(N_("reinstated")))
    if change == "weight":
        if new_weight is None or not math.isfinite(new_weight) or not 0 < new_weight <= 1:
            raise ServiceError(_("The new bonus share is above 0 and at most 1 (e.g. 0.3 for 30 %)."),
                               field="new_weight")
        return ((lambda i: {"weight": new_weight}),
                (lambda i: fact(N_("bonus share %(old)s → %(new)s"), old=percent_value(i.weight),
                               new=percent_value(new_weight))))
    if change == "target":
        if new_target is None or not math.isfinite(new_target) or abs(new_target) > 1e12:
            raise ServiceError(_("Give the new target as a number."), field="new_target")
        return ((lambda i: {"target": new_target}),
                (lambda i: fact(N_("target %(old)s → %(new)s"), old=number_value(i.target),
                               new=number_value(new_target))))
    if change == "guardrail":
        if guard_metric is None:
            raise ServiceError(_("Choose the counter-metric the bonus depends on."), field="guard_metric")
        if guard_comparator not in COMPARATORS:
            raise ServiceError(_("Choose ≥ or ≤ for the guardrail."), field="guard_comparator")
        if guard_threshold is None or not math.isfinite(guard_threshold) or abs(guard_threshold) > 1e12:
            raise ServiceError(_("Give the guardrail's threshold as a number."), field="guard_threshold")
        condition = fact(N_("%(metric)s %(comparator)s %(threshold)s"), metric=guard_metric.name,
                         comparator=COMPARATORS[guard_comparator], threshold=number_value(guard_threshold))
        return ((lambda i: {"guard_metric_id": guard_metric.id, "guard_comparator": guard_comparator,
                            "guard_threshold": guard_threshold}),
                (lambda i: fact(N_("paid only while %(condition)s"), condition=condition)))
    raise ServiceError(_("Choose what changes: retire, bonus share, target, guardrail or reinstate."), field="change")


def _version(incentive: Incentive, state: dict, what: dict, effective_on: date, by, decision=None) -> IncentiveVersion:
    """what: the change as facts (core.formatting.change), kept as JSON and worded when shown."""
    version = IncentiveVersion(incentive=incentive, effective_on=effective_on,
                               what=json.dumps(what, ensure_ascii=False), state=json.dumps(state),
                               changed_at=utcnow(), changed_by=by, decision=decision)
    db.session.add(version)
    if effective_on <= local_today():
        _apply_version(version)
    return version


def _apply_version(version: IncentiveVersion) -> None:
    incentive, state = version.incentive, json.loads(version.state)
    versioning.claim(incentive, None, version.changed_by)  # an edit form opened before this is now stale
    for name, value in state.items():
        setattr(incentive, name, value)
    if state.get("active") is False:
        incentive.retired_at = utcnow()
    elif state.get("active") is True:
        incentive.retired_at = None
    version.applied_at = utcnow()
    request_refresh()


def note_incentive_edit(incentive: Incentive, what: str, by) -> None:
    """An edit on the Incentives page is a version too (no decision behind it)."""
    if what:
        db.session.add(IncentiveVersion(incentive=incentive, effective_on=local_today(), what=what,
                                        state="{}", changed_at=utcnow(), changed_by=by, applied_at=utcnow()))


def apply_due_versions(today: date | None = None) -> int:
    """The daily job: changes decided earlier whose date has come."""
    today = today or local_today()
    due = db.session.scalars(select(IncentiveVersion).where(IncentiveVersion.applied_at.is_(None),
                                                            IncentiveVersion.effective_on <= today)
                             .options(joinedload(IncentiveVersion.incentive))
                             .order_by(IncentiveVersion.effective_on, IncentiveVersion.id)).all()
    for version in due:
        _apply_version(version)
    db.session.flush()
    return len(due)


def _criterion_items(incentives: list[Incentive]) -> list[ConflictItem]:
    keys = {f"criterion:{i.metric.key}:{'+' if i.direction == 'increase' else '-'}" for i in incentives}
    return list(db.session.scalars(select(ConflictItem).where(ConflictItem.key.in_(keys))))


# -- conflicts ---------------------------------------------------------------------------------

def _settle(decision: ReviewDecision, items, by, action: str, re_review_on: date | None = None) -> list[str]:
    """Mark items settled by this decision (resolved, or accepted as a trade-off)."""
    now, settled_any = utcnow(), False
    for item in dict.fromkeys(items):  # keep order, drop repeats
        if item in decision.settles:
            continue
        settled_any = True
        decision.settles.append(item)
        item.settled_by = decision
        item.review_meeting = None
        if action == "accept":
            item.status, item.re_review_on = "accepted", re_review_on
        else:
            item.status, item.re_review_on = "resolved", None
        item.events.append(ConflictItemEvent(at=now, actor=by, action=action, note=decision.text))
        item.resolved_at, item.note = now, decision.text
    # the settled items themselves are listed with the decision, to whoever may see them; only a
    # trade-off adds a line, as its end date is written nowhere else
    if settled_any and action == "accept":
        return [fact(N_("Accepted as a trade-off until %(day)s"), day=day_value(re_review_on))]
    return []


def _resolve(decision, by, *, items=(), **_ignored) -> list[str]:
    if not items:
        raise ServiceError(_("Choose the conflict(s) this decision resolves."), field="items")
    return _settle(decision, items, by, "resolve")


def _trade_off(decision, by, *, items=(), re_review_on=None, **_ignored) -> list[str]:
    if not items:
        raise ServiceError(_("Choose the conflict(s) accepted as a trade-off."), field="items")
    today = local_today()
    re_review_on = re_review_on or today + timedelta(days=TRADE_OFF_REVIEW_DAYS)
    if not today < re_review_on <= today + LATEST_EFFECT:
        raise ServiceError(_("The re-review date is after today and within three years."), field="re_review_on")
    decision.re_review_on = re_review_on
    return _settle(decision, items, by, "accept", re_review_on)


# -- targets and priorities --------------------------------------------------------------------

def _target(decision, by, *, key_result=None, new_target=None, **_ignored) -> list[str]:
    if key_result is None:
        raise ServiceError(_("Choose the key result whose target changes."), field="key_result")
    if new_target is None or not math.isfinite(new_target) or abs(new_target) > 1e12:
        raise ServiceError(_("Give the new target as a number."), field="new_target")
    if new_target == key_result.baseline:
        raise ServiceError(_("The target must differ from the baseline."), field="new_target")
    if new_target == key_result.target:
        raise ServiceError(_("That is the target already."), field="new_target")
    metric = key_result.metric
    if (metric.min_value is not None and new_target < metric.min_value) or \
            (metric.max_value is not None and new_target > metric.max_value):
        raise ServiceError(_("%(metric)s runs from %(range)s.", metric=metric.name, range=metric.range_label),
                           field="new_target")
    decision.key_result = key_result
    old = key_result.target
    db.session.add(TargetChange(key_result_id=key_result.id, old_target=old, new_target=new_target,
                                reason=decision.text, changed_at=utcnow(), changed_by_id=by.id, decision=decision))
    key_result.target, key_result.updated_by, key_result.updated_at = new_target, by, utcnow()
    db.session.flush()
    aggregates.key_result_changed(key_result)
    request_refresh()  # a target on the other side of the baseline turns the goal around
    unit = key_result.metric.unit or None
    return [fact(N_("%(key_result)s: target %(old)s → %(new)s"), key_result=key_result.title,
                 old=number_value(old, unit), new=number_value(new_target, unit))]


def _reprioritise(decision, by, **_ignored) -> list[str]:
    changes = db.session.scalars(select(RankChange).where(RankChange.meeting_id == decision.meeting.id,
                                                          RankChange.decision_id.is_(None),
                                                          RankChange.old_rank.is_not(None))
                                 .options(joinedload(RankChange.objective)).order_by(RankChange.id)).all()
    if not changes:
        raise ServiceError(_("Re-rank the priorities first (the arrows above); this decision records why."))
    for change in changes:
        change.decision = decision
    return [fact(N_("“%(objective)s”: priority %(old)s → %(new)s"), objective=c.objective.title, old=c.old_rank,
                 new=c.new_rank) for c in changes]


# -- pilots ------------------------------------------------------------------------------------

def _pilot(decision, by, *, title="", hypothesis="", success_criterion="", starts_on=None, ends_on=None, units=(),
           key_results=(), **_ignored) -> list[str]:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Name the pilot."), field="title")
    if not (hypothesis or "").strip():
        raise ServiceError(_("State the hypothesis: what should change, and why."), field="hypothesis")
    if not (success_criterion or "").strip():
        raise ServiceError(_("Say how success will be judged."), field="success_criterion")
    if not units:
        raise ServiceError(_("Choose the unit(s) that run the pilot."), field="units")
    if not key_results:
        raise ServiceError(_("Choose the key result(s) the pilot should move."), field="key_results")
    today = local_today()
    starts_on = starts_on or today
    if ends_on is None or not starts_on <= ends_on or not today - timedelta(days=31) <= starts_on <= today + LATEST_EFFECT \
            or ends_on > starts_on + timedelta(days=366):
        raise ServiceError(_("A pilot runs from its start to an end at most a year later."), field="ends_on")
    pilot = Pilot(title=title[:200], hypothesis=hypothesis.strip(), success_criterion=success_criterion.strip(),
                  starts_on=starts_on, ends_on=ends_on, status="running", units=list(units),
                  key_results=list(key_results))
    db.session.add(pilot)
    db.session.flush()
    pilot.decision_id = decision.id
    decision.pilot = pilot
    return [fact(N_("Pilot “%(title)s” runs %(starts)s – %(ends)s in %(units)s, to move %(key_results)s"),
                 title=pilot.title, starts=day_value(starts_on), ends=day_value(ends_on),
              units=", ".join(u.name for u in pilot.units), key_results=", ".join(k.title for k in pilot.key_results))]


def _pilot_outcome(decision, by, *, pilot=None, outcome="", ends_on=None, **_ignored) -> list[str]:
    if pilot is None:
        raise ServiceError(_("Choose the pilot."), field="pilot")
    if pilot.status not in ("running", "extended"):
        raise ServiceError(_("“%(title)s” was adopted already.", title=pilot.title) if pilot.status == "adopted"
                           else _("“%(title)s” was stopped already.", title=pilot.title), field="pilot")
    if outcome not in PILOT_OUTCOMES:
        raise ServiceError(_("Choose adopt, extend or stop."), field="outcome")
    decision.pilot = pilot
    pilot.status, pilot.outcome_note = outcome, decision.text
    if outcome == "extended":
        if ends_on is None or not pilot.ends_on < ends_on <= pilot.ends_on + timedelta(days=366):
            raise ServiceError(_("An extension ends later than the pilot did, within a year."), field="ends_on")
        pilot.ends_on = ends_on
        return [fact(N_("Pilot “%(title)s” extended to %(day)s"), title=pilot.title, day=day_value(ends_on))]
    if outcome == "adopted":
        return [fact(N_("Pilot “%(title)s” adopted"), title=pilot.title)]
    return [fact(N_("Pilot “%(title)s” stopped"), title=pilot.title)]


# -- proposals, actions, notes -----------------------------------------------------------------

def _proposal(decision, by, *, proposal=None, accept=None, **_ignored) -> list[str]:
    if proposal is None:
        raise ServiceError(_("Choose the proposal."), field="proposal")
    if proposal.status != "open":
        raise ServiceError(_("This proposal has already been decided."), field="proposal")
    if accept is None:
        raise ServiceError(_("Accept or decline the proposal."), field="accept")
    decision.proposal = proposal
    proposal.status = "accepted" if accept else "declined"
    proposal.answer, proposal.decided_by, proposal.decided_at = decision.text, by, utcnow()
    changes = []
    if accept and proposal.change:
        guard = db.session.get(Metric, proposal.guard_metric_id) if proposal.guard_metric_id else None
        try:
            changes = _incentive(decision, by, incentive=proposal.incentive, change=proposal.change,
                                 new_weight=proposal.new_weight, new_target=proposal.new_target, guard_metric=guard,
                                 guard_comparator=proposal.guard_comparator, guard_threshold=proposal.guard_threshold,
                                 effective_on=max(proposal.effective_on or local_today(), local_today()))
        except StaleEdit:
            raise
        except ServiceError as error:  # the proposal's own fields are not on the review page: say it beside it
            raise ServiceError(_("The proposal cannot be applied as it stands: %(problem)s Decline it, or decide the "
                                 "change yourself.", problem=error.message), field="proposal") from None
    verdict = "accepted" if accept else "declined"
    about = proposal.incentive.name if proposal.incentive else proposal.unit.name
    with words.using(mail.reader_locale(proposal.proposed_by)):  # the notice in its reader's language
        if accept:
            subject = _("Your proposal was accepted: %(about)s", about=about)
            told = _("Your proposal for %(unit)s was accepted in the priority review.", unit=proposal.unit.name)
        else:
            subject = _("Your proposal was declined: %(about)s", about=about)
            told = _("Your proposal for %(unit)s was declined in the priority review.", unit=proposal.unit.name)
        _tell(proposal.proposed_by, f"proposal:{proposal.id}:{verdict}", subject,
              [told, _("Why: %(text)s", text=decision.text), *(change_text(c) for c in changes)],
              f"/incentives#unit-{proposal.unit_id}")
    if accept:
        return [fact(N_("Proposal from %(unit)s accepted"), unit=proposal.unit.name), *changes]
    return [fact(N_("Proposal from %(unit)s declined"), unit=proposal.unit.name), *changes]


def _action(decision, by, *, owner=None, due_on=None, **_ignored) -> list[str]:
    if owner is None:
        raise ServiceError(_("An action needs an owner."), field="owner")
    today = local_today()
    if due_on is not None and not today <= due_on <= today + LATEST_EFFECT:
        raise ServiceError(_("The due date is today or later, within three years."), field="due_on")
    decision.owner, decision.due_on = owner, due_on
    db.session.flush()
    with words.using(mail.reader_locale(owner)):
        assigned = (_("The priority review assigned you an action, due %(day)s:", day=fmt.day(due_on)) if due_on
                    else _("The priority review assigned you an action:"))
        _tell(owner, f"action:{decision.id}", _("An action for you: %(text)s", text=decision.text[:80]),
              [assigned, decision.text], f"/reviews/{decision.meeting.id}")
    if due_on:
        return [fact(N_("Action for %(name)s, due %(day)s"), name=owner.name, day=day_value(due_on))]
    return [fact(N_("Action for %(name)s"), name=owner.name)]


def _note(decision, by, **_ignored) -> list[str]:
    return []


# -- coming plans ------------------------------------------------------------------------------

def _plan(decision, by, *, plan=None, verdict="", remove_rows=(), **_ignored) -> list[str]:
    """Approve a coming plan (whole, or without some rows) or reject it. Approved, it is scheduled: the
    daily job puts it in effect on its period's first day; until then it pays nothing."""
    if plan is None:
        raise ServiceError(_("Choose the plan."), field="plan")
    if plan.status == "draft" and is_coming(plan.period):  # changed since it was sent, or never sent
        raise ServiceError(_("The plan of %(unit)s for %(period)s is a draft: its rows changed since it was sent, or "
                             "it was never sent. Send it to the review (from its page) and decide it as it stands "
                             "then.", unit=plan.unit.name, period=plan.period.name), field="plan")
    if plan.status != "in_review" or not is_coming(plan.period):
        raise ServiceError(_("The plan of %(unit)s for %(period)s is not open for a decision (%(status)s).",
                             unit=plan.unit.name, period=plan.period.name,
                             status=_(str(plan_status_labels[plan.status])).lower()), field="plan")
    if verdict not in PLAN_VERDICTS:
        raise ServiceError(_("Approve the plan, approve it with rows taken out, or reject it."), field="verdict")
    rows = [row for row in plan.rows if row.active]
    removed = [row for row in rows if row.id in set(remove_rows or ())]
    if len(removed) != len(set(remove_rows or ())):
        raise ServiceError(_("Tick rows of the plan being decided only."), field="remove_rows")
    if verdict == "approve_changed" and not removed:
        raise ServiceError(_("Tick the rows taken out of the plan."), field="remove_rows")
    if verdict != "reject" and len(removed) == len(rows):
        raise ServiceError(_("Every row would be taken out: reject the plan instead."), field="remove_rows")
    versioning.claim(plan, None, by)
    starts = plan.period.starts_on
    out = rows if verdict == "reject" else removed
    for row in out:
        _version(row, {"active": False}, fact(N_("rejected with the plan")) if verdict == "reject" else
                 fact(N_("taken out of the plan in the review")), local_today(), by, decision)
    plan.status, plan.decision, plan.review_meeting = ("rejected" if verdict == "reject" else "approved"), decision, None
    unit, period = plan.unit.name, plan.period.name
    if verdict == "reject":
        return [marked.ngettext("Plan of %(unit)s for %(period)s rejected: its %(num)s row pays nothing",
                                "Plan of %(unit)s for %(period)s rejected: its %(num)s rows pay nothing", len(rows),
                                unit=unit, period=period)]
    decision.effective_on = starts
    kept = len(rows) - len(removed)
    return [marked.ngettext("Plan of %(unit)s for %(period)s approved with %(num)s row: takes effect %(day)s",
                            "Plan of %(unit)s for %(period)s approved with %(num)s rows: takes effect %(day)s", kept,
                            unit=unit, period=period, day=day_value(starts)),
            *(fact(N_("Taken out of the plan: “%(name)s” (%(metric)s, %(share)s)"), name=row.name,
                   metric=row.metric.name, share=percent_value(row.weight)) for row in removed)]


APPLY = {"incentive": _incentive, "change_target": _target, "reprioritise": _reprioritise, "pilot": _pilot,
         "pilot_outcome": _pilot_outcome, "resolve_conflict": _resolve, "accept_tradeoff": _trade_off,
         "proposal": _proposal, "plan": _plan, "action": _action, "note": _note}
