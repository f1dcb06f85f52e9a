"""Plans for a coming period. Incentives of a period that has not started form their unit's plan for it
(a BonusPlan, made on first use): drafted by an import or by hand, sent to a review, approved there or
rejected. An approved plan is scheduled: the daily job puts it in effect on its start date. Until then it
pays nothing and counts in no conflict of today; the conflicts it would bring are listed apart."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from okrapp.conflicts import whatif
from okrapp.conflicts.operations import next_review, request_refresh
from okrapp.core import versioning
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core.transaction import operation
from okrapp.core.words import N_, _
from okrapp.incentives.models import BonusPlan, Incentive, PlanPeriod
from okrapp.incentives.periods import is_coming

STATUS_LABELS = {"draft": N_("Draft"), "in_review": N_("Sent to review"), "approved": N_("Approved, scheduled"),
                 "in_effect": N_("In effect"), "rejected": N_("Rejected")}  # translated where shown: _(label)


def plan_for(unit_id: int, period: PlanPeriod) -> BonusPlan:
    """The unit's plan for a coming period, made on first use (two saves at once share one)."""
    found = _plan(unit_id, period.id)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = BonusPlan(unit_id=unit_id, period=period, status="draft", created_at=utcnow())
            db.session.add(found)
    except IntegrityError:
        found = _plan(unit_id, period.id)
    return found


def _plan(unit_id: int, period_id: int) -> BonusPlan | None:
    return db.session.scalar(select(BonusPlan).where(BonusPlan.unit_id == unit_id, BonusPlan.period_id == period_id))


def attach(incentive: Incentive, by=None) -> None:
    """Put a saved incentive into its unit's plan when its period is still to come (and out of any plan
    otherwise). A plan whose rows change after it was sent, approved or rejected is a draft again: what
    was decided is no longer what is there."""
    before = incentive.plan
    plan = plan_for(incentive.unit_id, incentive.plan_period) if is_coming(incentive.plan_period) else None
    incentive.plan = plan
    for touched in {before, plan} - {None}:
        changed(touched, by)


def changed(plan: BonusPlan, by=None) -> None:
    """A row of the plan was added, edited or retired."""
    if plan.status in ("in_review", "approved", "rejected") and is_coming(plan.period):
        versioning.claim(plan, None, by)
        plan.status, plan.review_meeting, plan.decision = "draft", None, None


def attach_imported(unit_ids: set[int], period: PlanPeriod | None, by=None) -> dict[int, int]:
    """{unit id: plan id} for the units of an imported sheet, when its period is still to come."""
    if not is_coming(period):
        return {}
    plans = {unit_id: plan_for(unit_id, period) for unit_id in unit_ids}
    for plan in plans.values():
        changed(plan, by)
    db.session.flush()
    return {unit_id: plan.id for unit_id, plan in plans.items()}


@operation
def send_to_review(plan: BonusPlan, by, expected_version: int | None = None, meeting=None) -> BonusPlan:
    """On the agenda of the next review (or the one given), where it is approved or rejected."""
    if plan.status not in ("draft", "in_review"):
        raise ServiceError(_("This plan is %(status)s; only a draft goes to a review.",
                             status=_(STATUS_LABELS[plan.status]).lower()))
    if not is_coming(plan.period):
        raise ServiceError(_("%(period)s has started; a plan is decided before its period starts.",
                             period=plan.period.name))
    if not any(row.active for row in plan.rows):
        raise ServiceError(_("This plan has no rows left to decide."))
    meeting = meeting or next_review(utcnow())
    if meeting is None:
        raise ServiceError(_("There is no upcoming priority review to send this to; plan one first."))
    versioning.claim(plan, expected_version, by)
    plan.status, plan.review_meeting = "in_review", meeting
    db.session.flush()
    return plan


def apply_due_plans(today: date | None = None) -> int:
    """The daily job: approved plans whose period has started take effect (once: the status moves on)."""
    today = today or local_today()
    due = db.session.scalars(select(BonusPlan).join(BonusPlan.period).where(
        BonusPlan.status == "approved", PlanPeriod.starts_on <= today).order_by(BonusPlan.id)).all()
    for plan in due:
        versioning.claim(plan, None, None)
        plan.status, plan.applied_at = "in_effect", utcnow()
    if due:
        request_refresh()
    db.session.flush()
    return len(due)


def plan_or_404(plan_id: int) -> BonusPlan:
    return db.first_or_404(select(BonusPlan).where(BonusPlan.id == plan_id).options(
        joinedload(BonusPlan.unit), joinedload(BonusPlan.period), joinedload(BonusPlan.review_meeting),
        joinedload(BonusPlan.decision), selectinload(BonusPlan.rows).joinedload(Incentive.metric)))


def plans(unit_ids: list[int] | None = None, statuses=None, coming: bool = False,
          meeting_id: int | None = None) -> list[BonusPlan]:
    """Plans of these units (all when None), the coming ones first, in one query with their rows.
    coming: only those whose period has not started; meeting_id: only those sent to that review."""
    query = (select(BonusPlan).join(BonusPlan.period)
             .options(joinedload(BonusPlan.unit), joinedload(BonusPlan.period), joinedload(BonusPlan.review_meeting),
                      selectinload(BonusPlan.rows).joinedload(Incentive.metric))
             .order_by(PlanPeriod.starts_on.desc(), BonusPlan.id))
    if unit_ids is not None:
        query = query.where(BonusPlan.unit_id.in_(unit_ids))
    if statuses is not None:
        query = query.where(BonusPlan.status.in_(statuses))
    if coming:
        query = query.where(PlanPeriod.starts_on > local_today())
    if meeting_id is not None:
        query = query.where(BonusPlan.review_meeting_id == meeting_id)
    return list(db.session.scalars(query).unique())


def what_if(plan: BonusPlan):
    """What the plan would do to conflicts, while it is still to come and not rejected."""
    if not is_coming(plan.period) or plan.status == "rejected" or not any(row.active for row in plan.rows):
        return None
    return whatif.for_plan(plan)
