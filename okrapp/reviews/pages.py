"""What the review pages show, each list loaded in one query whatever the size of the company, so the
views only put it on the page. Reads only: the writes are in operations."""
import json

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.core.extensions import db
from okrapp.core.timeutil import local_today
from okrapp.conflicts.models import ConflictItem
from okrapp.conflicts.visibility import visible_item_ids
from okrapp.incentives import plans
from okrapp.incentives.models import Incentive, IncentiveProposal
from okrapp.okrs.metric_models import Metric
from okrapp.okrs.models import KeyResult, Objective, RankChange
from okrapp.okrs.scoreboard import current_cycle
from okrapp.reviews.models import Pilot, ReviewDecision, ReviewMeeting, ReviewSchedule
from okrapp.reviews.operations import generate_agenda, needs_attention, open_actions, scoped_conflicts, upcoming
from okrapp.admin.models import Unit
from okrapp.accounts.models import User


def meeting_or_404(meeting_id: int) -> ReviewMeeting:
    """The meeting with what its page and its actions read: schedule, participants, and decisions with
    what they settled and their owners."""
    return db.first_or_404(select(ReviewMeeting).where(ReviewMeeting.id == meeting_id).options(
        joinedload(ReviewMeeting.schedule).selectinload(ReviewSchedule.participants),
        selectinload(ReviewMeeting.decisions).options(selectinload(ReviewDecision.settles),
                                                      joinedload(ReviewDecision.owner))))


def meetings_page() -> dict:
    """The list of reviews: the next twelve, the last ten closed, and every schedule."""
    past = db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.status == "closed")
                              .options(joinedload(ReviewMeeting.schedule))
                              .order_by(ReviewMeeting.starts_at.desc()).limit(10)).all()
    schedules = db.session.scalars(select(ReviewSchedule).options(selectinload(ReviewSchedule.participants),
                                                                  joinedload(ReviewSchedule.chair))).all()
    return dict(upcoming=upcoming(12), past=past, schedules=schedules)


def meeting_page(meeting: ReviewMeeting, unit_scope: list[int] | None) -> dict:
    """A scheduled review's agenda as of now, a closed one's as it was kept; the conflicts among it
    that unit_scope may open (None: all), and the actions still open."""
    if meeting.status == "scheduled":
        agenda = scoped_conflicts(generate_agenda(meeting, persist=False), meeting, unit_scope)
    else:
        agenda = json.loads(meeting.agenda or "{}")
    shown = [c["id"] for key in ("sent_to_review", "conflicts") for c in agenda.get(key, [])]
    shown += [i.id for d in meeting.decisions for i in d.settles]
    return dict(agenda=agenda, visible_conflicts=visible_item_ids(unit_scope, shown), open_actions=open_actions(),
                plans=plans_on_agenda(meeting, unit_scope))


PLANS_WITH_WHAT_IF = 5  # each is a scan of its period; further plans link to their own page


def plans_on_agenda(meeting: ReviewMeeting, unit_scope: list[int] | None) -> list[tuple]:
    """The coming plans sent to this review, each with what it would do to conflicts (while it is
    still to be decided): [(plan, what-if or None)]."""
    if meeting.status != "scheduled":
        return []
    sent = plans.plans(unit_scope, statuses=("in_review",), meeting_id=meeting.id)
    return [(p, plans.what_if(p) if index < PLANS_WITH_WHAT_IF else None) for index, p in enumerate(sent)]


def schedule_or_404(schedule_id: int | None) -> ReviewSchedule | None:
    """The schedule being edited; None for a new one."""
    return db.get_or_404(ReviewSchedule, schedule_id) if schedule_id else None


def active_people() -> dict[int, User]:
    """Who can chair or attend a review, by id, in name order."""
    return {u.id: u for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))}


def decision_options(posted_objective: int | None, wanted_key_result: int | None, key_result_limit: int) -> dict:
    """What the decision form offers to choose from, a query per list. posted_objective: the one a
    posted form named (no kind on the page asks for one)."""
    today = local_today()
    cycle = current_cycle(today)
    return dict(
        objectives=db.session.scalars(select(Objective).where(Objective.cycle_id == cycle.id,
                                                              Objective.id == posted_objective)).all()
        if cycle and posted_objective else [],
        items=db.session.scalars(select(ConflictItem).where(needs_attention(today))
                                 .order_by(ConflictItem.severity.desc())).all(),
        incentives=db.session.scalars(select(Incentive)
                                      .options(joinedload(Incentive.unit), joinedload(Incentive.metric))
                                      .order_by(Incentive.active.desc(), Incentive.name)).all(),
        key_results=_key_results(cycle, wanted_key_result, key_result_limit),
        people=db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all(),
        units=db.session.scalars(select(Unit).order_by(Unit.name)).all(),
        metrics=db.session.scalars(select(Metric).order_by(Metric.name)).all(),
        pilots=db.session.scalars(select(Pilot).where(Pilot.status.in_(("running", "extended")))
                                  .order_by(Pilot.ends_on)).all(),
        proposals=db.session.scalars(select(IncentiveProposal).where(IncentiveProposal.status == "open")
                                     .options(joinedload(IncentiveProposal.unit),
                                              joinedload(IncentiveProposal.incentive),
                                              joinedload(IncentiveProposal.guard_metric))).all(),
        plans=plans.plans(statuses=("in_review",), coming=True))


def _key_results(cycle, wanted: int | None, limit: int) -> list[KeyResult]:
    """The cycle's key results, highest priorities first, at most limit; and the one asked for (from
    its own page, or posted back) when it is further down, so any key result of a large company can
    be decided on."""
    if cycle is None:
        return []
    in_cycle = select(KeyResult).join(Objective).where(Objective.cycle_id == cycle.id)
    listed = list(db.session.scalars(in_cycle.order_by(Objective.rank, KeyResult.id).limit(limit)))
    if wanted and wanted not in {k.id for k in listed}:
        listed += db.session.scalars(in_cycle.where(KeyResult.id == wanted)).all()
    return listed


def timeline_page() -> dict:
    """The current cycle's objectives in rank order and every change of their ranks, oldest first."""
    cycle = current_cycle(local_today())
    objectives = db.session.scalars(select(Objective).where(Objective.cycle_id == (cycle.id if cycle else None))
                                    .order_by(Objective.rank)).all()
    changes = db.session.scalars(select(RankChange).where(RankChange.objective_id.in_([o.id for o in objectives]))
                                 .options(joinedload(RankChange.changed_by), joinedload(RankChange.meeting))
                                 .order_by(RankChange.changed_at, RankChange.id)).all()
    return dict(cycle=cycle, objectives=objectives, changes=changes)
