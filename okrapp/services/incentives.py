"""Incentives, influence links and proposals. Every change refreshes the conflict findings."""
from sqlalchemy import select

from ..domain.kpi_sheet import SheetReport, read_kpi_sheet
from ..extensions import db
from ..models import Incentive, IncentiveProposal, Metric, MetricLink, Unit
from ..timeutil import utcnow
from . import ServiceError
from .conflicts import refresh_findings


def save_incentive(incentive: Incentive | None, *, unit: Unit, name: str, metric: Metric, direction: str,
                   weight: float, target: float | None, period: str, note: str, by, source="manual") -> Incentive:
    if not 0 < weight <= 1:
        raise ServiceError("The weight is a share of the bonus: a number above 0 and at most 1.", field="weight")
    if direction not in ("increase", "decrease"):
        raise ServiceError("Choose increase or decrease.", field="direction")
    incentive = incentive or Incentive(created_by=by, source=source)
    incentive.unit, incentive.name, incentive.metric = unit, name.strip(), metric
    incentive.direction, incentive.weight, incentive.target = direction, weight, target
    incentive.period, incentive.note = period.strip(), note.strip()
    db.session.add(incentive)
    db.session.flush()
    refresh_findings(by)
    return incentive


def retire_incentive(incentive: Incentive, by) -> None:
    incentive.active, incentive.retired_at = False, utcnow()
    db.session.flush()
    refresh_findings(by)


def preview_sheet(data: bytes) -> SheetReport:
    units = set(db.session.scalars(select(Unit.name)))
    metrics = set(db.session.scalars(select(Metric.key)))
    report = read_kpi_sheet(data, units, metrics)
    existing = {(u.lower(), n.lower()) for u, n in db.session.execute(
        select(Unit.name, Incentive.name).join(Incentive.unit).where(Incentive.active.is_(True)))}
    clashes = tuple((row.line, f"{row.unit} already has an active incentive “{row.name}”")
                    for row in report.rows if (row.unit.lower(), row.name.lower()) in existing)
    if clashes:
        return SheetReport(report.rows, report.problems + clashes, report.delimiter)
    return report


def import_sheet(data: bytes, by, period: str = "") -> list[Incentive]:
    """All rows or none: the sheet is validated again, as it may have changed since the preview."""
    report = preview_sheet(data)
    if not report.ok:
        raise ServiceError(f"The sheet has {len(report.problems)} problem(s); nothing was imported.")
    units = {u.name: u for u in db.session.scalars(select(Unit))}
    metrics = {m.key: m for m in db.session.scalars(select(Metric))}
    created = []
    for row in report.rows:
        incentive = Incentive(unit=units[row.unit], name=row.name, metric=metrics[row.metric], direction=row.direction,
                              weight=row.weight, target=row.target, period=period, source="import", created_by=by,
                              note=f"Imported from a KPI sheet, line {row.line}.")
        db.session.add(incentive)
        created.append(incentive)
    db.session.flush()
    refresh_findings(by)
    return created


def save_link(link: MetricLink | None, *, source: Metric, target: Metric, sign: int, strength: float,
              rationale: str, by) -> MetricLink:
    if source.id == target.id:
        raise ServiceError("A metric cannot influence itself.", field="target")
    if not 0 < strength <= 1:
        raise ServiceError("Strength is above 0 and at most 1.", field="strength")
    clash = db.session.scalar(select(MetricLink).where(MetricLink.source_id == source.id,
                                                       MetricLink.target_id == target.id))
    if clash is not None and clash is not link:
        raise ServiceError(f"There is already a link from {source.name} to {target.name}; edit that one.",
                           field="target")
    link = link or MetricLink()
    link.source, link.target, link.sign, link.strength = source, target, sign, strength
    link.rationale, link.updated_by, link.updated_at = rationale.strip(), by, utcnow()
    db.session.add(link)
    db.session.flush()
    refresh_findings(by)
    return link


def delete_link(link: MetricLink, by) -> None:
    db.session.delete(link)
    db.session.flush()
    refresh_findings(by)


def propose(unit: Unit, text: str, by, incentive: Incentive | None = None) -> IncentiveProposal:
    if not text.strip():
        raise ServiceError("Describe the change you propose.", field="text")
    proposal = IncentiveProposal(unit=unit, incentive=incentive, text=text.strip(), proposed_by=by,
                                 proposed_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    return proposal


def decide_proposal(proposal: IncentiveProposal, accepted: bool, answer: str, by) -> None:
    if proposal.status != "open":
        raise ServiceError("This proposal has already been decided.")
    proposal.status = "accepted" if accepted else "declined"
    proposal.answer, proposal.decided_by, proposal.decided_at = answer.strip(), by, utcnow()
    db.session.flush()
