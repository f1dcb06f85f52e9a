"""What the exports hold: header and rows per dataset, scoped by the same policy as the pages.
Formatting to CSV/.xlsx lives in core.files.spreadsheets.

The rows are read while the response is written, long after the request's session has closed, so
they never touch it: each batch of BATCH rows is its own short query of plain columns (no ORM
objects, no identity map) on a connection taken from the pool and given back before the rows are
written, continuing after the last row of the one before (keyset paging on the export's order,
whose last column is unique). Memory stays flat whatever the size, and a slow download holds no
connection. Rows written while an export runs may or may not be in it.

Column headers and the words in cells (a status, yes or no) are in the reader's language: the
language of the request, which the batches read later keep (`words.using`)."""
import json
from datetime import UTC, timedelta

from sqlalchemy import and_, literal, or_, select, tuple_
from sqlalchemy.orm import joinedload

from okrapp.domain.scoring import elapsed_share, score_key_result
from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.words import _, _l, pgettext
from okrapp.core.files.ics import feed_calendar
from okrapp.okrs.metric_models import Metric
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective
from okrapp.admin.models import Unit
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.reviews.models import (ReviewDecision, ReviewMeeting, ReviewSchedule, decision_items,
                                   schedule_participants)
from okrapp.accounts import operations as accounts
from okrapp.accounts.models import User
from okrapp.core.formatting import change_text, conflict_summary, status_label, zoned
from okrapp.core.timeutil import app_zone, local_today, utcnow
from okrapp.conflicts import visibility
from okrapp.okrs.scoreboard import figures

BATCH = 2_000
FEED_PAST = timedelta(days=180)
LEVELS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low"), "tension": _l("tension")}


def in_batches(statement, order, to_rows, size: int | None = None):
    """The rows of statement (a select of plain columns, or a function of the last batch's sort key,
    None at first, that returns one), in order, read BATCH at a time.
    order: (name, column, descending): the column to order by, the last one unique, each selected
    under that name.
    to_rows(connection, records) turns a batch into rows (it may ask the connection for more)."""
    engine = db.engine  # now, inside the request: the rows are read after it
    locale = words.current()  # likewise the reader's language, for the words in cells
    size = size or BATCH
    sort = [column.desc() if descending else column for _, column, descending in order]

    def batch_after(last):
        query = (statement(last) if callable(statement) else statement).order_by(*sort).limit(size)
        return query if last is None else query.where(_after(order, last))

    def rows():
        last = None
        while True:
            with engine.connect() as connection, words.using(locale):
                records = connection.execute(batch_after(last)).all()
                batch = to_rows(connection, records)
            yield from batch
            if len(records) < size:
                return
            last = [getattr(records[-1], name) for name, _, _ in order]
    return rows()


def _after(order, last):
    """Where-clause: the rows after `last` in this order (a row-value comparison when the order
    runs one way, which an index on those columns answers as a range)."""
    columns = [column for _, column, _ in order]
    directions = {descending for _, _, descending in order}
    if len(directions) == 1:
        values = tuple_(*columns) if len(columns) > 1 else columns[0]
        bound = tuple_(*(literal(v, c.type) for c, v in zip(columns, last))) if len(columns) > 1 else last[0]
        return values < bound if directions == {True} else values > bound
    return or_(*(and_(*(c == v for c, v in zip(columns[:i], last[:i])),
                      columns[i] < last[i] if order[i][2] else columns[i] > last[i])
                 for i in range(len(order))))


def _localiser(zone):
    """Stored naive-UTC moments as the organisation's wall clock (naive, for spreadsheets)."""
    return lambda moment: moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) if moment else None


def key_results(cycle: Cycle):
    zone = app_zone()
    local = _localiser(zone)
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, local_today())
    header = [_("Objective rank"), _("Objective"), _("Key result id"), _("Key result"), _("Metric"),
              pgettext("metric", "Unit"), _("Accountable unit"), _("Baseline"), _("Target"), _("Current"),
              _("Progress"), _("Status"), _("Forecast"), _("Confidence"), zoned(_("Last check-in"), zone)]
    statement = (select(Objective.rank, Objective.id.label("objective_id"), Objective.title.label("objective"),
                        KeyResult.id, KeyResult.title, Metric.key.label("metric"), Metric.unit,
                        Unit.name.label("accountable_unit"), KeyResult.baseline, KeyResult.target,
                        KeyResult.current_value, KeyResult.progress, KeyResult.weight, KeyResult.commitment,
                        KeyResult.current_confidence, KeyResult.forecast, KeyResult.last_check_in_at)
                 .join(Objective, KeyResult.objective_id == Objective.id)
                 .join(Metric, KeyResult.metric_id == Metric.id)
                 .join(Unit, KeyResult.accountable_unit_id == Unit.id)
                 .where(Objective.cycle_id == cycle.id, Objective.retired_at.is_(None), KeyResult.retired_at.is_(None)))

    def to_rows(_connection, records):
        return [[r.rank, r.objective, r.id, r.title, r.metric, r.unit, r.accountable_unit, r.baseline, r.target,
                 r.current_value, round(r.progress, 4),
                 status_label(score_key_result(figures(r), elapsed).status).lower(), r.forecast, r.current_confidence,
                 local(r.last_check_in_at)] for r in records]
    order = [("rank", Objective.rank, False), ("objective_id", Objective.id, False), ("id", KeyResult.id, False)]
    return header, in_batches(statement, order, to_rows)


def check_ins(cycle: Cycle):
    """Every check-in of the cycle's key results, corrections and the values they replaced included."""
    zone = app_zone()
    local = _localiser(zone)
    header = [_("Key result id"), _("Key result"), zoned(_("When"), zone), _("Value"), _("Confidence"), _("By"),
              _("Source"), _("Comment"), _("Corrects check-in"), zoned(_("Superseded at"), zone), _("Check-in id")]

    def statement(last):
        of_cycle = select(KeyResult.id).join(Objective).where(Objective.cycle_id == cycle.id)
        if last is not None:  # the key results from the last batch's on: no index search of the ones done
            of_cycle = of_cycle.where(KeyResult.id >= last[0])
        return (select(CheckIn.key_result_id, KeyResult.title, CheckIn.created_at, CheckIn.value,
                       CheckIn.confidence, User.name.label("author"), CheckIn.source, CheckIn.comment,
                       CheckIn.corrects_id, CheckIn.superseded_at, CheckIn.id)
                .join(KeyResult, CheckIn.key_result_id == KeyResult.id)
                .outerjoin(User, CheckIn.author_id == User.id)
                .where(CheckIn.key_result_id.in_(of_cycle)))

    def to_rows(_connection, records):
        return [[r.key_result_id, r.title, local(r.created_at), r.value, r.confidence, r.author or "", r.source,
                 r.comment, r.corrects_id, local(r.superseded_at), r.id] for r in records]
    order = [("key_result_id", CheckIn.key_result_id, False), ("created_at", CheckIn.created_at, False),
             ("id", CheckIn.id, False)]
    return header, in_batches(statement, order, to_rows)


def conflict_items(user):
    header = [_("Item id"), _("Level"), _("Severity"), _("Kind"), _("Title"), _("Summary"), _("Status"), _("Pairs"),
              _("Still detected"), _("Note")]
    statement = visibility.visible_to(user, select(
        ConflictItem.id, ConflictItem.level, ConflictItem.severity, ConflictItem.kind, ConflictItem.title,
        ConflictItem.summary, ConflictItem.facts, ConflictItem.status, ConflictItem.pairs, ConflictItem.present,
        ConflictItem.note).where(current_items()))

    def to_rows(_connection, records):
        return [[r.id, str(LEVELS.get(r.level, r.level)), round(r.severity, 4), r.kind, r.title,
                 _summary(r.facts, r.summary), r.status, r.pairs, _("yes") if r.present else _("no"), r.note]
                for r in records]
    order = [("severity", ConflictItem.severity, True), ("id", ConflictItem.id, False)]
    return header, in_batches(statement, order, to_rows)


def _summary(facts: str, worded: str) -> str:
    """A conflict's summary worded in the reader's language from its facts; as stored without them."""
    try:
        return conflict_summary(json.loads(facts)) if facts else worded
    except (ValueError, TypeError):
        return worded


def decisions():
    zone = app_zone()
    local = _localiser(zone)
    header = [_("Meeting"), zoned(_("Meeting starts"), zone), _("Decision id"), _("Kind"), _("Decision"),
              _("What changed"), _("Settles items")]
    statement = (select(ReviewSchedule.name.label("schedule"), ReviewMeeting.starts_at, ReviewDecision.id,
                        ReviewDecision.kind, ReviewDecision.text, ReviewDecision.changes)
                 .join(ReviewMeeting, ReviewDecision.meeting_id == ReviewMeeting.id)
                 .outerjoin(ReviewSchedule, ReviewMeeting.schedule_id == ReviewSchedule.id))

    def to_rows(connection, records):
        settles = {}  # the items each decision of the batch settles, in one query per batch
        for decision_id, item_id in connection.execute(
                select(decision_items.c.decision_id, ConflictItem.id)
                .join(ConflictItem, decision_items.c.item_id == ConflictItem.id)
                .where(decision_items.c.decision_id.in_([r.id for r in records]))
                .order_by(ConflictItem.severity.desc(), ConflictItem.id)) if records else ():
            settles.setdefault(decision_id, []).append(str(item_id))
        return [[r.schedule or _("Priority review"), local(r.starts_at), r.id, r.kind, r.text,
                 "; ".join(_changes(r.changes)), ", ".join(settles.get(r.id, []))] for r in records]
    order = [("starts_at", ReviewMeeting.starts_at, True), ("id", ReviewDecision.id, False)]
    return header, in_batches(statement, order, to_rows)


def _changes(text: str) -> list[str]:
    """A decision's changes worded in the language of the moment (old rows hold sentences)."""
    try:
        facts = json.loads(text or "[]")
    except ValueError:
        return []
    return [change_text(c) for c in facts] if isinstance(facts, list) else []


# -- the personal calendar feed ----------------------------------------------------------------

def user_by_calendar_token(token: str) -> User | None:
    """The owner of the feed URL (only its hash is stored; accounts keeps the secret and its last use)."""
    return accounts.calendar_owner(token)


def review_feed(user: User, base_url: str) -> str:
    """The reviews the user takes part in (participant or chair), from half a year back on."""
    taking_part = select(schedule_participants.c.schedule_id).where(schedule_participants.c.user_id == user.id)
    meetings = db.session.scalars(
        select(ReviewMeeting).join(ReviewSchedule, ReviewMeeting.schedule_id == ReviewSchedule.id)
        .where(or_(ReviewSchedule.id.in_(taking_part), ReviewSchedule.chair_id == user.id),
               ReviewMeeting.starts_at >= utcnow() - FEED_PAST)
        .order_by(ReviewMeeting.starts_at).options(joinedload(ReviewMeeting.schedule))).all()
    with words.using(mail.reader_locale(user)):  # read by a calendar app, in its owner's language
        description = _("Priority review in okrapp: the agenda and the decisions are on the review's page.")
        name = _("okrapp reviews · %(name)s", name=user.name)
    events = [(m.uid, m.sequence, m.starts_at, m.ends_at, m.timezone, m.schedule.name, description,
               f"{base_url.rstrip('/')}/reviews/{m.id}", m.status == "cancelled") for m in meetings]
    return feed_calendar(events, name=name, stamp=utcnow())
