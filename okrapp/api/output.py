"""The API's answers built from records: one function per shape, shared by the reading and the
writing endpoints, so a record reads the same whichever call returned it."""
from spectree import Response

from okrapp.api import schemas as s
from okrapp.core.words import _
from okrapp.domain.scoring import elapsed_share, score_key_result
from okrapp.incentives.models import Incentive
from okrapp.okrs import scoreboard
from okrapp.okrs.models import CheckIn, KeyResult
from okrapp.reviews.models import ReviewMeeting

ERRORS = {"HTTP_401": s.ErrorBody, "HTTP_403": s.ErrorBody, "HTTP_429": s.ErrorBody}


def responses(ok_code: int, model, *extra: int) -> Response:
    codes = {f"HTTP_{ok_code}": model, **ERRORS, **{f"HTTP_{code}": s.ErrorBody for code in extra}}
    return Response(**codes)


def elapsed(kr: KeyResult, today) -> float:
    cycle = kr.objective.cycle
    return elapsed_share(cycle.starts_on, cycle.ends_on, today)


def key_result(kr: KeyResult, elapsed_: float) -> s.KeyResultOut:
    score = score_key_result(scoreboard.figures(kr), elapsed_)
    return s.KeyResultOut(
        id=kr.id, objective_id=kr.objective_id, title=kr.title, metric=kr.metric.key, unit=kr.metric.unit,
        baseline=kr.baseline, target=kr.target, current_value=kr.current_value, progress=kr.progress,
        status=score.status, forecast=kr.forecast, confidence=kr.current_confidence,
        last_check_in_at=kr.last_check_in_at, value_source=kr.value_source,
        accountable_unit=s.Ref(id=kr.accountable_unit.id, name=kr.accountable_unit.name), weight=kr.weight,
        commitment=kr.commitment, version=kr.version, updated_at=kr.updated_at, retired_at=kr.retired_at)


def objective(view, elapsed_: float) -> s.ObjectiveOut:
    o = view.objective
    return s.ObjectiveOut(
        id=o.id, title=o.title, description=o.description, rank=o.rank,
        cycle=s.CycleOut(id=o.cycle.id, name=o.cycle.name, starts_on=o.cycle.starts_on, ends_on=o.cycle.ends_on),
        progress=view.score.progress if view.score else None, status=view.score.status if view.score else None,
        key_results=[key_result(k.kr, elapsed_) for k in view.key_results], version=o.version,
        retired_at=o.retired_at)


def check_in(c: CheckIn) -> s.CheckInOut:
    return s.CheckInOut(id=c.id, value=c.value, confidence=c.confidence, comment=c.comment, at=c.created_at,
                        recorded_at=c.recorded_at, author=c.author.name if c.author else None, source=c.source,
                        corrects=c.corrects_id, superseded_at=c.superseded_at)


def incentive(i: Incentive) -> s.IncentiveOut:
    return s.IncentiveOut(
        id=i.id, unit=s.Ref(id=i.unit.id, name=i.unit.name), name=i.name, metric=i.metric.key, direction=i.direction,
        weight=i.weight, target=i.target, period=i.period, active=i.active, note=i.note or "",
        period_starts_on=i.plan_period.starts_on if i.plan_period else None,
        period_ends_on=i.plan_period.ends_on if i.plan_period else None,
        plan_status=i.plan.status if i.plan else None, version=i.version, retired_at=i.retired_at)


def meeting(meeting: ReviewMeeting) -> s.MeetingOut:
    decisions = []
    for d in meeting.decisions:
        changes = d.change_list  # worded in the language of the request; old rows as stored
        decisions.append(s.DecisionOut(id=d.id, kind=d.kind, text=d.text, changes=changes,
                                       settles=[item.id for item in d.settles]))
    return s.MeetingOut(id=meeting.id, name=meeting.schedule.name if meeting.schedule else _("Priority review"),
                        starts_at=meeting.starts_at, ends_at=meeting.ends_at, status=meeting.status,
                        decisions=decisions)
