"""What `okrapp jobs` tells people about the scheduler and the jobs, in the language of the moment:
each job's last run, the runs of due periods that wait, what is due now or when it falls due."""
from datetime import UTC, datetime

from sqlalchemy import select

from okrapp.core.background.jobs import JobState, states
from okrapp.core.extensions import db
from okrapp.core.formatting import stamp, stored_text
from okrapp.core.models import JobRun, apscheduler_jobs
from okrapp.core.timeutil import app_zone, to_local
from okrapp.core.words import _


def listing(now: datetime) -> list[str]:
    """The scheduler's jobs with their next run, every job's state, and the last runs."""
    zone = app_zone()
    lines = [_("Times in %(zone)s.", zone=zone.key), _("Scheduler:")]
    rows = db.session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all()
    if not rows:
        lines.append("  " + _("not started yet (okrapp run or okrapp scheduler starts it)"))
    for job_id, next_run in rows:
        when = stamp(datetime.fromtimestamp(next_run, UTC).replace(tzinfo=None), zone) if next_run else _("paused")
        lines.append(f"  {job_id:<16} " + _("next run %(when)s", when=when))
    lines.append(_("Jobs:"))
    for state in states(now):
        lines.append(f"  {state.job.name:<20} {state.job.description}; {job_state(state, zone)}")
    lines.append(_("Last runs:"))
    for run in db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(15)):
        lines.append(f"  {stamp(run.started_at, zone):<18}  {run.job:<20} {run.period:<14} {run.status:<8} "
                     f"{run.attempts}x {stored_text(run.detail)}")
    return lines


def job_state(state: JobState, zone) -> str:
    """Its last run; a due period's run that waits; what is due now, or when the next period falls due."""
    last = state.last_run
    parts = [_("last run %(when)s (%(period)s, %(status)s)", when=stamp(last.started_at, zone), period=last.period,
               status=last.status) if last else _("never run")]
    for run in state.waiting:
        if run.status == "running":
            parts.append(_("%(period)s running in %(holder)s until %(when)s", period=run.period, holder=run.claimed_by,
                           when=stamp(run.lease_until, zone)))
        elif run.status == "retrying":
            parts.append(_("%(period)s retried at %(when)s", period=run.period, when=stamp(run.next_attempt_at, zone)))
        elif run.status == "failed":
            parts.append(_("%(period)s failed (okrapp jobs run %(job)s --period %(period)s)", period=run.period,
                           job=state.job.name))
        else:
            parts.append(f"{run.period} {run.status}")
    if state.due_now:
        parts.append(_("due now: %(periods)s", periods=", ".join(state.due_now)))
    else:
        parts.append(_("next due %(when)s", when=stamp(state.next_due, zone)) if state.next_due else
                     _("nothing due now"))
    return "; ".join(parts)


def why_not_run(job: str, period: str) -> str:
    """Why `okrapp jobs run` did nothing for (job, period)."""
    run = db.session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period))
    if run is not None and run.status == "running":
        until = to_local(run.lease_until).strftime("%H:%M:%S")
        return _("running now in %(holder)s (lease until %(time)s)", holder=run.claimed_by, time=until)
    return _("already ran for this period")
