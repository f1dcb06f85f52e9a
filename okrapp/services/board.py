"""Board summaries: what the board receives, to whom, when, and exactly once."""
import json
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import mail
from ..domain import summary as rules
from ..domain.recurrence import RecurrenceError, first_weekday_of_month, parse_time, zone
from ..extensions import db
from ..models import (BoardSummary, ConflictFinding, Cycle, RankChange, ReviewDecision,
                      ReviewMeeting, SummaryDelivery, SummaryRecipient, SummarySchedule, User)
from ..models.review import DECISION_KINDS
from ..timeutil import local_today, utcnow
from . import ServiceError
from .scoreboard import current_cycle, scoreboard

ACK_SALT = "board-summary-ack"
ACK_MAX_AGE = timedelta(days=90)
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def schedule() -> SummarySchedule:
    """The one summary schedule; the defaults until an admin saves it."""
    return db.session.scalar(select(SummarySchedule).order_by(SummarySchedule.id)) or SummarySchedule(
        weekday=0, time_of_day="08:00", timezone=current_app.config["OKRAPP_TIMEZONE"], cycle_end=True, active=True)


def save_schedule(*, weekday: int, time_of_day: str, timezone: str, cycle_end: bool, active: bool) -> SummarySchedule:
    try:
        parse_time(time_of_day)
        zone(timezone)
    except RecurrenceError as error:
        raise ServiceError(str(error).capitalize() + ".", field=error.field) from None
    current = schedule()
    current.weekday, current.time_of_day, current.timezone = weekday, time_of_day, timezone
    current.cycle_end, current.active = cycle_end, active
    db.session.add(current)
    db.session.flush()
    return current


# -- recipients --------------------------------------------------------------------------------

def recipients(include_paused: bool = False) -> list[dict]:
    """Active board members and the extra addresses, each with its pause switch."""
    switches = {r.user_id: r for r in db.session.scalars(select(SummaryRecipient).where(
        SummaryRecipient.user_id.is_not(None)))}
    people = []
    for user in db.session.scalars(select(User).where(User.role == "board", User.active.is_(True)).order_by(User.name)):
        paused = bool(switches.get(user.id) and switches[user.id].paused)
        people.append({"email": user.email, "name": user.name, "user_id": user.id, "paused": paused, "extra": False})
    for extra in db.session.scalars(select(SummaryRecipient).where(SummaryRecipient.user_id.is_(None))
                                    .order_by(SummaryRecipient.email)):
        people.append({"email": extra.email, "name": extra.name, "user_id": None, "paused": extra.paused,
                       "extra": True, "id": extra.id})
    return people if include_paused else [p for p in people if not p["paused"]]


def add_recipient(email: str, name: str) -> SummaryRecipient:
    email = email.strip().lower()
    taken = db.session.scalar(select(SummaryRecipient.id).where(SummaryRecipient.email == email)) or \
        db.session.scalar(select(User.id).where(User.email == email, User.role == "board"))
    if taken:
        raise ServiceError(f"{email} already receives the summary.", field="email")
    recipient = SummaryRecipient(email=email, name=name.strip())
    db.session.add(recipient)
    db.session.flush()
    return recipient


def set_paused(email: str, paused: bool) -> None:
    user = db.session.scalar(select(User).where(User.email == email, User.role == "board"))
    row = db.session.scalar(select(SummaryRecipient).where(
        SummaryRecipient.user_id == user.id if user else SummaryRecipient.email == email))
    if row is None:
        if user is None:
            raise ServiceError(f"{email} is not a recipient.")
        row = SummaryRecipient(email=user.email, name=user.name, user_id=user.id)
        db.session.add(row)
    row.paused = paused
    db.session.flush()


# -- periods -----------------------------------------------------------------------------------

def due_periods(now: datetime) -> list[str]:
    """The monthly period due now (the month before the first <weekday> <time>), and the summary of
    a cycle that ended within the last month, due the next morning."""
    rule = schedule()
    if not rule.active:
        return []
    tz, at = zone(rule.timezone), parse_time(rule.time_of_day)
    local_now = now.replace(tzinfo=UTC).astimezone(tz)
    periods = []
    send_on = first_weekday_of_month(local_now.year, local_now.month, rule.weekday)
    if local_now >= datetime.combine(send_on, at, tzinfo=tz):
        previous = date(local_now.year, local_now.month, 1) - timedelta(days=1)
        periods.append(f"{previous:%Y-%m}")
    if rule.cycle_end:
        for cycle in db.session.scalars(select(Cycle).where(Cycle.ends_on < local_now.date(),
                                                            Cycle.ends_on >= local_now.date() - timedelta(days=31))):
            if local_now >= datetime.combine(cycle.ends_on + timedelta(days=1), at, tzinfo=tz):
                periods.append(f"cycle-{cycle.id}")
    return periods


def default_period(now: datetime) -> str:
    local_now = now.replace(tzinfo=UTC).astimezone(zone(schedule().timezone))
    return f"{date(local_now.year, local_now.month, 1) - timedelta(days=1):%Y-%m}"


def period_title(period: str) -> str:
    if period.startswith("cycle-"):
        cycle = db.session.get(Cycle, int(period.removeprefix("cycle-")))
        if cycle is None:
            raise ServiceError(f"No cycle for period {period}.")
        return f"end of {cycle.name}"
    try:
        year, month = (int(x) for x in period.split("-"))
        return f"{MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        raise ServiceError(f"A period looks like 2026-10 (or cycle-ID), not {period!r}.") from None


def subject_for(period: str) -> str:
    return f"Customer priorities — board summary, {period_title(period)}"


# -- building ----------------------------------------------------------------------------------

def compose(period: str) -> tuple[dict, str, str]:
    """Figures, text and HTML of the summary for period, as of now (nothing is saved)."""
    now, today = utcnow(), local_today()
    title = period_title(period)
    previous = db.session.scalar(select(BoardSummary).where(BoardSummary.period != period)
                                 .order_by(BoardSummary.created_at.desc()))
    covers_from = previous.covers_to if previous else None
    window_start = covers_from or now - timedelta(days=31)
    figures = rules.summary_figures(
        title=title, covers_from=covers_from, covers_to=now, objectives=_objectives(today),
        previous=json.loads(previous.figures) if previous else None,
        opened=_findings(ConflictFinding.first_seen_at >= window_start, ConflictFinding.kind != "tension"),
        resolved=_findings(ConflictFinding.resolved_at >= window_start,
                           ConflictFinding.status.in_(("resolved", "resolved_by_change", "accepted"))),
        rank_changes=_rank_changes(window_start), decisions=_decisions(window_start),
        next_reviews=[m.starts_at for m in db.session.scalars(select(ReviewMeeting).where(
            ReviewMeeting.status == "scheduled", ReviewMeeting.starts_at > now,
            ReviewMeeting.starts_at <= now + timedelta(days=35)).order_by(ReviewMeeting.starts_at))],
        in_review=_findings(ConflictFinding.status == "in_review")).as_dict()
    text, html = render(figures, period, ack_url=None)
    return figures, text, html


def render(figures: dict, period: str, ack_url: str | None) -> tuple[str, str]:
    return mail.render("board_summary", f=figures, subject=subject_for(period), ack_url=ack_url,
                       timezone=current_app.config["OKRAPP_TIMEZONE"])


def _objectives(today) -> list[rules.ObjectiveLine]:
    cycle = current_cycle(today)
    if cycle is None:
        return []
    views = scoreboard(cycle, today)
    return [rules.ObjectiveLine(v.objective.id, v.objective.rank, v.objective.title,
                                v.score.progress if v.score else None, v.score.status if v.score else None,
                                tuple(_kr_line(k) for k in v.key_results)) for v in views]


def _kr_line(view) -> rules.KeyResultLine:
    kr = view.kr
    partner = kr.accountable_unit.kind == "partner" or any(u.kind == "partner" for u in kr.contributors)
    return rules.KeyResultLine(kr.id, kr.title, kr.accountable_unit.name, kr.accountable_unit.kind, kr.metric.unit,
                               kr.baseline, kr.target, kr.current_value, view.score.progress, view.score.status,
                               partner)


def _findings(*conditions) -> list[rules.FindingLine]:
    return [rules.FindingLine(f.id, f"{f.label_a} ↔ {f.label_b}", f.kind, f.severity, f.status, f.note)
            for f in db.session.scalars(select(ConflictFinding).where(*conditions)
                                        .order_by(ConflictFinding.severity.desc()))]


def _rank_changes(since) -> list[rules.PriorityChange]:
    changes = db.session.scalars(select(RankChange).where(RankChange.changed_at >= since, RankChange.old_rank.is_not(None))
                                 .options(joinedload(RankChange.objective), joinedload(RankChange.changed_by))).all()
    return [rules.PriorityChange(c.objective.title, c.old_rank, c.new_rank, c.changed_by.name if c.changed_by else "",
                                 c.changed_at, c.meeting_id is not None) for c in changes]


def _decisions(since) -> list[rules.DecisionLine]:
    rows = db.session.scalars(select(ReviewDecision).where(ReviewDecision.created_at >= since)
                              .options(joinedload(ReviewDecision.owner))).all()
    return [rules.DecisionLine(DECISION_KINDS.get(d.kind, d.kind), d.text, d.owner.name if d.owner else "", d.due_on,
                               d.created_at) for d in rows]


# -- sending -----------------------------------------------------------------------------------

def snapshot(period: str) -> BoardSummary:
    """The immutable summary of period: made once, then always the same."""
    existing = db.session.scalar(select(BoardSummary).where(BoardSummary.period == period))
    if existing:
        return existing
    figures, text, html = compose(period)
    summary = BoardSummary(period=period, title=period_title(period), subject=subject_for(period),
                           covers_from=datetime.fromisoformat(figures["covers_from"]) if figures["covers_from"] else None,
                           covers_to=datetime.fromisoformat(figures["covers_to"]), figures=json.dumps(figures),
                           text_body=text, html_body=html, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(summary)
    except IntegrityError:  # made meanwhile by another process
        return db.session.scalar(select(BoardSummary).where(BoardSummary.period == period))
    return summary


def send(period: str) -> int:
    """Send period's summary to every recipient who has not had it: exactly once per recipient."""
    summary = snapshot(period)
    count = 0
    for person in recipients():
        if _deliver(summary, person, kind="scheduled"):
            count += 1
    return count


def resend(summary: BoardSummary, email: str, by) -> SummaryDelivery:
    """An admin's explicit, logged resend of one summary to one recipient."""
    person = next((p for p in recipients(include_paused=True) if p["email"] == email), None)
    if person is None:
        raise ServiceError(f"{email} is not a summary recipient.", field="email")
    number = db.session.scalar(select(func.count()).select_from(SummaryDelivery).where(
        SummaryDelivery.summary_id == summary.id, SummaryDelivery.recipient == email,
        SummaryDelivery.kind == "resend")) + 1
    return _deliver(summary, person, kind="resend", resend_no=number, by=by)


def _deliver(summary, person, kind, resend_no=0, by=None) -> SummaryDelivery | None:
    key = f"board:{summary.period}:{person['email']}" + (f":resend:{resend_no}" if kind == "resend" else "")
    if kind == "scheduled" and db.session.scalar(select(SummaryDelivery.id).where(
            SummaryDelivery.summary_id == summary.id, SummaryDelivery.recipient == person["email"],
            SummaryDelivery.kind == "scheduled")):
        return None
    delivery = SummaryDelivery(summary_id=summary.id, recipient=person["email"], user_id=person["user_id"], kind=kind,
                               resend_no=resend_no, created_by_id=by.id if by else None, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:
        return None
    text, html = render(json.loads(summary.figures), summary.period, ack_url=ack_url(delivery))
    message = mail.queue(key, person["email"], summary.subject, text, html, category="board_summary")
    delivery.outbox = message
    db.session.flush()
    return delivery


def ack_url(delivery: SummaryDelivery) -> str:
    token = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT).dumps({"d": delivery.id})
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + f"/board/ack/{token}"


def delivery_for_token(token: str) -> SummaryDelivery:
    """The one thing an acknowledgement link opens; anything else about it is refused."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT)
    try:
        data = serializer.loads(token, max_age=int(ACK_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise ServiceError("This link has expired. Open the summary in okrapp instead.") from None
    except BadSignature:
        raise ServiceError("This link is not valid.") from None
    delivery = db.session.get(SummaryDelivery, data.get("d") if isinstance(data, dict) else None)
    if delivery is None:
        raise ServiceError("This link is not valid.")
    return delivery


def acknowledge(delivery: SummaryDelivery) -> bool:
    if delivery.acknowledged_at is not None:
        return False
    delivery.acknowledged_at = utcnow()
    db.session.flush()
    return True


def archive(limit: int = 50) -> list[BoardSummary]:
    return db.session.scalars(select(BoardSummary).order_by(BoardSummary.created_at.desc())
                              .options(selectinload(BoardSummary.deliveries).joinedload(SummaryDelivery.outbox))
                              .limit(limit)).all()


def board_jobs():
    from ..jobs import Job

    def run(period: str) -> str:
        return f"sent to {send(period)} recipient(s)"
    return [Job("board.summary", "Send the board summary (monthly and at the end of each cycle)", due_periods, run)]
