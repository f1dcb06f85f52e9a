"""Incentives, influence links and proposals. A change asks for a conflict refresh; the scheduler does it."""

import json

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.incentives.rules import TEMPLATE_HEADER, SheetReport, read_kpi_sheet
from okrapp.domain.sheets import MAX_BYTES, MAX_ROWS
from okrapp.core.files.spreadsheets import csv_bytes, xlsx_bytes
from okrapp.core.extensions import db
from okrapp.core import formatting as fmt
from okrapp.core.formatting import change, number_value, percent_value
from okrapp.core import mail, words
from okrapp.core.words import N_, _, ngettext
from okrapp.incentives import periods, plans
from okrapp.incentives.models import Incentive, IncentiveProposal, IncentiveVersion, MetricLink
from okrapp.okrs.metric_models import Metric
from okrapp.admin.models import Unit
from okrapp.admin.operations import units_by_name
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError
from okrapp.core import policy, versioning
from okrapp.core.transaction import operation
from okrapp.conflicts import whatif
from okrapp.conflicts.operations import request_refresh


def save_incentive(incentive: Incentive | None, *, unit: Unit, name: str, metric: Metric, direction: str,
                   weight: float, target: float | None, period: str, note: str, by, source="manual",
                   expected_version: int | None = None) -> Incentive:
    if not 0 < weight <= 1:
        raise ServiceError(_("The weight is a share of the bonus: a number above 0 and at most 1."), field="weight")
    if direction not in ("increase", "decrease"):
        raise ServiceError(_("Choose increase or decrease."), field="direction")
    if incentive is not None:
        versioning.claim(incentive, expected_version, by)
    what = _edit_sentence(incentive, name=name.strip(), weight=weight, target=target, direction=direction,
                          metric=metric) if incentive is not None else ""
    incentive = incentive or Incentive(created_by=by, source=source)
    incentive.unit, incentive.name, incentive.metric = unit, name.strip(), metric
    incentive.direction, incentive.weight, incentive.target = direction, weight, target
    incentive.plan_period = periods.resolve(period)
    incentive.period = incentive.plan_period.name if incentive.plan_period else ""
    incentive.note = note.strip()
    db.session.add(incentive)
    db.session.flush()
    periods.check_incentive(incentive)
    plans.attach(incentive, by)
    from okrapp.reviews.decisions import note_incentive_edit
    note_incentive_edit(incentive, what, by)
    request_refresh()
    return incentive


@operation
def retire_incentive(incentive: Incentive, by, expected_version: int | None = None) -> None:
    versioning.claim(incentive, expected_version, by)
    from okrapp.reviews.decisions import note_incentive_edit
    incentive.active, incentive.retired_at = False, utcnow()
    if incentive.plan is not None:
        plans.changed(incentive.plan, by)
    note_incentive_edit(incentive, json.dumps(change(N_("retired on the Incentives page"))), by)
    db.session.flush()
    request_refresh()


def _edit_sentence(incentive: Incentive, *, name, weight, target, direction, metric) -> str:
    """What an edit changed, kept as facts (core.formatting.change) so each reader sees it worded in their
    language on the incentive's history."""
    parts = []
    if name != incentive.name:
        parts.append(change(N_("renamed “%(old)s” → “%(new)s”"), old=incentive.name, new=name))
    if metric.id != incentive.metric_id or direction != incentive.direction:
        parts.append(change(N_("rewards raising %(metric)s") if direction == "increase"
                            else N_("rewards lowering %(metric)s"), metric=metric.name))
    if weight != incentive.weight:
        parts.append(change(N_("bonus share %(old)s → %(new)s"), old=percent_value(incentive.weight),
                            new=percent_value(weight)))
    if target != incentive.target:
        parts.append(change(N_("target %(old)s → %(new)s"), old=number_value(incentive.target),
                            new=number_value(target)))
    return json.dumps(change(N_("edited: %(changes)s"), changes=parts)) if parts else ""


def preview_sheet(data: bytes, period: str = "") -> SheetReport:
    """Every problem of every row, and each unit's bonus total with its active incentives in plan
    periods overlapping the sheet's. An unknown period is the file's problem, said first."""
    try:
        span = periods.span(periods.known(period))
    except ServiceError as error:
        return SheetReport((), ((0, error.message),), ",")
    units = set(db.session.scalars(select(Unit.name)))
    metrics = set(db.session.scalars(select(Metric.key)))
    existing = tuple(periods.stored_plan())
    max_bytes, max_rows = sheet_limits()
    return read_kpi_sheet(data, units, metrics, existing, max_bytes=max_bytes, max_rows=max_rows, span=span)


def sheet_what_if(report: SheetReport, period: str = ""):
    """What the previewed sheet would do to conflicts (conflicts.whatif), once it reads cleanly."""
    if not report.ok or not report.rows:
        return None
    rows = [whatif.Row(row.unit, row.name, row.metric, row.direction, row.weight) for row in report.rows]
    return whatif.for_sheet(periods.known(period), rows)


def sheet_limits() -> tuple[int, int]:
    """Bytes and rows an uploaded sheet may have (OKRAPP_IMPORT_MAX_BYTES / _ROWS override)."""
    return (current_app.config.get("OKRAPP_IMPORT_MAX_BYTES", MAX_BYTES),
            current_app.config.get("OKRAPP_IMPORT_MAX_ROWS", MAX_ROWS))


def import_sheet(data: bytes, by, period: str = "") -> int:
    """All rows or none: the sheet is validated again, as it may have changed since the preview, and
    once more with its units held, so that two imports at once cannot both fill a unit's bonus.
    One bulk INSERT however long the sheet, then one refresh of the findings. Returns the count."""
    report = preview_sheet(data, period)
    if report.ok:
        periods.hold_units({row.unit for row in report.rows})
        report = preview_sheet(data, period)
    if not report.ok:
        problems = len(report.problems)
        raise ServiceError(ngettext("The sheet has %(num)s problem; nothing was imported.",
                                    "The sheet has %(num)s problems; nothing was imported.", problems,
                                    num=fmt.number(problems)))
    units = dict(db.session.execute(select(Unit.name, Unit.id)).all())
    metrics = dict(db.session.execute(select(Metric.key, Metric.id)).all())
    now = utcnow()
    plan_period = periods.resolve(period)
    plan_ids = plans.attach_imported({units[row.unit] for row in report.rows}, plan_period, by)
    db.session.execute(insert(Incentive), [
        {"unit_id": units[row.unit], "name": row.name, "metric_id": metrics[row.metric], "direction": row.direction,
         "weight": row.weight, "target": row.target, "period": plan_period.name if plan_period else "",
         "period_id": plan_period.id if plan_period else None, "plan_id": plan_ids.get(units[row.unit]),
         "source": "import",
         "created_by_id": by.id if by else None, "created_at": now, "active": True,
         "note": _("Imported from a KPI sheet, line %(line)s.", line=row.line)} for row in report.rows])
    db.session.flush()
    request_refresh()
    return len(report.rows)


def sheet_template(kind: str) -> bytes:
    """An example sheet to fill in: the columns, two rows, UTF-8 with BOM (Excel opens it right)."""
    rows = [list(TEMPLATE_HEADER), ["Equipment Sales", "Orders per sales rep", "revenue", "increase", "40 %", "1 200"],
            ["Customer Service", "Handling time", "csat", "decrease", "0,25", ""]]
    if kind == "xlsx":
        return xlsx_bytes(rows, "KPIs")
    return csv_bytes(rows, delimiter=";")


def save_link(link: MetricLink | None, *, source: Metric, target: Metric, sign: int, strength: float,
              rationale: str, by, expected_version: int | None = None) -> MetricLink:
    if source.id == target.id:
        raise ServiceError(_("A metric cannot influence itself."), field="target")
    if not 0 < strength <= 1:
        raise ServiceError(_("Strength is above 0 and at most 1."), field="strength")
    clash = db.session.scalar(select(MetricLink).where(MetricLink.source_id == source.id,
                                                       MetricLink.target_id == target.id))
    if clash is not None and clash is not link:
        raise ServiceError(_("There is already a link from %(source)s to %(target)s; edit that one.",
                             source=source.name, target=target.name), field="target")
    if link is not None:
        versioning.claim(link, expected_version, by)
    link = link or MetricLink()
    link.source, link.target, link.sign, link.strength = source, target, sign, strength
    link.rationale, link.updated_by, link.updated_at = rationale.strip(), by, utcnow()
    db.session.add(link)
    db.session.flush()
    request_refresh()
    return link


@operation
def delete_link(link: MetricLink, by, expected_version: int | None = None) -> None:
    versioning.claim(link, expected_version, by)
    db.session.delete(link)
    db.session.flush()
    request_refresh()


def propose(unit: Unit, text: str, by, incentive: Incentive | None = None, *, change: str = "other",
            new_weight=None, new_target=None, guard_metric=None, guard_comparator="", guard_threshold=None,
            effective_on=None) -> IncentiveProposal:
    """A unit leader's proposal: checked like the decision it asks for, mailed to the executives,
    and put on the next review's agenda."""
    from okrapp.reviews import decisions
    if not text.strip():
        raise ServiceError(_("Say why you propose the change."), field="text")
    if change != "other":
        if incentive is None or incentive.unit_id != unit.id:
            raise ServiceError(_("Choose one of %(unit)s's incentives.", unit=unit.name), field="incentive")
        decisions.check_incentive_change(change, new_weight, new_target, guard_metric, guard_comparator, guard_threshold)
        effective_on = decisions.check_effective_date(effective_on)
    proposal = IncentiveProposal(unit=unit, incentive=incentive, text=text.strip(), proposed_by=by,
                                 proposed_at=utcnow(), change="" if change == "other" else change,
                                 new_weight=new_weight if change == "weight" else None,
                                 new_target=new_target if change == "target" else None,
                                 guard_metric_id=guard_metric.id if change == "guardrail" else None,
                                 guard_comparator=guard_comparator if change == "guardrail" else "",
                                 guard_threshold=guard_threshold if change == "guardrail" else None,
                                 effective_on=effective_on if change != "other" else None)
    db.session.add(proposal)
    db.session.flush()
    decisions.notify_executives_of_proposal(proposal)
    return proposal


@operation
def decide_proposal(proposal: IncentiveProposal, accepted: bool, answer: str, by) -> None:
    """Outside a review a proposal can only be declined: accepting one changes an incentive, which
    is a decision of the priority review, recorded there."""
    if proposal.status != "open":
        raise ServiceError(_("This proposal has already been decided."))
    if accepted:
        raise ServiceError(_("Accept a proposal in a priority review: it is on the next agenda, and accepting it "
                             "there applies the change."))
    proposal.status = "declined"
    from okrapp.reviews.decisions import _tell
    with words.using(mail.reader_locale(proposal.proposed_by)):  # the notice in its reader's language
        _tell(proposal.proposed_by, f"proposal:{proposal.id}:declined", _("Your proposal was declined"),
              [_("Your proposal for %(unit)s was declined.", unit=proposal.unit.name),
               _("Why: %(answer)s", answer=answer.strip() or "—")],
              f"/incentives#unit-{proposal.unit_id}")
    proposal.answer, proposal.decided_by, proposal.decided_at = answer.strip(), by, utcnow()
    db.session.flush()


# What the pages load and save. Each save below is one unit of work for a view to call; save_incentive,
# save_link and propose join their caller's, so reviews, tests and the demo can compose them.

def incentive_or_404(incentive_id: int) -> Incentive:
    return db.get_or_404(Incentive, incentive_id)


def link_or_404(link_id: int) -> MetricLink:
    return db.get_or_404(MetricLink, link_id)


def proposal_or_404(proposal_id: int) -> IncentiveProposal:
    return db.get_or_404(IncentiveProposal, proposal_id)


def metrics_by_name() -> list[Metric]:
    return db.session.scalars(select(Metric).order_by(Metric.name)).all()


def incentives_page(user) -> dict:
    """The incentives and proposals of the units user may see, grouped by unit, and the metrics a
    proposal may guard with: four queries whatever their number."""
    units = [u for u in db.session.scalars(select(Unit).order_by(Unit.name)) if policy.can_view_incentives(user, u)]
    visible = [u.id for u in units]
    items = db.session.scalars(
        select(Incentive).where(Incentive.unit_id.in_(visible))
        .options(joinedload(Incentive.metric), joinedload(Incentive.unit), joinedload(Incentive.guard_metric),
                 joinedload(Incentive.plan), selectinload(Incentive.versions).joinedload(IncentiveVersion.changed_by))
        .order_by(Incentive.active.desc(), Incentive.weight.desc())).all()
    proposals = db.session.scalars(
        select(IncentiveProposal).where(IncentiveProposal.unit_id.in_(visible))
        .options(joinedload(IncentiveProposal.proposed_by), joinedload(IncentiveProposal.unit),
                 joinedload(IncentiveProposal.incentive), joinedload(IncentiveProposal.guard_metric))
        .order_by(IncentiveProposal.status != "open", IncentiveProposal.proposed_at.desc())).all()
    by_unit = {u.id: [] for u in units}
    for item in items:
        by_unit[item.unit_id].append(item)
    return {"units": units, "by_unit": by_unit, "proposals": proposals, "metrics": metrics_by_name(),
            "plans": plans.plans(visible, coming=True)}


def incentive_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """(id, name) of every unit and (id, name, unit) of every metric, as plain rows: 200 units need
    not become 200 objects on every save."""
    units = [tuple(row) for row in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.name))]
    metrics = [tuple(row) for row in db.session.execute(select(Metric.id, Metric.name, Metric.unit)
                                                        .order_by(Metric.name))]
    return units, metrics


def import_choices() -> tuple[list[Metric], list[Unit]]:
    """The metric keys and unit names the import page lists."""
    return metrics_by_name(), units_by_name()


def proposal_choices(unit: Unit) -> tuple[dict[int, Incentive], dict[int, Metric]]:
    """By id: the unit's active incentives a proposal may change, and the metrics it may guard with."""
    own = {i.id: i for i in db.session.scalars(select(Incentive).where(Incentive.unit_id == unit.id,
                                                                       Incentive.active.is_(True)))}
    return own, {m.id: m for m in metrics_by_name()}


def links_by_metric() -> dict[Metric, list[MetricLink]]:
    """Every influence link under its source metric, by name, the strongest first."""
    items = db.session.scalars(select(MetricLink).options(joinedload(MetricLink.source), joinedload(MetricLink.target),
                                                          joinedload(MetricLink.updated_by))).all()
    by_metric = {}
    for link in sorted(items, key=lambda l: (l.source.name, -l.strength)):
        by_metric.setdefault(link.source, []).append(link)
    return by_metric


@operation
def submit_incentive(incentive: Incentive | None, *, unit_id: int, metric_id: int, **fields) -> Incentive:
    """The incentive form's save, with the unit and metric it chose (see save_incentive)."""
    unit = db.session.get(Unit, unit_id)
    return save_incentive(incentive, unit=unit, metric=db.session.get(Metric, metric_id), **fields)


@operation
def submit_link(link: MetricLink | None, *, source_id: int, target_id: int, **fields) -> MetricLink:
    """The influence link form's save, with the metrics it chose (see save_link)."""
    source = db.session.get(Metric, source_id)
    return save_link(link, source=source, target=db.session.get(Metric, target_id), **fields)


@operation
def submit_proposal(unit: Unit, text: str, by, incentive: Incentive | None = None, **change) -> IncentiveProposal:
    """A unit leader's proposal from the Incentives page (see propose)."""
    return propose(unit, text, by, incentive, **change)
