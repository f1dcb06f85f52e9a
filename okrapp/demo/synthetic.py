"""A synthetic company of any size, written with bulk inserts: for benchmarks and for tests that
check a page's query count does not grow with the organisation."""
import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from okrapp.core.extensions import db
from okrapp.conflicts.rules.items import level_of
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective, kr_contributors
from okrapp.conflicts.models import ConflictItem, ConflictItemClass
from okrapp.okrs.metric_models import Metric
from okrapp.admin.models import Unit
from okrapp.okrs.aggregates import rebuild

CHUNK = 20_000
# the way each customer metric is meant to go, for companies whose key results all point that way
NATURAL_DIRECTIONS = {"csat": 1, "nps": 1, "ces": -1, "churn_rate": -1, "retention_rate": 1, "clv": 1, "revenue": 1}


def build_company(cycle: Cycle, *, units: int, objectives: int, krs_per_objective: int, check_ins_per_kr: int,
                  conflict_items: int = 0, natural_directions: bool = False, seed: int = 7, author_id: int | None = None, unit_prefix: str = "Unit") -> dict:
    """Units (one in ten a partner), ranked objectives, key results on the built-in metrics with
    contributors, weekly-ish check-ins across the cycle, open conflict items; then the
    dashboard's aggregates. Returns the sizes."""
    rng = random.Random(seed)
    keys = list(NATURAL_DIRECTIONS) if natural_directions else ["csat", "nps", "retention_rate", "churn_rate"]
    metrics = db.session.execute(select(Metric.id, Metric.min_value, Metric.max_value, Metric.key)
                                 .where(Metric.key.in_(keys)).order_by(Metric.key)).all()
    unit_ids = _insert_returning_ids(Unit, [
        {"name": f"{unit_prefix} {i:04d}", "kind": "partner" if i % 10 == 9 else "business_unit",
         "description": ""} for i in range(units)])
    objective_ids = _insert_returning_ids(Objective, [
        {"cycle_id": cycle.id, "title": f"Customer objective {i:04d}", "description": "", "rank": i + 1}
        for i in range(objectives)])
    start = datetime.combine(cycle.starts_on, datetime.min.time())
    span = (cycle.ends_on - cycle.starts_on).days
    kr_rows = []
    for objective_id in objective_ids:
        for _ in range(krs_per_objective):
            metric_id, low, high, key = rng.choice(metrics)
            baseline = rng.uniform(20, 60) if high is None or high > 60 else rng.uniform(low, (low + high) / 2)
            way = NATURAL_DIRECTIONS[key] if natural_directions else rng.choice((1, -1))
            target = baseline + rng.uniform(5, 30) * way if high is None or high > 60 else baseline + way * 0.5
            target = min(high, max(low, target)) if high is not None else target
            if target == baseline:
                target = baseline + 1
            kr_rows.append({"objective_id": objective_id, "title": f"Key result {len(kr_rows):05d}",
                            "metric_id": metric_id, "baseline": baseline, "target": target, "current_value": baseline,
                            "accountable_unit_id": rng.choice(unit_ids), "weight": rng.choice((1.0, 1.0, 2.0)),
                            "commitment": rng.choice(("committed", "aspirational")), "version": 1, "progress": 0.0})
    kr_ids = _insert_returning_ids(KeyResult, kr_rows)
    contributions = {(kr_id, u) for kr_id in kr_ids for u in rng.sample(unit_ids, min(2, len(unit_ids)))}
    _bulk(kr_contributors, [{"key_result_id": k, "unit_id": u} for k, u in contributions])
    check_ins, finals = [], {}
    for kr_id, row in zip(kr_ids, kr_rows):
        pace = rng.uniform(-0.2, 1.2)
        for n in range(check_ins_per_kr):
            share = (n + 1) / check_ins_per_kr
            at = start + timedelta(days=span * share * 0.6, hours=n % 24)
            value = row["baseline"] + (row["target"] - row["baseline"]) * pace * share + rng.uniform(-1, 1)
            confidence = rng.randint(2, 10)
            check_ins.append({"key_result_id": kr_id, "value": value, "confidence": confidence, "comment": "",
                              "author_id": author_id, "created_at": at})
            finals[kr_id] = (value, confidence, at)
    _bulk(CheckIn.__table__, check_ins)
    for kr_id, (value, confidence, at) in finals.items():
        db.session.execute(KeyResult.__table__.update().where(KeyResult.id == kr_id).values(
            current_value=value, current_confidence=confidence, last_check_in_at=at))
    item_rows = [{"key": f"synthetic:{unit_prefix}:{i}", "kind": "criterion", "metric_id": metrics[i % len(metrics)][0],
                  "direction": 1, "title": f"Incentive {i} ↑", "summary": "Synthetic.", "explanation": "Synthetic.",
                  "severity": severity, "level": level_of(severity), "kinds": "indirect", "pairs": 1, "tension_pairs": 0,
                  "blocks": "[]", "status": "open", "present": True, "note": "", "first_seen_at": start,
                  "last_seen_at": start, "version": 1}
                 for i, severity in enumerate(rng.random() * 0.3 for _ in range(conflict_items))]
    item_ids = _insert_returning_ids(ConflictItem, item_rows)
    _bulk(ConflictItemClass.__table__, [{"item_id": item_id, "metric_id": row["metric_id"], "direction": direction,
                                         "is_incentive": False, "role": "party"}
                                        for item_id, row in zip(item_ids, item_rows) for direction in (1, -1)])
    db.session.flush()
    weeks = rebuild(cycle)
    return {"units": units, "objectives": objectives, "key_results": len(kr_ids), "check_ins": len(check_ins),
            "conflict_items": conflict_items, "weekly_scores": weeks}


def _bulk(table, rows) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i:i + CHUNK])


def _insert_returning_ids(model, rows) -> list[int]:
    """Insert and read back the new ids in order (portable: no RETURNING with executemany needed)."""
    if not rows:
        return []
    before = db.session.scalar(select(model.id).order_by(model.id.desc()).limit(1)) or 0
    _bulk(model.__table__, rows)
    return list(db.session.scalars(select(model.id).where(model.id > before).order_by(model.id)))
