"""The reviews' scheduled work: meetings planned ahead, reminders, agendas, and incentive changes
decided in reviews taking effect on their date."""
from datetime import datetime

from okrapp.core.background.jobs import Job, daily
from okrapp.core.extensions import db
from okrapp.incentives import plans
from okrapp.integrations import events
from okrapp.reviews import decisions
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting


def _plan(period: str) -> str:
    return f"{len(reviews.plan_meetings())} meeting(s) planned"


def _meetings(select_due):
    def due(now: datetime) -> list[str]:
        return [f"meeting-{m.id}" for m in select_due(now)]
    return due


def _meeting(period: str) -> ReviewMeeting:
    meeting = db.session.get(ReviewMeeting, int(period.removeprefix("meeting-")))
    if meeting is None:
        raise ValueError(f"no meeting for period {period!r}")
    return meeting


def _remind(period: str) -> str:
    return f"{reviews.send_reminders(_meeting(period))} reminder(s) queued"


def _agenda(period: str) -> str:
    meeting = _meeting(period)
    agenda = reviews.generate_agenda(meeting)
    events.agenda_ready(meeting, agenda)  # the leadership team's chat channels
    return f"agenda with {len(agenda['priorities'])} priorities"


def _apply_incentive_changes(period: str) -> str:
    changes, started = decisions.apply_due_versions(), plans.apply_due_plans()
    return f"{changes} incentive change(s) and {started} plan(s) took effect"


def jobs() -> list[Job]:
    return [
        daily("reviews.plan", "Create review meetings ahead and invite participants", _plan),
        Job("reviews.remind", "Remind unit leaders to check in before a review",
            _meetings(reviews.reminder_due), _remind),
        Job("reviews.agenda", "Generate the agenda the day before a review", _meetings(reviews.agenda_due), _agenda),
        daily("incentives.apply", "Apply incentive changes and plans decided earlier whose date has come",
              _apply_incentive_changes),
    ]
