"""Keeping the planned meetings of a schedule in line with the schedule, however it was edited.

Planning compares the meetings already planned ahead (scheduled, in the future) with the slots the
schedule gives now, and changes as little as it can:
- a meeting whose slot the schedule still gives stays as it is (a meeting moved by hand stays moved);
- the others are moved, in order, to the new slots: same UID, SEQUENCE one higher, an update to
  everyone invited — so a 09:00 → 10:00 edit leaves one meeting per slot, not two;
- meetings left over are cancelled; new slots get new meetings and invitations;
- people added to the schedule are invited to every planned meeting and people removed get a
  cancellation of the meetings they were invited to (both with SEQUENCE one higher, so every
  attendee's calendar shows the same attendee list).
Schedules are bounded: at most one meeting a day (recurrence.validate) and MAX_PLANNED ahead."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from okrapp.domain import recurrence
from okrapp.core.extensions import db
from okrapp.reviews.models import ReviewMeeting, ReviewSchedule
from okrapp.accounts.models import User

PLAN_AHEAD = timedelta(weeks=8)
MAX_PLANNED = 12  # meetings planned ahead per schedule, whatever its rule


def rule_of(schedule: ReviewSchedule) -> recurrence.Recurrence:
    return recurrence.Recurrence(schedule.cadence, schedule.weekday, schedule.time_of_day, schedule.timezone,
                                 schedule.anchor_on, schedule.cron)


def slot_of(schedule: ReviewSchedule, starts_at: datetime) -> str:
    return f"{schedule.id}@{starts_at.isoformat(timespec='minutes')}"


def plan_schedule(schedule: ReviewSchedule, now: datetime, horizon: timedelta, invite) -> list[ReviewMeeting]:
    """Bring the schedule's planned meetings in line; returns the meetings created. `invite(meeting,
    people)` queues the current version of a meeting to people."""
    wanted = recurrence.occurrences(rule_of(schedule), now, now + horizon)[:MAX_PLANNED]
    if not schedule.active:
        wanted = []
    slots = {slot_of(schedule, s): s for s in wanted}
    existing = db.session.scalars(select(ReviewMeeting).where(ReviewMeeting.schedule_id == schedule.id)
                                  .options(selectinload(ReviewMeeting.attendees))
                                  .order_by(ReviewMeeting.starts_at)).all()
    taken = {m.slot for m in existing}  # a slot once planned (even cancelled) is never planned again
    planned = [m for m in existing if m.status == "scheduled" and m.starts_at > now]
    keep = [m for m in planned if m.slot in slots]
    movable = [m for m in planned if m.slot not in slots]
    free = [s for slot, s in slots.items() if slot not in taken]
    people = _participants(schedule)
    for meeting in keep:
        _update_attendees(meeting, people, invite)
    _park(movable[:len(free)])  # slots are unique: free the old ones before any meeting takes a new one
    for meeting, starts_at in zip(movable, free):
        _move(meeting, schedule, starts_at, people, invite)
    for meeting in movable[len(free):]:
        _cancel(meeting, invite)
    created = []
    for starts_at in free[len(movable):]:
        meeting = ReviewMeeting(schedule=schedule, slot=slot_of(schedule, starts_at), starts_at=starts_at,
                                timezone=schedule.timezone,
                                ends_at=starts_at + timedelta(minutes=schedule.duration_minutes),
                                uid=f"review-{schedule.id}-{starts_at:%Y%m%dT%H%M}@okrapp", attendees=people)
        db.session.add(meeting)
        db.session.flush()
        invite(meeting, people)
        created.append(meeting)
    return created


def _participants(schedule: ReviewSchedule) -> list[User]:
    return [u for u in schedule.participants if u.active]


def _park(meetings: list[ReviewMeeting]) -> None:
    for meeting in meetings:
        meeting.slot = f"moving-{meeting.id}"
    db.session.flush()


def _move(meeting, schedule, starts_at, people, invite) -> None:
    removed = [u for u in meeting.attendees if u not in people]
    meeting.slot, meeting.starts_at, meeting.timezone = slot_of(schedule, starts_at), starts_at, schedule.timezone
    meeting.ends_at = starts_at + timedelta(minutes=schedule.duration_minutes)
    meeting.attendees = list(people)
    meeting.sequence += 1
    db.session.flush()
    invite(meeting, people)
    _uninvite(meeting, removed, invite)


def _update_attendees(meeting, people, invite) -> None:
    """Same time; only who is invited may differ. Duration edits count as a change of time."""
    length = timedelta(minutes=meeting.schedule.duration_minutes)
    removed = [u for u in meeting.attendees if u not in people]
    added = [u for u in people if u not in meeting.attendees]
    if not removed and not added and meeting.ends_at - meeting.starts_at == length:
        return
    meeting.attendees = list(people)
    meeting.ends_at = meeting.starts_at + length
    meeting.sequence += 1
    db.session.flush()
    invite(meeting, people)
    _uninvite(meeting, removed, invite)


def _uninvite(meeting, removed, invite) -> None:
    if removed:
        invite(meeting, removed, cancelled=True)


def _cancel(meeting, invite) -> None:
    meeting.status = "cancelled"
    meeting.sequence += 1
    db.session.flush()
    invite(meeting, list(meeting.attendees))
