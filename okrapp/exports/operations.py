"""What the exports hold: header and rows per dataset, loaded in a fixed number of queries and
scoped by the same policy as the pages. Formatting to CSV/.xlsx lives in core.spreadsheets."""
import json
import secrets
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from okrapp.domain.scoring import elapsed_share, score_key_result
from okrapp.core.extensions import db
from okrapp.core.ics import feed_calendar
from okrapp.okrs.models import CheckIn, Cycle, KeyResult, Objective
from okrapp.conflicts.models import ConflictItem, current_items
from okrapp.reviews.models import ReviewDecision, ReviewMeeting, ReviewSchedule, schedule_participants
from okrapp.accounts.models import User
from okrapp.core.formatting import zoned
from okrapp.core.timeutil import app_zone, local_today, to_local, utcnow
from okrapp.core.transaction import operation
from okrapp.conflicts import visibility
from okrapp.okrs.scoreboard import figures

MAX_ROWS = 200_000
FEED_PAST = timedelta(days=180)


def _local(moment):
    return to_local(moment).replace(tzinfo=None) if moment else None


def key_results(cycle: Cycle):
    today = local_today()
    elapsed = elapsed_share(cycle.starts_on, cycle.ends_on, today)
    header = ["Objective rank", "Objective", "Key result id", "Key result", "Metric", "Unit", "Accountable unit",
              "Baseline", "Target", "Current", "Progress", "Status", "Forecast", "Confidence",
              zoned("Last check-in", app_zone())]
    krs = db.session.scalars(select(KeyResult).join(Objective).where(Objective.cycle_id == cycle.id)
                             .order_by(Objective.rank, Objective.id, KeyResult.id)
                             .options(joinedload(KeyResult.objective), joinedload(KeyResult.metric),
                                      joinedload(KeyResult.accountable_unit))).all()
    rows = ([kr.objective.rank, kr.objective.title, kr.id, kr.title, kr.metric.key, kr.metric.unit,
             kr.accountable_unit.name, kr.baseline, kr.target, kr.current_value, round(kr.progress, 4),
             score_key_result(figures(kr), elapsed).status.replace("_", " "), kr.forecast, kr.current_confidence,
             _local(kr.last_check_in_at)] for kr in krs)
    return header, rows


def check_ins(cycle: Cycle):
    """Every check-in of the cycle's key results, corrections and the values they replaced included."""
    header = ["Key result id", "Key result", zoned("When", app_zone()), "Value", "Confidence", "By", "Source", "Comment",
              "Corrects check-in", zoned("Superseded at", app_zone()), "Check-in id"]
    query = (select(CheckIn, KeyResult.title).join(KeyResult, CheckIn.key_result_id == KeyResult.id)
             .join(Objective).where(Objective.cycle_id == cycle.id)
             .order_by(CheckIn.key_result_id, CheckIn.created_at, CheckIn.id)
             .options(joinedload(CheckIn.author)).limit(MAX_ROWS))
    rows = ([c.key_result_id, title, _local(c.created_at), c.value, c.confidence, c.author.name if c.author else "",
             c.source, c.comment, c.corrects_id, _local(c.superseded_at), c.id]
            for c, title in db.session.execute(query))
    return header, rows


def conflict_items(user):
    header = ["Item id", "Level", "Severity", "Kind", "Title", "Summary", "Status", "Pairs", "Still detected", "Note"]
    query = visibility.visible_to(user, select(ConflictItem).where(current_items()).order_by(ConflictItem.severity.desc(),
                                                                             ConflictItem.id))
    rows = ([i.id, i.level, round(i.severity, 4), i.kind, i.title, i.summary, i.status, i.pairs,
             "yes" if i.present else "no", i.note] for i in db.session.scalars(query.limit(MAX_ROWS)))
    return header, rows


def decisions():
    header = ["Meeting", zoned("Meeting starts", app_zone()), "Decision id", "Kind", "Decision", "What changed", "Settles items"]
    query = (select(ReviewDecision).join(ReviewMeeting).order_by(ReviewMeeting.starts_at.desc(), ReviewDecision.id)
             .options(joinedload(ReviewDecision.meeting).joinedload(ReviewMeeting.schedule),
                      selectinload(ReviewDecision.settles)).limit(MAX_ROWS))
    rows = ([d.meeting.schedule.name if d.meeting.schedule else "Priority review", _local(d.meeting.starts_at), d.id,
             d.kind, d.text, "; ".join(_changes(d.changes)), ", ".join(str(i.id) for i in d.settles)]
            for d in db.session.scalars(query))
    return header, rows


def _changes(text: str) -> list[str]:
    try:
        return [str(c) for c in json.loads(text or "[]")]
    except ValueError:
        return []


# -- the personal calendar feed ----------------------------------------------------------------

def calendar_token(user: User, renew: bool = False) -> str:
    """The secret in the user's feed URL; renewing it makes the old URL stop working."""
    if renew or not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(32)
        db.session.flush()
    return user.calendar_token


@operation
def renew_calendar_link(user: User) -> str:
    """A new secret for the feed URL as one unit of work: the old link stops working at once."""
    return calendar_token(user, renew=True)


def user_by_calendar_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(User).where(User.calendar_token == token, User.active.is_(True)))


def review_feed(user: User, base_url: str) -> str:
    """The reviews the user takes part in (participant or chair), from half a year back on."""
    taking_part = select(schedule_participants.c.schedule_id).where(schedule_participants.c.user_id == user.id)
    meetings = db.session.scalars(
        select(ReviewMeeting).join(ReviewSchedule, ReviewMeeting.schedule_id == ReviewSchedule.id)
        .where(or_(ReviewSchedule.id.in_(taking_part), ReviewSchedule.chair_id == user.id),
               ReviewMeeting.starts_at >= utcnow() - FEED_PAST)
        .order_by(ReviewMeeting.starts_at).options(joinedload(ReviewMeeting.schedule))).all()
    events = [(m.uid, m.sequence, m.starts_at, m.ends_at, m.timezone, m.schedule.name,
               "Priority review in okrapp: the agenda and the decisions are on the review's page.",
               f"{base_url.rstrip('/')}/reviews/{m.id}", m.status == "cancelled") for m in meetings]
    return feed_calendar(events, name=f"okrapp reviews · {user.name}", stamp=utcnow())
