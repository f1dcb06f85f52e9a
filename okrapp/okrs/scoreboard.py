"""Read side: load a cycle's objectives in a fixed number of queries and score them."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.domain.scoring import KeyResultFigures, Score, elapsed_share, score_key_result, score_objective
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective, RankChange, kr_contributors
from okrapp.accounts.models import User


@dataclass
class KeyResultView:
    kr: KeyResult
    score: Score


@dataclass
class ObjectiveView:
    objective: Objective
    score: Score | None
    key_results: list[KeyResultView] = field(default_factory=list)


def objective_count(cycle: Cycle) -> int:
    return db.session.scalar(select(func.count(Objective.id)).where(Objective.cycle_id == cycle.id,
                                                                    Objective.retired_at.is_(None)))


def cycles() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).order_by(Cycle.starts_on.desc())))


def current_cycle(today: date, cycle_id: int | None = None) -> Cycle | None:
    """The requested cycle, else the one running today, else the latest that has started, else any."""
    if cycle_id is not None:
        return db.session.get(Cycle, cycle_id)
    running = db.session.scalar(select(Cycle).where(Cycle.starts_on <= today, Cycle.ends_on >= today)
                                .order_by(Cycle.starts_on.desc()))
    if running:
        return running
    return db.session.scalar(select(Cycle).order_by((Cycle.starts_on <= today).desc(), Cycle.starts_on.desc()))


def figures(kr: KeyResult) -> KeyResultFigures:
    return KeyResultFigures(baseline=kr.baseline, target=kr.target, current=kr.current_value, weight=kr.weight,
                            commitment=kr.commitment, confidence=kr.current_confidence)


def _kr_options():
    return (joinedload(KeyResult.metric), joinedload(KeyResult.accountable_unit),
            selectinload(KeyResult.contributors))


def scoreboard(cycle: Cycle, today: date, limit: int | None = None, offset: int = 0) -> list[ObjectiveView]:
    objectives = db.session.scalars(
        select(Objective).where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None))
        .order_by(Objective.rank, Objective.id)
        .limit(limit).offset(offset)
        .options(selectinload(Objective.key_results).options(*_kr_options()))).all()
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    return [score_view(o, elapsed) for o in objectives]


def score_view(objective: Objective, elapsed: float) -> ObjectiveView:
    krs = [KeyResultView(kr, score_key_result(figures(kr), elapsed)) for kr in counted(objective)]
    return ObjectiveView(objective, score_objective([figures(v.kr) for v in krs], elapsed), krs)


def counted(objective: Objective) -> list[KeyResult]:
    """Its key results that count: a retired one keeps its history but leaves the score."""
    return [kr for kr in objective.key_results if kr.retired_at is None]


RECENT_CHECK_INS = 5


def objective_detail(objective_id: int, today: date) -> tuple[ObjectiveView, dict] | None:
    """The objective, its scored key results and each one's latest check-ins (the full history is
    on the key result's own page), in a fixed number of queries."""
    objective = db.session.scalar(
        select(Objective).where(Objective.id == objective_id).options(
            joinedload(Objective.cycle),
            selectinload(Objective.key_results).options(*_kr_options()),
            selectinload(Objective.rank_changes).joinedload(RankChange.changed_by)))
    if objective is None:
        return None
    view = score_view(objective, elapsed_share(objective.cycle.starts_on, objective.cycle.ends_on, today))
    return view, recent_check_ins([kr.id for kr in objective.key_results])


def recent_check_ins(kr_ids: list[int], limit: int = RECENT_CHECK_INS) -> dict[int, list[CheckIn]]:
    if not kr_ids:
        return {}
    ranked = select(CheckIn.id, func.row_number().over(
        partition_by=CheckIn.key_result_id, order_by=(CheckIn.created_at.desc(), CheckIn.id.desc())).label("n")
    ).where(CheckIn.key_result_id.in_(kr_ids), CheckIn.superseded_at.is_(None)).subquery()
    rows = db.session.scalars(select(CheckIn).join(ranked, ranked.c.id == CheckIn.id).where(ranked.c.n <= limit)
                              .options(joinedload(CheckIn.author))
                              .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())).all()
    recent = {kr_id: [] for kr_id in kr_ids}
    for check_in in rows:
        recent[check_in.key_result_id].append(check_in)
    return recent


def my_key_results(user: User, cycle: Cycle, today: date) -> list[KeyResultView]:
    """Key results of the cycle that one of the user's units is accountable for or contributes to,
    the ones longest without a check-in first."""
    unit_ids = [u.id for u in user.units]
    if not unit_ids:
        return []
    contributing = select(kr_contributors.c.key_result_id).where(kr_contributors.c.unit_id.in_(unit_ids))
    krs = db.session.scalars(
        select(KeyResult).join(Objective).where(
            Objective.cycle_id == cycle.id, Objective.retired_at.is_(None), KeyResult.retired_at.is_(None),
            or_(KeyResult.accountable_unit_id.in_(unit_ids), KeyResult.id.in_(contributing)))
        .options(*_kr_options(), joinedload(KeyResult.objective))
        .order_by(KeyResult.last_check_in_at.is_not(None), KeyResult.last_check_in_at, KeyResult.id)).unique().all()
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    return [KeyResultView(kr, score_key_result(figures(kr), elapsed)) for kr in krs]
