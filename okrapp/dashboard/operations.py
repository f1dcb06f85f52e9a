"""What the dashboard pages show, each loaded in a fixed number of queries whatever the size of
the organisation: pre-aggregated scores, a bounded top of each list, no per-row queries."""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.domain.forecast import forecast_progress
from okrapp.domain.scoring import ASPIRATIONAL_GOAL, Score, elapsed_share, score_from_stored, score_key_result
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective, ObjectiveWeek, TargetChange, kr_contributors
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.incentives.models import Incentive
from okrapp.reviews.models import Pilot, ReviewMeeting
from okrapp.admin.models import Unit
from okrapp.conflicts.models import OPEN_STATUSES
from okrapp.conflicts.operations import current_scan_state
from okrapp.conflicts.visibility import visible_item_ids, visible_items_clause
from okrapp.core import policy
from okrapp.core.formatting import status_label
from okrapp.core.timeutil import utcnow
from okrapp.core.words import _
from okrapp.okrs.scoreboard import current_cycle, figures

TOP_OBJECTIVES = 12
TOP_AT_RISK = 10
TOP_CONFLICTS = 8
STATUS_ORDER = {"off_track": 0, "at_risk": 1, "on_track": 2}


@dataclass
class ObjectiveRow:
    objective: Objective
    score: Score | None
    weeks: list[float]


@dataclass
class RiskRow:
    kr: KeyResult
    score: Score
    forecast_progress: float | None


@dataclass
class Home:
    cycle: Cycle | None
    elapsed: float = 0.0
    overall: float | None = None
    objective_count: int = 0
    objectives: list[ObjectiveRow] = field(default_factory=list)
    matrix: list = field(default_factory=list)  # [(unit, [(css class, mark, label) or None per objective])]
    at_risk: list[RiskRow] = field(default_factory=list)
    conflicts: list[ConflictItem] = field(default_factory=list)
    open_conflicts: int = 0
    open_by_level: dict = field(default_factory=dict)
    meeting: ReviewMeeting | None = None
    agenda: dict | None = None
    pilots: list[Pilot] = field(default_factory=list)
    scan: object = None  # when the conflict items were last brought up to date


def objective_score(objective: Objective, elapsed: float) -> Score | None:
    """The same rule as scoring.score_objective, from the figures stored on the objective."""
    return score_from_stored(objective.score, objective.goal, objective.confidence, elapsed)


def executive_home(cycle: Cycle | None, today: date) -> Home:
    home = Home(cycle)
    if cycle is None:
        return home
    home.elapsed = elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    home.overall, home.objective_count = db.session.execute(
        select(func.avg(Objective.score), func.count(Objective.id)).where(Objective.cycle_id == cycle.id,
                                                                          Objective.retired_at.is_(None))).one()
    objectives = db.session.scalars(
        select(Objective).where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None))
        .order_by(Objective.rank, Objective.id).limit(TOP_OBJECTIVES).options(selectinload(Objective.key_results).options(
            selectinload(KeyResult.accountable_unit), selectinload(KeyResult.contributors)))).all()
    weeks = defaultdict(list)
    for objective_id, score in db.session.execute(
            select(ObjectiveWeek.objective_id, ObjectiveWeek.score)
            .where(ObjectiveWeek.objective_id.in_([o.id for o in objectives]))
            .order_by(ObjectiveWeek.objective_id, ObjectiveWeek.week_start)):
        weeks[objective_id].append(score)
    home.objectives = [ObjectiveRow(o, objective_score(o, elapsed), weeks[o.id]) for o in objectives]
    home.matrix = cross_section(objectives, elapsed)
    home.at_risk = at_risk(cycle, elapsed)
    open_items = (current_items(), ConflictItem.status.in_(OPEN_STATUSES), ConflictItem.level != "tension")
    home.conflicts = db.session.scalars(select(ConflictItem).where(*open_items)
                                        .order_by(ConflictItem.severity.desc()).limit(TOP_CONFLICTS)).all()
    home.open_by_level = dict(db.session.execute(select(ConflictItem.level, func.count(ConflictItem.id))
                                                 .where(*open_items).group_by(ConflictItem.level)).all())
    home.open_conflicts = sum(home.open_by_level.values())
    home.scan = current_scan_state()
    home.meeting = db.session.scalar(select(ReviewMeeting).where(
        ReviewMeeting.status == "scheduled", ReviewMeeting.starts_at > utcnow()).order_by(ReviewMeeting.starts_at))
    home.agenda = json.loads(home.meeting.agenda) if home.meeting and home.meeting.agenda else None
    home.pilots = db.session.scalars(select(Pilot).where(Pilot.status.in_(("running", "extended")))
                                     .options(selectinload(Pilot.units), selectinload(Pilot.key_results))
                                     .order_by(Pilot.ends_on).limit(TOP_CONFLICTS)).all()
    return home


def cross_section(objectives: list[Objective], elapsed: float) -> list:
    """Units × objectives: in each cell the worst status of the results the unit shares there,
    ready to print (the matrix can hold a few thousand cells)."""
    cells, units = {}, {}
    for objective in objectives:
        for kr in objective.key_results:
            state = score_key_result(figures(kr), elapsed).status
            for unit in kr.units:
                units[unit.id] = unit
                key = (unit.id, objective.id)
                accountable = unit.id == kr.accountable_unit_id
                worst, was_accountable = cells.get(key, ("on_track", False))
                if STATUS_ORDER[state] < STATUS_ORDER[worst]:
                    worst = state
                cells[key] = (worst, was_accountable or accountable)
    kind_order = {"business_unit": 0, "function": 1, "partner": 2}
    rows = []
    for unit in sorted(units.values(), key=lambda u: (kind_order[u.kind], u.name)):
        row = []
        for objective in objectives:
            cell = cells.get((unit.id, objective.id))
            if cell is None:
                row.append(None)
                continue
            state, accountable = cell
            values = dict(unit=unit.name, objective=objective.title, status=status_label(state).lower())
            row.append((state, "●" if accountable else "○",
                        _("%(unit)s, accountable to %(objective)s: %(status)s", **values) if accountable else
                        _("%(unit)s, contributes to %(objective)s: %(status)s", **values)))
        rows.append((unit, row))
    return rows


def at_risk(cycle: Cycle, elapsed: float) -> list[RiskRow]:
    """The key results furthest behind their pace, with where their trend leads."""
    goal = case((KeyResult.commitment == "aspirational", literal(ASPIRATIONAL_GOAL)), else_=literal(1.0))
    krs = db.session.scalars(
        select(KeyResult).join(Objective).where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None),
                                                KeyResult.retired_at.is_(None))
        .order_by((KeyResult.progress - goal * elapsed).asc(), KeyResult.id).limit(TOP_AT_RISK)
        .options(joinedload(KeyResult.objective), joinedload(KeyResult.accountable_unit),
                 joinedload(KeyResult.metric))).all()
    rows = [RiskRow(kr, score_key_result(figures(kr), elapsed), forecast_progress(kr.baseline, kr.target, kr.forecast))
            for kr in krs]
    return [r for r in rows if r.score.status != "on_track"]


@dataclass
class UnitPage:
    unit: Unit
    cycle: Cycle | None
    accountable: list = field(default_factory=list)
    contributing: list = field(default_factory=list)
    incentives: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)


def unit_page(unit: Unit, cycle: Cycle | None, today: date, show_incentives: bool) -> UnitPage:
    page = UnitPage(unit, cycle)
    if cycle is not None:
        elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
        contributing = select(kr_contributors.c.key_result_id).where(kr_contributors.c.unit_id == unit.id)
        krs = db.session.scalars(
            select(KeyResult).join(Objective).where(
                Objective.cycle_id == cycle.id, Objective.retired_at.is_(None), KeyResult.retired_at.is_(None), or_(
                KeyResult.accountable_unit_id == unit.id, KeyResult.id.in_(contributing)))
            .order_by(Objective.rank, KeyResult.id)
            .options(joinedload(KeyResult.objective), joinedload(KeyResult.metric),
                     joinedload(KeyResult.accountable_unit), selectinload(KeyResult.contributors))).unique().all()
        for kr in krs:
            row = (kr, score_key_result(figures(kr), elapsed))
            (page.accountable if kr.accountable_unit_id == unit.id else page.contributing).append(row)
    if show_incentives:
        page.incentives = db.session.scalars(select(Incentive).where(Incentive.unit_id == unit.id)
                                             .options(joinedload(Incentive.metric))
                                             .order_by(Incentive.active.desc(), Incentive.weight.desc())).all()
    page.conflicts = db.session.scalars(
        select(ConflictItem).where(current_items(), visible_items_clause([unit.id]),
                                  ConflictItem.status.in_(OPEN_STATUSES))
        .order_by(ConflictItem.level == "tension", ConflictItem.severity.desc()).limit(20)).all()
    return page


def unit_page_for(user, unit_id: int, today: date) -> UnitPage:
    """The unit page of the current cycle as user may see it: incentives only where allowed, and of
    the unit's conflicts only those user may open (404 for an unknown unit)."""
    unit = db.get_or_404(Unit, unit_id)
    page = unit_page(unit, current_cycle(today), today, policy.can_view_incentives(user, unit))
    visible = visible_item_ids(policy.conflict_unit_scope(user), [i.id for i in page.conflicts])
    page.conflicts = [i for i in page.conflicts if i.id in visible]
    return page


def key_result_page(kr_id: int, today: date):
    kr = db.session.scalar(select(KeyResult).where(KeyResult.id == kr_id).options(
        joinedload(KeyResult.objective).joinedload(Objective.cycle), joinedload(KeyResult.metric),
        joinedload(KeyResult.accountable_unit), selectinload(KeyResult.contributors)))
    if kr is None:
        return None
    cycle = kr.objective.cycle
    history = db.session.scalars(select(CheckIn).where(CheckIn.key_result_id == kr.id)
                                 .order_by(CheckIn.created_at, CheckIn.id).options(joinedload(CheckIn.author))).all()
    score = score_key_result(figures(kr), elapsed_share(cycle.starts_on, cycle.ends_on, today))
    return kr, cycle, history, score


def target_history(kr_id: int) -> list[TargetChange]:
    """Every change of a key result's target, oldest first, with who and why."""
    return db.session.scalars(select(TargetChange).where(TargetChange.key_result_id == kr_id)
                              .options(joinedload(TargetChange.changed_by))
                              .order_by(TargetChange.changed_at, TargetChange.id)).all()
