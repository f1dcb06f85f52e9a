"""What a plan would do to conflicts, before anyone signs it: the same engine as the scan, run on the
set of incentives the organisation would have with the plan (a sheet not yet imported, or a coming
plan as stored), compared with the items detected today.

An item the would-be set still has is *unchanged* unless the plan's rows take part in it; then, and for
any item today's scan does not have, the plan *opens* it. An item of today's the would-be set no longer
has, the plan (or the end of the period it replaces) *settles*. So opened and unchanged together are
exactly what the scan will find once the plan is in effect."""
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from okrapp.admin.models import Unit
from okrapp.conflicts.goals import GoalInfo, database_scenario
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.conflicts.rules import detection as rules
from okrapp.conflicts.rules import items as grouping_rules
from okrapp.core.extensions import db
from okrapp.core import formatting as fmt
from okrapp.core.words import _, ngettext
from okrapp.domain.pairing import Unpaired, unpaired
from okrapp.incentives import pairs as metric_pairs
from okrapp.incentives.models import BonusPlan, PlanPeriod
from okrapp.incentives.periods import is_coming


@dataclass(frozen=True)
class Row:
    """A plan row not yet stored: a line of a sheet."""
    unit: str
    name: str
    metric: str  # key
    direction: str  # increase / decrease
    weight: float


@dataclass(frozen=True)
class Change:
    key: str
    title: str
    level: str
    severity: float
    why: str  # the strongest block's explanation, as the conflicts page words it
    against: tuple[str, ...]  # "On-time delivery rate, shared with Nordic Last Mile Oy"
    detected_today: bool
    item_id: int | None  # today's item, to open it


@dataclass
class WhatIf:
    period: str  # "2027", or "today" for a sheet of a period already running
    opens: list[Change] = field(default_factory=list)
    settles: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    unpaired: list[Unpaired] = field(default_factory=list)
    labels: dict = field(default_factory=dict)  # metric key -> name, for the unpaired rows' suggestions
    seconds: float = 0.0

    @property
    def after(self) -> set[str]:
        """The item keys the scan will find once the plan is in effect."""
        return {c.key for c in self.opens} | {c.key for c in self.unchanged}

    @property
    def coming(self) -> bool:
        return self.period != "today"

    @property
    def open_today_text(self) -> str:
        """How many of the items it would open are open today already ("" for none)."""
        today, total = sum(1 for c in self.opens if c.detected_today), len(self.opens)
        if not today:
            return ""
        if today < total:
            return ngettext("%(num)s of them already open today", "%(num)s of them already open today", today)
        if today == 2:
            return _("both already open today")
        return _("all already open today") if today > 2 else _("already open today")

    @property
    def unchanged_summary(self) -> str:
        n, num = len(self.unchanged), fmt.number(len(self.unchanged))
        if self.coming:
            return ngettext("%(num)s conflict unchanged: open today and in %(period)s, and this plan takes no part in it",
                            "%(num)s conflicts unchanged: open today and in %(period)s, and this plan takes no part "
                            "in them", n, num=num, period=self.period)
        return ngettext("%(num)s conflict unchanged: open today, and this plan takes no part in it",
                        "%(num)s conflicts unchanged: open today, and this plan takes no part in them", n, num=num)


def for_sheet(period: PlanPeriod | None, rows: list[Row]) -> WhatIf:
    """A sheet about to be imported into period (None or a running one: today's set)."""
    units = dict(db.session.execute(select(Unit.name, Unit.id)).all())
    extra = []
    for index, row in enumerate(rows):
        goal = rules.Goal(f"NEW-{index}", row.metric, 1 if row.direction == "increase" else -1, row.weight,
                          row.unit, name=row.name)
        extra.append((goal, GoalInfo(f"{row.unit}: {row.name}", units.get(row.unit, 0), row.unit), None))
    plan_rows = [(row.unit, row.name, row.metric) for row in rows]
    return _what_if(period, tuple(extra), {goal.id for goal, _, _ in extra}, plan_rows)


def for_plan(plan: BonusPlan) -> WhatIf:
    """A stored coming plan, as the scan of its period counts it."""
    rows = [row for row in plan.rows if row.active]
    ids = {f"INC-{row.id}" for row in rows}
    return _what_if(plan.period, (), ids, [(plan.unit.name, row.name, row.metric.key) for row in rows])


def _what_if(period: PlanPeriod | None, extra: tuple, plan_goals: set[str], plan_rows: list) -> WhatIf:
    started = time.perf_counter()
    horizon = period if is_coming(period) else None
    guards = {}
    scenario, info = database_scenario(guards=guards, horizon=horizon, extra=extra)
    found = grouping_rules.group(scenario, guards=guards).items
    today = {key: (item_id, title, level, severity) for key, item_id, title, level, severity in db.session.execute(
        select(ConflictItem.key, ConflictItem.id, ConflictItem.title, ConflictItem.level, ConflictItem.severity)
        .where(current_items(), ConflictItem.present.is_(True)))}
    labels = {key: m.label for key, m in scenario.metrics.items()}
    signs = {(link.source, link.target): link.sign for link in scenario.links}
    result = WhatIf(horizon.name if horizon is not None else "today", labels=labels)
    for item in found:
        involved = any(goal.id in plan_goals for c in item.classes for goal in c.goals)
        change = _change(item, info, labels, signs, today.get(item.key))
        (result.opens if involved or item.key not in today else result.unchanged).append(change)
    after = {item.key for item in found}
    result.settles = [Change(key, title, level, severity, "", (), True, item_id)
                      for key, (item_id, title, level, severity) in today.items() if key not in after]
    result.settles.sort(key=lambda c: -c.severity)
    result.unpaired = unpaired(plan_rows, _weighed_by(scenario, info), metric_pairs.pairs_by_metric())
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _change(item: grouping_rules.Item, info: dict[str, GoalInfo], labels, signs, today) -> Change:
    cause = item.cause
    owners = sorted({info[g.id].unit_name for g in cause.goals if g.id in info}) if cause is not None else []
    block = item.blocks[0]
    why = grouping_rules.explain_block(block, labels, signs, owners, "week")
    against = []
    for c in item.classes:
        if cause is not None and c.is_incentive and (c.metric, c.direction) == (cause.metric, cause.direction):
            continue
        for goal in c.goals[:3]:
            who = info.get(goal.id)
            if goal.is_incentive:
                against.append(who.label if who else goal.id)
            else:
                against.append(_("%(goal)s, shared with %(unit)s", goal=goal.name or labels.get(goal.metric, goal.metric),
                                 unit=who.unit_name if who else "—"))
    return Change(item.key, grouping_rules.title_of(item, labels), item.level, item.severity, why,
                  tuple(dict.fromkeys(against)), today is not None, today[0] if today else None)


def _weighed_by(scenario: rules.Scenario, info: dict[str, GoalInfo]) -> dict[str, set[str]]:
    """Per unit (lower case), the metrics it is paid on in the would-be set or accountable for."""
    found = {}
    for goal in scenario.goals:
        unit = goal.owner if goal.is_incentive else (info[goal.id].unit_name if goal.id in info else None)
        if unit:
            found.setdefault(unit.lower(), set()).add(goal.metric)
    return found
