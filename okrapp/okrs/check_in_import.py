"""A sheet of check-ins: preview every row, then record them all or none."""
from collections import defaultdict
from datetime import datetime, time, timedelta


from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.core import policy
from okrapp.okrs.rules import TEMPLATE_HEADER, CheckInSheet, Target, read_check_in_sheet
from okrapp.domain.check_ins import Path
from okrapp.core.files.spreadsheets import csv_bytes, xlsx_bytes
from okrapp.core.extensions import db
from okrapp.okrs.models import CheckIn, KeyResult, Objective
from okrapp.core.timeutil import local_today, utcnow
from okrapp.core.errors import ServiceError
from okrapp.okrs import aggregates
from okrapp.incentives.operations import sheet_limits
from okrapp.okrs.operations import refresh_current
from okrapp.core.words import _, ngettext

DEFAULT_CONFIDENCE = 5
HISTORY_YEARS = 3


def _key_results():
    return db.session.scalars(select(KeyResult).options(
        joinedload(KeyResult.metric), joinedload(KeyResult.accountable_unit), selectinload(KeyResult.contributors),
        joinedload(KeyResult.objective).joinedload(Objective.cycle))).unique().all()


def preview(data: bytes, user) -> CheckInSheet:
    krs = _key_results()
    targets = {kr.id: Target(kr.id, kr.title, Path(kr.baseline, kr.target, kr.current_value, kr.metric.min_value,
                                                   kr.metric.max_value),
                             policy.can_check_in(user, kr), kr.metric.is_milestone) for kr in krs}
    today = local_today()
    max_bytes, max_rows = sheet_limits()
    return read_check_in_sheet(data, targets, today, today - timedelta(days=365 * HISTORY_YEARS), max_bytes, max_rows)


def import_check_ins(data: bytes, user) -> int:
    """All rows or none, checked again. Each key result's figures are refreshed once, and the
    weekly scores of objectives that got back-dated points are rebuilt."""
    report = preview(data, user)
    if not report.ok:
        raise ServiceError(ngettext("The sheet has %(num)s problem; nothing was imported.",
                                    "The sheet has %(num)s problems; nothing was imported.", len(report.problems)))
    krs = {kr.id: kr for kr in _key_results()}
    now = utcnow()
    touched, backdated = set(), set()
    for row in report.rows:
        kr = krs[row.key_result_id]
        at = datetime.combine(row.on, time(12)) if row.on else now
        confidence = row.confidence if row.confidence is not None else (
            kr.current_confidence if kr.current_confidence is not None else DEFAULT_CONFIDENCE)
        db.session.add(CheckIn(key_result=kr, value=row.value, confidence=confidence,
                               comment=row.comment or _("Imported from a sheet, line %(line)s.", line=row.line), author=user,
                               created_at=at, recorded_at=now))
        touched.add(kr.id)
        if row.on:
            backdated.add(kr.objective_id)
    db.session.flush()
    for kr_id in touched:
        kr = krs[kr_id]
        refresh_current(kr)
        kr.updated_by, kr.updated_at = user, now
        aggregates.key_result_changed(kr)
    by_cycle = defaultdict(dict)
    for kr in krs.values():
        if kr.objective_id in backdated:
            by_cycle[kr.objective.cycle][kr.objective_id] = kr.objective
    for cycle, objectives in by_cycle.items():
        aggregates.rebuild_objectives(list(objectives.values()), cycle)
    db.session.flush()
    return len(report.rows)


def template(kind: str) -> bytes:
    rows = [list(TEMPLATE_HEADER), ["12", "3 475 000,5", local_today().isoformat(), 7, _("From the ledger")]]
    return xlsx_bytes(rows, _("Check-ins")) if kind == "xlsx" else csv_bytes(rows, delimiter=";")
