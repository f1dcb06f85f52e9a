"""The `okrapp` command: Flask's CLI over the app factory plus okrapp's own groups.

Its messages to people are in the organisation's language (OKRAPP_DEFAULT_LOCALE); what a machine
reads (--json) is not translated."""
import functools
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from okrapp.core import words
from okrapp.core.formatting import stored_text
from okrapp.core.extensions import db
from okrapp.core.words import _, ngettext
from okrapp.accounts.models import ROLES
from okrapp.board.rules import level_label


def with_appcontext_in_language(command):
    """flask's with_appcontext, with the command's words in the organisation's language."""
    @functools.wraps(command)
    def speaking(*args, **kwargs):
        with words.using(current_app.config.get("OKRAPP_DEFAULT_LOCALE")):
            return command(*args, **kwargs)
    return with_appcontext(speaking)


def fail(message: str) -> None:
    """Bad input: one clear line on stderr and exit status 2."""
    click.echo(_("Error: %(problem)s", problem=message), err=True)
    raise click.exceptions.Exit(2)


@click.command("demo")
@with_appcontext_in_language
def demo_command():
    """Load the demo organisation (once; running it again changes nothing)."""
    from okrapp.demo.company import DEMO_LOGINS, DEMO_PASSWORD, load_demo
    if not current_app.config.get("OKRAPP_DEMO_ALLOWED"):
        fail(_("the demo organisation is not loaded under the production configuration"))
    loaded = load_demo()
    db.session.commit()
    click.echo(_("Demo organisation loaded.") if loaded else _("Demo organisation already loaded; nothing changed."))
    click.echo(_("Logins (password %(password)s):", password=DEMO_PASSWORD))
    for email, role in DEMO_LOGINS:
        click.echo(f"  {email:<28} {role}")


users_group = click.Group("users", help="Manage users.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext_in_language
def create_user_command(email, role, name, password):
    """Create a user."""
    from email_validator import EmailNotValidError, validate_email

    from okrapp.core.errors import ServiceError
    from okrapp.accounts.people import create_user
    try:
        email = validate_email(email, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as error:
        fail(f"--email: {error}")
    if len(password) < 10:
        fail(_("--password: use at least 10 characters"))
    try:
        user = create_user(email, name or email.split("@")[0], role, password)
    except ServiceError as error:
        fail(error.message)
    db.session.commit()
    click.echo(_("Created %(email)s (%(role)s).", email=user.email, role=user.role))


@users_group.command("list")
@with_appcontext_in_language
def list_users_command():
    """List users with their roles."""
    from sqlalchemy import select

    from okrapp.accounts.models import User
    for user in db.session.scalars(select(User).order_by(User.email)):
        status = _("active") if user.active else _("inactive")
        click.echo(f"{user.email:<32} {user.role:<12} {status}")


conflicts_group = click.Group("conflicts", help="Incentive conflict detection.")


@conflicts_group.command("scan")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of FORMAT.md.")
@click.option("--max-depth", default=4, show_default=True, type=int, help="Longest path of links that counts (1-8).")
@with_appcontext_in_language
def scan_command(file, as_json, max_depth):
    """Scan a scenario FILE, or the database when no FILE is given.

    Exit status: 0 no conflicts, 1 conflicts found, 2 bad input."""
    from okrapp.conflicts.rules.detection import scan
    from okrapp.conflicts.rules.scenario import ScenarioError, load_scenario
    if not 1 <= max_depth <= 8:
        fail(_("--max-depth must be between 1 and 8"))
    if file:
        try:
            with open(file, encoding="utf-8") as handle:
                scenario = load_scenario(handle.read())
        except (OSError, UnicodeDecodeError) as error:
            fail(f"{file}: {error}")
        except ScenarioError as error:
            for problem in error.problems:
                click.echo(f"{file}: {problem}", err=True)
            raise click.exceptions.Exit(2) from None
        result = scan(scenario, max_depth)
    else:
        from okrapp.conflicts.goals import scan_database
        result, scenario, _info = scan_database(max_depth)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=1, ensure_ascii=False))
    else:
        click.echo(render_findings(result))
    raise click.exceptions.Exit(1 if result.conflicts else 0)


def render_findings(result) -> str:
    """A table people read in a terminal: worst first, one sentence each."""
    if not result.conflicts and not result.tensions:
        return _("No conflicts and no tensions.")
    lines = []
    for title, findings in ((_("Conflicts (%(num)s):", num=len(result.conflicts)), result.conflicts),
                            (_("Tensions (%(num)s):", num=len(result.tensions)), result.tensions)):
        if not findings:
            continue
        lines.append(title)
        severity, kind, pair = _("severity"), _("kind"), _("pair")
        lines.append(f"  {severity:>8}  {kind:<9} {pair}")
        for f in findings:
            lines.append(f"  {f.severity:>8.3f}  {f.kind:<9} {f.a} <-> {f.b}")
            lines.append(f"  {'':>8}  {'':<9} {f.explanation}")
    return "\n".join(lines)


@conflicts_group.command("refresh")
@with_appcontext_in_language
def refresh_command():
    """Re-scan the database now and update the conflict items (the scheduler does this after changes)."""
    from okrapp.conflicts.operations import refresh_items, scan_state
    report = refresh_items()
    db.session.commit()
    state = scan_state()
    click.echo(_("%(items)s from %(pairs)s in %(seconds)s s: %(new)s new, %(reopened)s reopened, %(resolved)s resolved "
                 "by change, %(open)s open.",
                 items=ngettext("%(num)s item", "%(num)s items", state.items),
                 pairs=ngettext("%(num)s conflicting pair", "%(num)s conflicting pairs", state.pairs),
                 seconds=f"{state.seconds:.2f}", new=len(report.new), reopened=len(report.reopened),
                 resolved=len(report.resolved_by_change), open=report.still_open))


incentives_group = click.Group("incentives", help="Unit incentives and legacy KPIs.")


@incentives_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--period", default="", help="e.g. 2026")
@click.option("--dry-run", is_flag=True, help="Only check the sheet.")
@with_appcontext_in_language
def import_command(file, period, dry_run):
    """Import a legacy KPI / bonus sheet (CSV or .xlsx). All rows or none."""
    from okrapp.incentives.operations import import_sheet, preview_sheet, sheet_what_if
    with open(file, "rb") as handle:
        data = handle.read()
    report = preview_sheet(data, period)
    for line, message in report.problems:
        click.echo(f"{file}:{line}: {message}" if line else f"{file}: {message}", err=True)
    if not report.ok:
        raise click.exceptions.Exit(2)
    _echo_what_if(sheet_what_if(report, period))
    if dry_run:
        click.echo(ngettext("%(num)s row is fine; nothing imported (--dry-run).",
                            "%(num)s rows are fine; nothing imported (--dry-run).", len(report.rows)))
        return
    created = import_sheet(data, None, period)
    db.session.commit()
    click.echo(ngettext("Imported %(num)s incentive.", "Imported %(num)s incentives.", created))


def _echo_what_if(what_if) -> None:
    """The sheet's what-if, as the preview page words it, shortly."""
    if what_if is None:
        return
    counts = {"opened": len(what_if.opens), "settled": len(what_if.settles), "unchanged": len(what_if.unchanged)}
    if what_if.period == "today":
        click.echo(_("What this sheet would do to conflicts: %(opened)s opened, %(settled)s settled, %(unchanged)s "
                     "unchanged.", **counts))
    else:
        click.echo(_("What this sheet would do to conflicts in %(period)s: %(opened)s opened, %(settled)s settled, "
                     "%(unchanged)s unchanged.", period=what_if.period, **counts))
    for change in what_if.opens:
        level = level_label(change.level)
        if change.against:
            click.echo("  " + _("opens [%(level)s] %(title)s works against %(against)s", level=level,
                                title=change.title, against="; ".join(change.against)))
        else:
            click.echo("  " + _("opens [%(level)s] %(title)s", level=level, title=change.title))
    for change in what_if.settles:
        click.echo("  " + _("settles [%(level)s] %(title)s", level=level_label(change.level), title=change.title))
    for row in what_if.unpaired:
        pairs = (" " + _("or") + " ").join(str(what_if.labels.get(key, key)) for key in row.suggested)
        click.echo("  " + _("unpaired: %(unit)s: %(name)s — pair it with %(metrics)s", unit=row.unit, name=row.name,
                            metrics=pairs))


@click.command("periods")
@with_appcontext_in_language
def periods_command():
    """List the plan periods: their dates (or undated) and how many active incentives each holds."""
    from okrapp.admin.periods import periods_with_counts
    from okrapp.core.formatting import day
    rows = periods_with_counts()
    if not rows:
        click.echo(_("No plan periods yet."))
    for period, count in rows:
        dates = f"{day(period.starts_on)} – {day(period.ends_on)}" if period.dated else _("undated")
        incentives = ngettext("%(num)s incentive", "%(num)s incentives", count)
        click.echo(f"{period.name:<40} {dates:<27} {incentives}")
    undated = sum(1 for period, _count in rows if not period.dated)
    if undated:
        click.echo(ngettext("%(num)s period needs dates (Admin → Plan periods): their incentives count as running "
                            "always until dated.",
                            "%(num)s periods need dates (Admin → Plan periods): their incentives count as running "
                            "always until dated.", undated))


@click.command("plans")
@with_appcontext_in_language
def plans_command():
    """List the units' plans for coming periods: their state, rows, and when an approved one takes effect."""
    from okrapp.core.formatting import day
    from okrapp.incentives.plans import STATUS_LABELS, plans
    found = plans()
    if not found:
        click.echo(_("No plans yet: incentives for a period that has not started form their unit's plan for it."))
    for plan in found:
        rows = sum(1 for row in plan.rows if row.active)
        when = " · " + _("takes effect %(day)s", day=day(plan.period.starts_on)) if plan.status == "approved" else ""
        status = _(str(STATUS_LABELS[plan.status]))
        counted = ngettext("%(num)s row", "%(num)s rows", rows)
        click.echo(f"{plan.unit.name:<32} {plan.period.name:<12} {status:<20} {counted}{when}")


reviews_group = click.Group("reviews", help="Priority reviews.")


@reviews_group.command("upcoming")
@click.option("--plan/--no-plan", default=True, help="Plan meetings from the schedules first.")
@with_appcontext_in_language
def upcoming_command(plan):
    """List the next review meetings."""
    from okrapp.core.formatting import moment
    from okrapp.domain.recurrence import local
    from okrapp.reviews.operations import plan_meetings, upcoming
    if plan:
        plan_meetings()
        db.session.commit()
    meetings = upcoming()
    if not meetings:
        click.echo(_("No review meetings ahead. An admin or executive adds a review schedule."))
    for m in meetings:
        at = local(m.starts_at, m.timezone)
        click.echo(f"{moment(at)} {at.tzname()}  {m.status:<10} "
                   f"{m.schedule.name if m.schedule else ''}  (#{m.id})")


@reviews_group.command("remind")
@click.option("--due", is_flag=True, required=True, help="Send the reminders that are due now.")
@with_appcontext_in_language
def remind_command(due):
    """Send the check-in reminders that are due now (once per meeting)."""
    from okrapp.core.background.jobs import run_job
    from okrapp.reviews.operations import reminder_due
    from okrapp.core.timeutil import utcnow
    meetings = reminder_due(utcnow())
    for meeting in meetings:
        run = run_job("reviews.remind", f"meeting-{meeting.id}")
        click.echo(f"meeting-{meeting.id}: " + (stored_text(run.detail) if run else _("already sent")))
    if not meetings:
        click.echo(_("No reminders are due."))


@click.command("jobs")
@click.argument("action", required=False, type=click.Choice(["list", "run"]), default="list")
@click.argument("job", required=False)
@click.option("--period", help="The period to run (default: the ones due now).")
@with_appcontext_in_language
def jobs_command(action, job, period):
    """List scheduled jobs and their last runs, or run one: okrapp jobs run JOB [--period P]."""
    from okrapp.core.background.jobs import registry, run_job, worker_name
    from okrapp.core.background.listing import listing, why_not_run
    from okrapp.core.timeutil import utcnow
    if action == "list":
        click.echo("\n".join(listing(utcnow())))
        return
    jobs = registry()
    if job not in jobs:
        fail(_("JOB must be one of: %(jobs)s", jobs=", ".join(jobs)))
    periods = [period] if period else jobs[job].due(utcnow())
    if not periods:
        click.echo(_("%(job)s: nothing is due now; name a period with --period.", job=job))
    for p in periods:
        # a named period is re-run when it failed or its lease ran out; a done one never twice
        run = run_job(job, p, claimed_by=f"cli:{worker_name()}", force=bool(period))
        if run is None:
            click.echo(_("%(job)s %(period)s: %(why)s; nothing done.", job=job, period=p, why=why_not_run(job, p)))
        else:
            click.echo(f"{job} {p}: {run.status}: {stored_text(run.detail)}")
            if run.status in ("failed", "retrying"):
                raise click.exceptions.Exit(1)


@click.command("scheduler")
@with_appcontext_in_language
def scheduler_command():
    """Run a scheduler process in the foreground. Start any number (e.g. one per host): exactly one
    is active at a time, the others take over within seconds when it stops. SIGTERM stops it."""
    import signal
    import threading

    from okrapp.core.background.scheduler import run_forever
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_forever(current_app._get_current_object(), stop)


board_group = click.Group("board-summary", help="Board summaries by email.")


def _period_or_default(period):
    import re

    from okrapp.board.operations import default_period
    from okrapp.core.timeutil import utcnow
    if period and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])|cycle-\d+", period):
        fail(_("--period must look like 2026-10 (or cycle-ID), not %(period)s", period=repr(period)))
    return period or default_period(utcnow())


@board_group.command("preview")
@click.option("--period", help="YYYY-MM (default: the last month).")
@with_appcontext_in_language
def board_preview_command(period):
    """Print the plain-text part of the summary as it would be sent now."""
    from okrapp.core.errors import ServiceError
    from okrapp.board.operations import compose, subject_for
    period = _period_or_default(period)
    try:
        _figures, text, _html = compose(period)
    except ServiceError as error:
        fail(error.message)
    click.echo(_("Subject: %(subject)s", subject=subject_for(period)) + "\n")
    click.echo(text)


@board_group.command("send")
@click.option("--period", help="YYYY-MM (default: the last month).")
@click.option("--yes", "early", is_flag=True, help="Send a period that is still running without asking.")
@with_appcontext_in_language
def board_send_command(period, early):
    """Send the summary: once per recipient and period, however often this runs. A month (or
    cycle) that has not ended is sent only after a yes (asked, or --yes)."""
    from okrapp.core import mail
    from okrapp.core.errors import ServiceError
    from okrapp.board.operations import needs_early_yes, period_title, send
    period = _period_or_default(period)
    try:
        if not early and needs_early_yes(period):
            early = click.confirm(_("%(period)s is still running: its figures stop at today and this summary stays the "
                                    "one kept for the whole period. Send it now?", period=period_title(period)),
                                  default=False)
            if not early:
                fail(_("Not sent. Run again with --yes to send a running period early."))
        count = send(period, early=early)
    except ServiceError as error:
        fail(error.message)
    except click.Abort:
        fail(_("Not sent. Run again with --yes to send a running period early."))
    db.session.commit()
    sent, failed = mail.deliver_pending()
    click.echo(ngettext("%(period)s: queued for %(num)s new recipient; delivered %(sent)s, %(failed)s to retry.",
                        "%(period)s: queued for %(num)s new recipients; delivered %(sent)s, %(failed)s to retry.",
                        count, period=period, sent=sent, failed=failed))


@click.command("rebuild-dashboard")
@with_appcontext_in_language
def rebuild_dashboard_command():
    """Recompute the dashboard's pre-aggregated figures from the check-in history (after a bulk
    import or an upgrade)."""
    from sqlalchemy import select

    from okrapp.okrs.models import Cycle
    from okrapp.okrs.aggregates import rebuild
    for cycle in db.session.scalars(select(Cycle).order_by(Cycle.starts_on)):
        scores = rebuild(cycle)
        click.echo(ngettext("%(cycle)s: %(num)s weekly score", "%(cycle)s: %(num)s weekly scores", scores,
                            cycle=cycle.name))
    db.session.commit()


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@with_appcontext_in_language
def backup_command(file):
    """Write every table to FILE (default: instance/backups/okrapp-<time>.jsonl.gz), consistently,
    while the app runs. Restore it with `okrapp restore FILE`."""
    from pathlib import Path

    from okrapp.admin.backup import backup
    from okrapp.core.timeutil import utcnow
    if file is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"okrapp-{utcnow():%Y%m%dT%H%M%SZ}.jsonl.gz"
    counts = backup(Path(file))
    click.echo(_("Backed up %(rows)s of %(tables)s to %(file)s.", file=file, **_rows_and_tables(counts)))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext_in_language
def restore_command(file, force):
    """Replace the database's contents with a backup (all or nothing). Stop the web and scheduler
    processes first; the database must be migrated to the backup's revision."""
    from pathlib import Path

    from okrapp.admin.backup import BackupError, restore
    try:
        counts = restore(Path(file), force=force)
    except BackupError as error:
        fail(str(error))
    from okrapp.core import caching
    caching.clear()  # the restore wrote past the session: no page kept before it may be served after it
    click.echo(_("Restored %(rows)s of %(tables)s from %(file)s.", file=file, **_rows_and_tables(counts)))


def _rows_and_tables(counts: dict) -> dict:
    rows = sum(counts.values())
    return {"rows": ngettext("%(num)s row", "%(num)s rows", rows),
            "tables": ngettext("%(num)s table", "%(num)s tables", len(counts))}


cache_group = click.Group("cache", help="Pages kept between changes (okrapp/core/caching).")


@cache_group.command("clear")
@with_appcontext_in_language
def clear_cache_command():
    """Forget every kept page, in every process and in Redis; each is computed afresh on its next request."""
    from okrapp.core import caching
    caching.clear()
    click.echo(_("Page cache cleared: each page is computed afresh on its next request."))


def register_commands(app) -> None:
    app.cli.add_command(cache_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(rebuild_dashboard_command)
    app.cli.add_command(board_group)
    app.cli.add_command(reviews_group)
    app.cli.add_command(jobs_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(conflicts_group)
    app.cli.add_command(incentives_group)
    app.cli.add_command(periods_command)
    app.cli.add_command(plans_command)
