"""What the API's endpoints read, and its writes as units of work: the same features' operations the
pages call, each wrapped so that the endpoint's change commits whole or not at all."""
import json
from datetime import UTC

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from okrapp.admin.models import Unit
from okrapp.board.models import BoardSummary
from okrapp.conflicts import visibility as conflict_visibility
from okrapp.conflicts.models import OPEN_STATUSES, ConflictItem, ConflictItemEvent, current_items
from okrapp.conflicts.visibility import visible_to
from okrapp.core import policy
from okrapp.core.errors import ServiceError
from okrapp.core.extensions import db
from okrapp.core.transaction import operation
from okrapp.core.words import _
from okrapp.incentives.models import Incentive
from okrapp.okrs import metric_values
from okrapp.okrs import operations as okr_service
from okrapp.okrs.metric_models import Metric
from okrapp.domain.scoring import STATUSES, KeyResultFigures, elapsed_share, score_key_result
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective, kr_contributors
from okrapp.reviews import operations as review_service
from okrapp.reviews.models import ReviewDecision, ReviewMeeting

MAX_ID = 2**31 - 1
MAX_KEY = 64
HISTORY_SHOWN = 50


class PushCollided(ServiceError):
    """Another call stored the same points at the same moment, twice in a row (the API's 409)."""


def key_result(kr_id: int) -> KeyResult | None:
    """None for an id no database column holds, without asking."""
    return db.session.get(KeyResult, kr_id) if 0 < kr_id <= MAX_ID else None


def latest_check_ins(kr: KeyResult) -> list[CheckIn]:
    """Newest first, corrected ones included, with their authors."""
    return db.session.scalars(select(CheckIn).where(CheckIn.key_result_id == kr.id)
                              .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(HISTORY_SHOWN)
                              .options(joinedload(CheckIn.author))).all()


@operation
def check_in(kr: KeyResult, value: float, confidence: int, comment: str, author, confirmed: bool) -> CheckIn:
    """okrs' record_check_in as the endpoint's unit of work."""
    return okr_service.record_check_in(kr, value, confidence, comment, author, confirmed=confirmed)


def metric(key: str) -> Metric | None:
    return db.session.scalar(select(Metric).where(Metric.key == key)) if len(key) <= MAX_KEY else None


def metrics() -> list[Metric]:
    return db.session.scalars(select(Metric).order_by(Metric.key)).all()


def push_values(found: Metric, points: list[metric_values.Point], by) -> metric_values.PushResult | None:
    """Store the points as one unit of work. When another call stored the same point at the same
    moment (IntegrityError), read the metric again and try once more; PushCollided when that collides
    too, None when the metric is gone meanwhile."""
    key = found.key
    try:
        return _push(found, points, by)
    except IntegrityError:
        found = metric(key)
    if found is None:
        return None
    try:
        return _push(found, points, by)
    except IntegrityError:
        raise PushCollided(_("The same points were being stored by another call; send them again.")) from None


@operation
def _push(found: Metric, points, by) -> metric_values.PushResult:
    return metric_values.push(found, points, by)


def incentives_visible_to(user) -> list[Incentive]:
    """Of the units user may see the incentives of (unit leaders: their own units')."""
    units = [u.id for u in db.session.scalars(select(Unit)) if policy.can_view_incentives(user, u)]
    return db.session.scalars(select(Incentive).where(Incentive.unit_id.in_(units))
                              .options(joinedload(Incentive.unit), joinedload(Incentive.metric),
                                       joinedload(Incentive.plan_period), joinedload(Incentive.plan))
                              .order_by(Incentive.unit_id, Incentive.id)).all()


def conflict_items(user, only_open: bool, limit: int, offset: int) -> tuple[int, list[ConflictItem]]:
    """The total and one page of the items user may open, strongest first."""
    statement = select(ConflictItem).where(current_items())
    if only_open:
        statement = statement.where(ConflictItem.status.in_(OPEN_STATUSES))
    statement = visible_to(user, statement)
    total = db.session.scalar(statement.with_only_columns(func.count(ConflictItem.id)))
    items = db.session.scalars(statement.order_by(ConflictItem.severity.desc(), ConflictItem.id)
                               .limit(limit).offset(offset)).all()
    return total, items


def latest_meetings(limit: int) -> list[ReviewMeeting]:
    """Latest first, with their decisions and what those settled."""
    return db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.starts_at.desc()).limit(limit)
                              .options(joinedload(ReviewMeeting.schedule),
                                       selectinload(ReviewMeeting.decisions).selectinload(
                                           ReviewDecision.settles))).all()


# -- the list of key results -------------------------------------------------------------------

def key_result_page(query, today) -> tuple[int, list[KeyResult]]:
    """The total and one page of the key results query asks for, by id, in at most four statements
    however many there are. The status is scored, not stored: with a status filter the figures of
    every match are read in one statement and scored here; without one, SQL counts and pages."""
    matches = _key_result_filter(query)
    offset = (query.page - 1) * query.per_page
    if query.status is None and query.at_risk is None:
        total = db.session.scalar(matches.with_only_columns(func.count(KeyResult.id)))
        ids = db.session.scalars(matches.order_by(KeyResult.id).limit(query.per_page).offset(offset)).all()
    else:
        wanted = _statuses(query)
        rows = db.session.execute(matches.add_columns(
            KeyResult.baseline, KeyResult.target, KeyResult.current_value, KeyResult.weight, KeyResult.commitment,
            KeyResult.current_confidence, Cycle.starts_on, Cycle.ends_on).order_by(KeyResult.id)).all()
        kept = [row[0] for row in rows if _status(row, today) in wanted]
        total, ids = len(kept), kept[offset:offset + query.per_page]
    if not ids:
        return total, []
    found = db.session.scalars(select(KeyResult).where(KeyResult.id.in_(ids)).options(
        joinedload(KeyResult.metric), joinedload(KeyResult.accountable_unit),
        joinedload(KeyResult.objective).joinedload(Objective.cycle))).all()
    return total, sorted(found, key=lambda kr: kr.id)


def _key_result_filter(query):
    statement = (select(KeyResult.id).join(Objective, KeyResult.objective_id == Objective.id)
                 .join(Cycle, Objective.cycle_id == Cycle.id)
                 .where(KeyResult.retired_at.is_(None), Objective.retired_at.is_(None)))
    if query.cycle is not None:
        statement = statement.where(Objective.cycle_id == query.cycle)
    if query.objective is not None:
        statement = statement.where(KeyResult.objective_id == query.objective)
    if query.unit is not None:
        sharing = select(kr_contributors.c.key_result_id).where(kr_contributors.c.unit_id == query.unit)
        statement = statement.where(or_(KeyResult.accountable_unit_id == query.unit, KeyResult.id.in_(sharing)))
    if query.updated_since is not None:
        since = query.updated_since
        since = since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since  # stored naive UTC
        statement = statement.where(KeyResult.updated_at >= since)
    return statement


def _statuses(query) -> set[str]:
    wanted = set(STATUSES) if query.status is None else {query.status}
    if query.at_risk is not None:
        wanted &= {"at_risk", "off_track"} if query.at_risk else {"on_track"}
    return wanted


def _status(row, today) -> str:
    _id, baseline, target, current, weight, commitment, confidence, starts_on, ends_on = row
    figures = KeyResultFigures(baseline=baseline, target=target, current=current, weight=weight,
                               commitment=commitment, confidence=confidence)
    return score_key_result(figures, elapsed_share(starts_on, ends_on, today)).status


# -- conflict items, a review's agenda, the board archive -----------------------------------------

def conflict_item(user, item_id: int) -> ConflictItem | None:
    """The item with its history, None when it does not exist or user may not open it."""
    if not 0 < item_id <= MAX_ID:
        return None
    item = db.session.scalar(select(ConflictItem).where(ConflictItem.id == item_id).options(
        selectinload(ConflictItem.events).joinedload(ConflictItemEvent.actor)))
    return item if item is not None and conflict_visibility.can_view(user, item) else None


def meeting(meeting_id: int) -> ReviewMeeting | None:
    if not 0 < meeting_id <= MAX_ID:
        return None
    return db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.id == meeting_id).options(
        joinedload(ReviewMeeting.schedule),
        selectinload(ReviewMeeting.decisions).selectinload(ReviewDecision.settles)))


def agenda(found: ReviewMeeting, user) -> dict | None:
    """A scheduled review's agenda as of now (its conflicts those user may open), a held one's as kept;
    None for one without an agenda."""
    scope = policy.conflict_unit_scope(user)
    if found.status == "scheduled":
        return review_service.scoped_conflicts(review_service.generate_agenda(found, persist=False), found, scope)
    kept = json.loads(found.agenda or "null")
    if kept is None:
        return None
    visible = conflict_visibility.visible_item_ids(scope, [c["id"] for key in ("sent_to_review", "conflicts")
                                                           for c in kept.get(key, [])])
    return {**kept, **{key: [c for c in kept.get(key, []) if c["id"] in visible]
                       for key in ("sent_to_review", "conflicts")}}


def summaries(limit: int, offset: int) -> tuple[int, list[BoardSummary]]:
    """The board archive, latest first: what was sent, exactly."""
    total = db.session.scalar(select(func.count(BoardSummary.id)))
    return total, db.session.scalars(select(BoardSummary).order_by(BoardSummary.created_at.desc(), BoardSummary.id.desc())
                                     .limit(limit).offset(offset)).all()


def summary(summary_id: int) -> BoardSummary | None:
    return db.session.get(BoardSummary, summary_id) if 0 < summary_id <= MAX_ID else None
