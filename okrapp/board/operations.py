"""Board summaries: what the board receives, to whom, when, and exactly once."""
import json
import re
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from okrapp.core import mail, words
from okrapp.core.formatting import marked
from okrapp.core.words import _, _l, lazy_pgettext
from okrapp.board import rules
from okrapp.domain.recurrence import RecurrenceError, first_weekday_of_month, parse_time, zone
from okrapp.core.background.jobs import Job
from okrapp.core.extensions import db
from okrapp.board.models import BoardSummary, SummaryDelivery, SummaryNote, SummaryRecipient, SummarySchedule
from okrapp.okrs.models import Cycle
from okrapp.reviews.models import ReviewMeeting
from okrapp.accounts.models import User
from okrapp.core.timeutil import utcnow
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core import versioning
from okrapp.core.transaction import operation
from okrapp.integrations import events
from okrapp.board import figures as loaders

ACK_SALT = "board-summary-ack"
ACK_MAX_AGE = timedelta(days=90)
PAUSE_SALT = "board-summary-pause"
MONTHS = (lazy_pgettext("month", "January"), lazy_pgettext("month", "February"), lazy_pgettext("month", "March"),
          lazy_pgettext("month", "April"), lazy_pgettext("month", "May"), lazy_pgettext("month", "June"),
          lazy_pgettext("month", "July"), lazy_pgettext("month", "August"), lazy_pgettext("month", "September"),
          lazy_pgettext("month", "October"), lazy_pgettext("month", "November"), lazy_pgettext("month", "December"))


def schedule() -> SummarySchedule:
    """The one summary schedule; the defaults until an admin saves it."""
    return db.session.scalar(select(SummarySchedule).order_by(SummarySchedule.id)) or SummarySchedule(
        weekday=0, time_of_day="08:00", timezone=current_app.config["OKRAPP_TIMEZONE"], cycle_end=True, active=True)


def save_schedule(*, weekday: int, time_of_day: str, timezone: str, cycle_end: bool, active: bool, by=None,
                  expected_version: int | None = None) -> SummarySchedule:
    try:
        parse_time(time_of_day)
        zone(timezone)
    except RecurrenceError as error:
        raise ServiceError(str(error), field=error.field) from None
    current = schedule()
    versioning.claim(current, expected_version, by)
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
        people.append({"email": user.email, "name": user.name, "user_id": user.id, "paused": paused, "extra": False,
                       "version": switches[user.id].version if user.id in switches else None,
                       "locale": user.locale})  # a user reads in their own language
    for extra in db.session.scalars(select(SummaryRecipient).where(SummaryRecipient.user_id.is_(None))
                                    .order_by(SummaryRecipient.email)):
        people.append({"email": extra.email, "name": extra.name, "user_id": None, "paused": extra.paused,
                       "extra": True, "id": extra.id, "version": extra.version, "locale": extra.locale})
    return people if include_paused else [p for p in people if not p["paused"]]


def reader_locale(person: dict) -> str:
    """The language a recipient reads the summary in: a board member's own, the one the admin set for an
    extra address, else the organisation's (as core.mail.reader_locale)."""
    return person.get("locale") or mail.reader_locale()


def add_recipient(email: str, name: str, locale: str | None = None) -> SummaryRecipient:
    """locale: the language the address reads the summaries in (None: the organisation's)."""
    email = email.strip().lower()
    taken = db.session.scalar(select(SummaryRecipient.id).where(SummaryRecipient.email == email)) or \
        db.session.scalar(select(User.id).where(User.email == email, User.role == "board"))
    if taken:
        raise ServiceError(_("%(email)s already receives the summary.", email=email), field="email")
    recipient = SummaryRecipient(email=email, name=name.strip(), locale=locale or None)
    db.session.add(recipient)
    db.session.flush()
    return recipient


def set_paused(email: str, paused: bool, by=None, expected_version: int | None = None) -> None:
    user = db.session.scalar(select(User).where(User.email == email, User.role == "board"))
    row = db.session.scalar(select(SummaryRecipient).where(
        SummaryRecipient.user_id == user.id if user else SummaryRecipient.email == email))
    if row is None:
        if user is None:
            raise ServiceError(_("%(email)s is not a recipient.", email=email))
        row = SummaryRecipient(email=user.email, name=user.name, user_id=user.id)
        db.session.add(row)
    else:
        versioning.claim(row, expected_version, by)
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
        number = period.removeprefix("cycle-")
        cycle = db.session.get(Cycle, int(number)) if re.fullmatch(r"[1-9]\d{0,8}", number) else None
        if cycle is None:
            raise ServiceError(_("No cycle for period %(period)s.", period=period))
        return _("end of %(cycle)s", cycle=cycle.name)
    # one spelling per month: "2026-010" or " 2026-10" would be a period (and a summary) of its own
    canonical = re.fullmatch(r"(\d{4})-(\d{2})", period)
    year, month = (int(canonical[1]), int(canonical[2])) if canonical else (0, 0)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ServiceError(_("A period looks like 2026-10 (or cycle-ID), not %(period)s.", period=repr(period)))
    return f"{MONTHS[month - 1]} {year}"


def subject_for(period: str) -> str:
    """In the language of the moment: build it inside `words.using(...)` for a mail."""
    return _("Customer priorities — board summary, %(period)s", period=period_title(period))


def title_of(summary: BoardSummary) -> str:
    """A made summary's period in the reader's language; as stored once its cycle is gone."""
    try:
        return period_title(summary.period)
    except ServiceError:
        return summary.title


def subject_of(summary: BoardSummary) -> str:
    """A made summary's subject in the reader's language; as stored once its cycle is gone."""
    try:
        return subject_for(summary.period)
    except ServiceError:
        return summary.subject


# -- building ----------------------------------------------------------------------------------

def period_bounds(period: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a period in UTC: a month in the schedule's zone, or a cycle's days."""
    tz = zone(schedule().timezone)
    if period.startswith("cycle-"):
        period_title(period)  # refuses an unknown cycle
        cycle = db.session.get(Cycle, int(period.removeprefix("cycle-")))
        first, after = cycle.starts_on, cycle.ends_on + timedelta(days=1)
    else:
        period_title(period)  # refuses a malformed month
        year, month = (int(x) for x in period.split("-"))
        first = date(year, month, 1)
        after = date(year + month // 12, month % 12 + 1, 1)
    return _utc(first, tz), _utc(after, tz)


def _utc(day: date, tz) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def is_running(period: str, now: datetime | None = None) -> bool:
    """Still under way: sending it now would report a month (or cycle) that has not ended."""
    return period_bounds(period)[1] > (now or utcnow())


def window(period: str) -> tuple[BoardSummary | None, datetime, datetime]:
    """(previous summary, start, end) of what period's summary covers: (start, end], where end is the
    period's end (now, for a running period) at full precision and start the end of the summary
    before it (else the period's start). So consecutive summaries never count the same moment twice."""
    first, after = period_bounds(period)
    now = utcnow()
    if first > now:
        raise ServiceError(_("%(period)s has not begun yet.", period=period_title(period)))
    end = min(after, now)
    previous = db.session.scalar(select(BoardSummary).where(BoardSummary.period != period, BoardSummary.covers_to < end)
                                 .order_by(BoardSummary.covers_to.desc(), BoardSummary.id.desc()))
    return previous, (previous.covers_to if previous else first), end


def compose(period: str, locale: str | None = None) -> tuple[dict, str, str]:
    """Figures, text and HTML of the summary for period, as of the period's end (nothing is saved).
    The figures are data in no reader's language; the text and HTML are in locale (default: the
    language of the moment)."""
    locale = locale or words.current()
    previous, start, end = window(period)
    with words.using(words.SOURCE):
        figures = _figures(period, previous, start, end)
    text, html = render(figures, period, ack_url=None, locale=locale)
    return figures, text, html


def _figures(period: str, previous: BoardSummary | None, start: datetime, end: datetime) -> dict:
    as_of = (end - timedelta(microseconds=1)).replace(tzinfo=UTC).astimezone(zone(schedule().timezone)).date()
    now = utcnow()
    return rules.summary_figures(
        title=period_title(period), covers_from=previous.covers_to if previous else None, covers_to=end,
        objectives=loaders.objectives(end, as_of), previous=json.loads(previous.figures) if previous else None,
        opened=loaders.opened(start, end), resolved=loaders.resolved(start, end),
        rank_changes=loaders.rank_changes(start, end), decisions=loaders.decisions(start, end, as_of),
        scheduled=loaders.scheduled(end, as_of),
        next_reviews=[m.starts_at for m in db.session.scalars(select(ReviewMeeting).where(
            ReviewMeeting.status == "scheduled", ReviewMeeting.starts_at > now,
            ReviewMeeting.starts_at <= now + timedelta(days=35)).order_by(ReviewMeeting.starts_at))],
        in_review=loaders.in_review(), open_items=loaders.open_items(end), as_of=as_of,
        note=note_for(period), seen_later=loaders.seen_later(end)).as_dict()


def render(figures: dict, period: str, ack_url: str | None, locale: str | None = None,
           subject: str | None = None) -> tuple[str, str]:
    """The text and HTML parts in locale (default: the language of the moment), subject included."""
    with words.using(locale or words.current()):
        return mail.render("board_summary", f=figures, subject=subject or subject_for(period), ack_url=ack_url,
                           timezone=current_app.config["OKRAPP_TIMEZONE"], shown=rules.SHOWN)


# -- the covering note -------------------------------------------------------------------------

def note_for(period: str) -> str:
    note = note_record(period)
    return note.text if note else ""


def note_record(period: str) -> SummaryNote | None:
    return db.session.scalar(select(SummaryNote).where(SummaryNote.period == period))


def save_note(period: str, text: str, *, by, version: int | None) -> SummaryNote:
    """The executive's few words above the figures. Refused once the period's summary is made
    (it is then part of what was sent) and when someone saved the note since it was loaded:
    version is the one the writer saw (0: there was no note yet; None: do not check)."""
    period_title(period)
    text = text.strip().replace("\r\n", "\n")
    if len(text) > rules.NOTE_MAX:
        raise ServiceError(_("Keep the note to %(most)s characters; this one has %(length)s.", most=rules.NOTE_MAX,
                             length=len(text)), field="text")
    if db.session.scalar(select(BoardSummary.id).where(BoardSummary.period == period)):
        raise ServiceError(_("The summary for %(period)s has been made already; its note cannot change.",
                             period=period_title(period)), field="text")
    note = note_record(period)
    if note is not None and version is not None and note.version != version:
        message = _("%(name)s changed this note meanwhile. Nothing of yours was saved; read it and try again.",
                    name=note.updated_by.name) if note.updated_by else \
            _("Someone changed this note meanwhile. Nothing of yours was saved; read it and try again.")
        raise StaleEdit(message, field="text")
    if note is None:
        note = SummaryNote(period=period)
        db.session.add(note)
    note.text, note.updated_by_id, note.updated_at = text, by.id if by else None, utcnow()
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise StaleEdit(_("Someone changed this note meanwhile. Nothing of yours was saved; try again."),
                        field="text") from None
    return note


def next_period(now: datetime) -> str:
    """What "the next summary" is: last month's until it is made, then the running month's."""
    last = default_period(now)
    if db.session.scalar(select(BoardSummary.id).where(BoardSummary.period == last)) is None:
        return last
    local_now = now.replace(tzinfo=UTC).astimezone(zone(schedule().timezone))
    return f"{local_now:%Y-%m}"


# -- sending -----------------------------------------------------------------------------------

def snapshot(period: str) -> BoardSummary:
    """The immutable summary of period: made once, then always the same."""
    existing = made_summary(period)
    if existing:
        return existing
    # kept in the organisation's language (each recipient's mail is worded in theirs)
    locale = mail.reader_locale()
    figures, text, html = compose(period, locale)
    with words.using(locale):
        title, subject = period_title(period), subject_for(period)
    # the instants at full precision, as compose used them: the next summary's window starts exactly here
    summary = BoardSummary(period=period, title=title, subject=subject,
                           covers_from=datetime.fromisoformat(figures["covers_from"]) if figures["covers_from"] else None,
                           covers_to=datetime.fromisoformat(figures["covers_to"]), figures=json.dumps(figures),
                           text_body=text, html_body=html, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(summary)
    except IntegrityError:  # made meanwhile by another process
        return made_summary(period)
    return summary


def made_summary(period: str) -> BoardSummary | None:
    """The summary of period once it is made (it never changes after); None before."""
    return db.session.scalar(select(BoardSummary).where(BoardSummary.period == period))


def summary_or_404(summary_id: int) -> BoardSummary:
    return db.get_or_404(BoardSummary, summary_id)


def needs_early_yes(period: str) -> bool:
    """A running period whose summary is not made yet (once made, sending again only reaches those
    who have not had it, and there is nothing left to confirm)."""
    made = db.session.scalar(select(BoardSummary.id).where(BoardSummary.period == period)) is not None
    return not made and is_running(period)


class EarlySend(ServiceError):
    """Sending a period that has not ended needs an explicit yes."""


def send(period: str, *, early: bool = False) -> int:
    """Send period's summary to every recipient who has not had it: exactly once per recipient.
    A running month (or cycle) goes out only with early=True: its figures would stop at today and
    its summary, once made, is the one the board keeps for that month."""
    if not early and needs_early_yes(period):
        raise EarlySend(_("%(period)s is still running: its summary would stop at today and be the one kept for "
                          "the whole period. Confirm to send it early.", period=period_title(period)), field="early")
    summary = snapshot(period)
    count = sum(1 for person in recipients() if _deliver(summary, person, kind="scheduled"))
    if count:
        events.board_summary_sent(summary, count)  # webhooks hear of it once this commits
    return count


def resend(summary: BoardSummary, email: str, by) -> SummaryDelivery:
    """An admin's explicit, logged resend of one summary to one recipient."""
    person = next((p for p in recipients(include_paused=True) if p["email"] == email), None)
    if person is None:
        raise ServiceError(_("%(email)s is not a summary recipient.", email=email), field="email")
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
    locale = reader_locale(person)  # each recipient reads it in their language, subject included
    with words.using(locale):
        subject = subject_of(summary)
        text, html = render(json.loads(summary.figures), summary.period, ack_url=ack_url(delivery), subject=subject)
    message = mail.queue(key, person["email"], subject, text, html, category="board_summary",
                         headers=unsubscribe_headers(person["email"]))
    delivery.outbox = message
    db.session.flush()
    return delivery


def ack_url(delivery: SummaryDelivery) -> str:
    token = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT).dumps({"d": delivery.id})
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + f"/board/ack/{token}"


def unsubscribe_headers(email: str) -> dict:
    """RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link."""
    return {"List-Unsubscribe": f"<{pause_url(email)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def pause_url(email: str) -> str:
    """A link that can pause the summaries of this one address and do nothing else. It does not
    expire: an unsubscribe link in an old mail must still work."""
    token = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PAUSE_SALT).dumps({"e": email})
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + f"/board/pause/{token}"


def email_for_pause_token(token: str) -> str:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=PAUSE_SALT).loads(token)
    except BadSignature:
        raise ServiceError(_("This link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        raise ServiceError(_("This link is not valid."))
    return data["e"]


def delivery_for_token(token: str) -> SummaryDelivery:
    """The one thing an acknowledgement link opens; anything else about it is refused."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT)
    try:
        data = serializer.loads(token, max_age=int(ACK_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise ServiceError(_("This link has expired. Open the summary in okrapp instead.")) from None
    except BadSignature:
        raise ServiceError(_("This link is not valid.")) from None
    delivery = db.session.get(SummaryDelivery, data.get("d") if isinstance(data, dict) else None)
    if delivery is None:
        raise ServiceError(_("This link is not valid."))
    return delivery


def acknowledge(delivery: SummaryDelivery) -> bool:
    if delivery.acknowledged_at is not None:
        return False
    delivery.acknowledged_at = utcnow()
    db.session.flush()
    return True


def archive(limit: int = 50) -> list[BoardSummary]:
    return db.session.scalars(select(BoardSummary).order_by(BoardSummary.created_at.desc(), BoardSummary.id.desc())
                              .options(selectinload(BoardSummary.deliveries).joinedload(SummaryDelivery.outbox))
                              .limit(limit)).all()


def board_jobs() -> list[Job]:
    def run(period: str) -> dict:
        return marked.ngettext("sent to %(num)s recipient", "sent to %(num)s recipients", send(period))
    return [Job("board.summary", _l("Send the board summary (monthly and at the end of each cycle)"), due_periods,
                run)]


# -- what the board pages do, each one unit of work (the functions above join their caller's) ---

@operation
def save_covering_note(period: str, text: str, *, by, version: int | None) -> SummaryNote:
    """Save the note from the preview page."""
    return save_note(period, text, by=by, version=version)


@operation
def send_summary(period: str, *, early: bool = False) -> int:
    """Send from the preview page: the summary is made and its mail queued in the same commit."""
    return send(period, early=early)


@operation
def resend_summary(summary_id: int, email: str, by) -> SummaryDelivery:
    """An admin's resend from the summary page; an unknown summary is a 404."""
    return resend(summary_or_404(summary_id), email, by)


@operation
def add_extra_recipient(email: str, name: str, locale: str | None = None) -> SummaryRecipient:
    """Add an address from the settings page, with the language it reads the summaries in."""
    return add_recipient(email, name, locale)


@operation
def set_recipient_paused(email: str, paused: bool, by=None, expected_version: int | None = None) -> None:
    """Pause or resume from the settings page, or pause from a summary's unsubscribe link."""
    set_paused(email, paused, by, expected_version)


@operation
def acknowledge_delivery(delivery: SummaryDelivery) -> bool:
    """Acknowledge from the link in a summary."""
    return acknowledge(delivery)
