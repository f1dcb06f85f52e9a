"""Writing objectives, key results and check-ins."""
import re
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from okrapp.domain import metrics as metric_rules
from okrapp.domain.check_ins import Path, implausible
from okrapp.domain.scoring import progress
from okrapp.core.extensions import db
from okrapp.okrs.models import CREATED, EDITED_ON_PAGE, CheckIn, Cycle, KeyResult, Objective, RankChange, TargetChange
from okrapp.okrs.metric_models import Metric
from okrapp.accounts.models import User
from okrapp.admin.models import Unit
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import NeedsConfirmation, ServiceError, StaleEdit
from okrapp.okrs import aggregates, metric_weeks
from okrapp.okrs.rules import moves_the_company
from okrapp.core.formatting import percent
from okrapp.core import versioning
from okrapp.core.transaction import operation
from okrapp.integrations import events
from okrapp.core.words import N_, _
from okrapp.conflicts.operations import request_refresh


def create_objective(cycle: Cycle, title: str, description: str, by: User) -> Objective:
    rank = (db.session.scalar(select(func.max(Objective.rank)).where(Objective.cycle_id == cycle.id)) or 0) + 1
    objective = Objective(cycle=cycle, title=title.strip(), description=description.strip(), rank=rank,
                          created_by=by)
    objective.rank_changes.append(RankChange(old_rank=None, new_rank=rank, changed_by=by, reason=CREATED))
    db.session.add(objective)
    db.session.flush()
    return objective


def update_objective(objective: Objective, title: str, description: str, by: User | None = None,
                     expected_version: int | None = None) -> None:
    versioning.claim(objective, expected_version, by)
    objective.title, objective.description = title.strip(), description.strip()
    db.session.flush()


def move_objective(objective: Objective, new_rank: int, by: User, reason: str = "") -> list[RankChange]:
    """Put objective at new_rank (clamped), renumber the cycle 1..n and record every change."""
    siblings = list(db.session.scalars(
        select(Objective).where(Objective.cycle_id == objective.cycle_id).order_by(Objective.rank, Objective.id)))
    siblings.remove(objective)
    position = min(max(new_rank, 1), len(siblings) + 1) - 1
    siblings.insert(position, objective)
    changes = []
    for rank, item in enumerate(siblings, start=1):
        if item.rank != rank:
            change = RankChange(objective=item, old_rank=item.rank, new_rank=rank, changed_by=by,
                                changed_at=utcnow(), reason=reason)
            item.rank = rank
            db.session.add(change)
            changes.append(change)
    db.session.flush()
    return changes


def carry_forward(objective: Objective, cycle: Cycle, by: User) -> tuple[Objective, list[KeyResult]]:
    """Copy objective into cycle; last values become baselines. Reached results stay behind
    (their baseline would equal or pass the target and flip its direction)."""
    if cycle.id == objective.cycle_id:
        raise ServiceError(_("Choose a different cycle to carry the objective into."), field="cycle")
    already = db.session.scalar(select(Objective.id).where(
        Objective.carried_from_id == objective.id, Objective.cycle_id == cycle.id))
    if already:
        raise ServiceError(_("This objective was already carried into %(cycle)s.", cycle=cycle.name), field="cycle")
    copy = create_objective(cycle, objective.title, objective.description, by)
    copy.carried_from_id = objective.id
    left_behind = []
    for kr in objective.key_results:
        if progress(kr.baseline, kr.target, kr.current_value) >= 1.0:
            left_behind.append(kr)
            continue
        copy.key_results.append(KeyResult(
            title=kr.title, metric=kr.metric, baseline=kr.current_value, target=kr.target,
            current_value=kr.current_value, current_confidence=None, accountable_unit=kr.accountable_unit,
            contributors=list(kr.contributors), weight=kr.weight, commitment=kr.commitment, updated_by=by,
            progress=0.0))
    db.session.flush()
    aggregates.objective_changed(copy)
    request_refresh()
    return copy, left_behind


def retire_objective(objective: Objective, by: User, expected_version: int | None = None) -> Objective:
    """Kept with its key results and their history, no longer listed, scored or scanned for conflicts."""
    versioning.claim(objective, expected_version, by)
    if objective.retired_at is None:
        objective.retired_at = utcnow()
    db.session.flush()
    request_refresh()
    return objective


def retire_key_result(kr: KeyResult, by: User, expected_version: int | None = None) -> KeyResult:
    """Kept with its history; its objective is scored without it and the conflict scan skips it."""
    _ensure_fresh(kr, expected_version)
    if kr.retired_at is None:
        kr.retired_at = utcnow()
    kr.updated_by, kr.updated_at = by, utcnow()
    _flush(kr)
    aggregates.objective_changed(kr.objective)
    request_refresh()
    return kr


VALUE_LABELS = {"baseline": N_("Baseline"), "target": N_("Target"), "value": N_("Value")}  # translated when shown


def check_metric_values(metric: Metric, **values: float) -> None:
    for field, value in values.items():
        if metric.is_milestone:
            problem = metric_rules.milestone_problem(value)
        else:
            problem = metric_rules.range_problem(value, metric.min_value, metric.max_value,
                                                 label=_(VALUE_LABELS.get(field, field)))
        if problem:
            raise ServiceError(_("%(problem)s (%(metric)s).", problem=problem, metric=metric.label), field=field)


def save_key_result(kr: KeyResult | None, objective: Objective, *, title, metric: Metric, baseline, target,
                    accountable_unit, contributors, weight, commitment, by: User,
                    expected_version: int | None = None, value_source=...) -> KeyResult:
    """value_source (when given): the source whose pushed values of this metric become check-ins."""
    if metric.is_milestone:
        baseline, target = 0.0, 1.0
    if baseline == target:
        raise ServiceError(_("The target must differ from the baseline."), field="target")
    check_metric_values(metric, baseline=baseline, target=target)
    if kr is None:
        kr = KeyResult(objective=objective, current_value=baseline)
        db.session.add(kr)
    else:
        _ensure_fresh(kr, expected_version)
        has_history = kr.last_check_in_at is not None
        if has_history and kr.metric_id != metric.id:
            raise ServiceError(_("The metric of a key result with check-ins cannot change; create a new key result."),
                               field="metric")
        if not has_history:
            kr.current_value = baseline  # nothing measured yet: the value is still the baseline
    if kr.id is not None and kr.target != target:
        db.session.add(TargetChange(key_result_id=kr.id, old_target=kr.target, new_target=target,
                                    reason=EDITED_ON_PAGE, changed_at=utcnow(), changed_by_id=by.id))
    kr.title, kr.metric, kr.baseline, kr.target = title.strip(), metric, baseline, target
    kr.accountable_unit = accountable_unit
    kr.contributors = [u for u in contributors if u.id != accountable_unit.id]
    kr.weight, kr.commitment = weight, commitment
    if value_source is not ...:
        kr.value_source = (value_source or "").strip()[:80] or None
    kr.updated_by, kr.updated_at = by, utcnow()
    _flush(kr)
    aggregates.key_result_changed(kr)
    request_refresh()
    return kr


def record_check_in(kr: KeyResult, value: float, confidence: int, comment: str, author: User,
                    expected_version: int | None = None, confirmed: bool = False, at=None,
                    source: str = "") -> CheckIn:
    """A new point in the key result's history. A value far off its path needs confirmed=True
    (NeedsConfirmation otherwise), so a typo does not become history unnoticed."""
    _ensure_fresh(kr, expected_version)
    if not 0 <= confidence <= 10:
        raise ServiceError(_("Confidence must be between 0 and 10."), field="confidence")
    check_metric_values(kr.metric, value=value)
    if not confirmed:
        _ask_if_implausible(kr, value)
    now = utcnow()
    check_in = CheckIn(key_result=kr, value=value, confidence=confidence, comment=comment.strip(),
                       author=author, created_at=at or now, recorded_at=now, source=source)
    db.session.add(check_in)
    db.session.flush()
    kr.updated_by, kr.updated_at = author, now
    was = events.key_result_status(kr)
    refresh_current(kr)
    _flush(kr)
    events.key_result_checked(kr, was)  # at risk now: webhooks and the unit's chat channels hear of it
    aggregates.key_result_changed(kr)
    if not source:  # a pushed value is counted once, as a metric value (okrs.metric_values)
        metric_weeks.note_value(kr.metric_id, at or now, value)
    return check_in


def _ask_if_implausible(kr: KeyResult, value: float, current: float | None = None) -> None:
    reason = implausible(value, Path(kr.baseline, kr.target, kr.current_value if current is None else current,
                                     kr.metric.min_value, kr.metric.max_value))
    if reason:
        raise NeedsConfirmation(_("Please check the value: %(reason)s Confirm if it is right.", reason=reason), field="value")


def correct_check_in(original: CheckIn, value: float, reason: str, by: User, confirmed: bool = False,
                     expected_version: int | None = None) -> CheckIn:
    """Replace a check-in's value at the same point in time. Both stay in the history: the
    original marked superseded, the correction with who, when and why. Progress, forecast and
    the weekly scores are recomputed from the corrected history."""
    kr = original.key_result
    _ensure_fresh(kr, expected_version)
    if original.superseded_at is not None:
        raise ServiceError(_("This check-in was corrected already; correct the correction instead."))
    if not reason.strip():
        raise ServiceError(_("Say why the value is corrected."), field="reason")
    check_metric_values(kr.metric, value=value)
    if not confirmed:
        _ask_if_implausible(kr, value, current=_value_before(original))
    before = _company_score(kr.objective.cycle_id)
    now = utcnow()
    original.superseded_at = now
    correction = CheckIn(key_result=kr, value=value, confidence=original.confidence, comment=reason.strip(),
                         author=by, created_at=original.created_at, recorded_at=now, corrects=original,
                         source=original.source)
    db.session.add(correction)
    db.session.flush()
    kr.updated_by, kr.updated_at = by, now
    refresh_current(kr)
    _flush(kr)
    aggregates.key_result_changed(kr)
    aggregates.rebuild_objectives([kr.objective], kr.objective.cycle)
    after = _company_score(kr.objective.cycle_id)
    if not confirmed and moves_the_company(before, after):  # raising rolls the correction back
        raise NeedsConfirmation(_("This correction moves the company's customer score from %(before)s to %(after)s. "
                                  "Confirm if it is right.", before=percent(before), after=percent(after)), field="value")
    if not original.source:
        metric_weeks.replace_value(kr.metric_id, original.created_at, original.value, value)
    return correction


def _company_score(cycle_id: int) -> float | None:
    """The dashboard's overall customer score of a cycle: the mean of its objectives' scores."""
    db.session.flush()
    return db.session.scalar(select(func.avg(Objective.score)).where(Objective.cycle_id == cycle_id))


def _value_before(check_in: CheckIn) -> float:
    """What the key result stood at before check_in: the wrong value is no yardstick for its fix."""
    previous = db.session.scalar(select(CheckIn.value).where(
        CheckIn.key_result_id == check_in.key_result_id, CheckIn.superseded_at.is_(None), CheckIn.id != check_in.id,
        CheckIn.created_at <= check_in.created_at).order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1))
    return check_in.key_result.baseline if previous is None else previous


def refresh_current(kr: KeyResult) -> None:
    """The row's current value is the latest effective check-in (a correction may change it)."""
    latest = db.session.scalar(select(CheckIn).where(CheckIn.key_result_id == kr.id, CheckIn.superseded_at.is_(None))
                               .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1))
    if latest is None:
        kr.current_value, kr.current_confidence, kr.last_check_in_at = kr.baseline, None, None
    else:
        kr.current_value, kr.current_confidence, kr.last_check_in_at = (latest.value, latest.confidence,
                                                                        latest.created_at)


def stale_message(kr: KeyResult) -> str:
    return versioning.stale_message(kr.title, kr.updated_by.name if kr.updated_by else None, kr.updated_at)


def _ensure_fresh(kr: KeyResult, expected_version: int | None) -> None:
    if expected_version is not None and kr.version != expected_version:
        raise StaleEdit(stale_message(kr))


def _flush(kr: KeyResult) -> None:
    """The version column also catches a save that raced past _ensure_fresh in another process."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(KeyResult, kr.id)
        raise StaleEdit(stale_message(fresh)) from None


def metric_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:64] or "metric"


def create_metric(name: str, unit: str, min_value: float | None, max_value: float | None) -> Metric:
    name = name.strip()
    key = metric_key(name)
    if versioning.taken(Metric, Metric.name, name) or db.session.scalar(select(Metric.id).where(Metric.key == key)):
        raise ServiceError(_("A metric named %(name)s already exists.", name=name), field="name")
    if min_value is not None and max_value is not None and min_value >= max_value:
        raise ServiceError(_("The minimum must be below the maximum."), field="max_value")
    metric = Metric(key=key, name=name, unit=unit.strip(), min_value=min_value, max_value=max_value,
                    kind="numeric", builtin=False)
    db.session.add(metric)
    db.session.flush()
    return metric


# What the pages load and save. Each save below is one unit of work for a view to call; the
# functions above join their caller's, so the API, the CLI, jobs and reviews can compose them.

def objective_or_404(objective_id: int) -> Objective:
    return db.get_or_404(Objective, objective_id)


def key_result_or_404(kr_id: int) -> KeyResult:
    return db.get_or_404(KeyResult, kr_id)


def check_in_or_404(check_in_id: int) -> CheckIn:
    return db.get_or_404(CheckIn, check_in_id)


def saved_key_result(kr_id: int) -> KeyResult | None:
    """The key result as saved now, read after a stale save rolled back: the form shows it and carries
    its version, so saving again is deliberate."""
    return db.session.get(KeyResult, kr_id)


def metric_catalogue() -> list[Metric]:
    """Every metric, the built-in ones first."""
    return db.session.scalars(select(Metric).order_by(Metric.builtin.desc(), Metric.name)).all()


def key_result_choices() -> tuple[list[Metric], list[Unit]]:
    """The metrics and units a key result form offers, one query each."""
    return metric_catalogue(), db.session.scalars(select(Unit).order_by(Unit.name)).all()


@operation
def add_objective(cycle_id: int, title: str, description: str, by: User) -> Objective:
    """The new-objective page's save; the cycle is one the form offered."""
    return create_objective(db.session.get(Cycle, cycle_id), title, description, by)


@operation
def rank_objective(objective: Objective, new_rank: int, by: User, reason: str = "") -> list[RankChange]:
    """The scoreboard's move (a review's moves join the review's own save instead)."""
    return move_objective(objective, new_rank, by, reason)


@operation
def carry_objective(objective: Objective, cycle_id: int, by: User) -> tuple[Objective, list[KeyResult]]:
    """Carry objective into the chosen cycle; a refusal leaves nothing half-copied."""
    return carry_forward(objective, db.session.get(Cycle, cycle_id), by)


@operation
def submit_key_result(kr: KeyResult | None, objective: Objective, **fields) -> KeyResult:
    """The key result form's save (see save_key_result)."""
    return save_key_result(kr, objective, **fields)


@operation
def submit_check_in(kr: KeyResult, value: float, confidence: int, comment: str, author: User,
                    **options) -> CheckIn:
    """The check-in page's save (see record_check_in)."""
    return record_check_in(kr, value, confidence, comment, author, **options)


@operation
def submit_correction(original: CheckIn, value: float, reason: str, by: User, **options) -> CheckIn:
    """The correction page's save (see correct_check_in)."""
    return correct_check_in(original, value, reason, by, **options)


@operation
def add_metric(name: str, unit: str, min_value: float | None, max_value: float | None) -> Metric:
    """The new-metric page's save (the demo and benches call create_metric inside their own)."""
    return create_metric(name, unit, min_value, max_value)
