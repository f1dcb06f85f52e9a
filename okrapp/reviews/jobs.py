"""The reviews' scheduled work: meetings planned ahead, reminders, agendas, and incentive changes
decided in reviews taking effect on their date."""
from datetime import datetime

from okrapp.core.background.jobs import Job, daily
from okrapp.core.extensions import db
from okrapp.core.formatting import change, marked
from okrapp.core.words import N_, _l
from okrapp.incentives import plans
from okrapp.integrations import events
from okrapp.reviews import decisions
from okrapp.reviews import operations as reviews
from okrapp.reviews.models import ReviewMeeting


def _plan(period: str) -> dict:
    return marked.ngettext("%(num)s meeting planned", "%(num)s meetings planned", len(reviews.plan_meetings()))


def _meetings(select_due):
    def due(now: datetime) -> list[str]:
        return [f"meeting-{m.id}" for m in select_due(now)]
    return due


def _meeting(period: str) -> ReviewMeeting:
    meeting = db.session.get(ReviewMeeting, int(period.removeprefix("meeting-")))
    if meeting is None:
        raise ValueError(f"no meeting for period {period!r}")
    return meeting


def _remind(period: str) -> dict:
    return marked.ngettext("%(num)s reminder queued", "%(num)s reminders queued",
                           reviews.send_reminders(_meeting(period)))


def _agenda(period: str) -> dict:
    meeting = _meeting(period)
    agenda = reviews.generate_agenda(meeting)
    events.agenda_ready(meeting, agenda)  # the leadership team's chat channels
    return marked.ngettext("agenda with %(num)s priority", "agenda with %(num)s priorities", len(agenda["priorities"]))


def _apply_incentive_changes(period: str) -> dict:
    changes, started = decisions.apply_due_versions(), plans.apply_due_plans()
    return change(N_("%(changes)s and %(plans)s took effect"),
                  changes=marked.ngettext("%(num)s incentive change", "%(num)s incentive changes", changes),
                  plans=marked.ngettext("%(num)s plan", "%(num)s plans", started))


def jobs() -> list[Job]:
    return [
        daily("reviews.plan", _l("Create review meetings ahead and invite participants"), _plan),
        Job("reviews.remind", _l("Remind unit leaders to check in before a review"),
            _meetings(reviews.reminder_due), _remind),
        Job("reviews.agenda", _l("Generate the agenda the day before a review"), _meetings(reviews.agenda_due),
            _agenda),
        daily("incentives.apply", _l("Apply incentive changes and plans decided earlier whose date has come"),
              _apply_incentive_changes),
    ]
