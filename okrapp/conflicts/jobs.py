"""The conflict scan's scheduled work: a daily full scan, and every minute the catch-up after saves
that marked the conflict items stale."""
from okrapp.conflicts.operations import refresh_if_pending, refresh_items
from okrapp.core.background.jobs import Job, daily
from okrapp.core.extensions import db
from okrapp.core.formatting import change, marked
from okrapp.core.words import N_, _l


def _refresh(period: str) -> dict:
    report = refresh_items()
    return change(N_("%(new)s, %(resolved)s"),
                  new=marked.ngettext("%(num)s new", "%(num)s new", len(report.new)),
                  resolved=marked.ngettext("%(num)s resolved by change", "%(num)s resolved by change",
                                           len(report.resolved_by_change)))


def catch_up() -> None:
    """Saves only mark the conflict items stale; they catch up here, outside any web request."""
    if refresh_if_pending() is not None:
        db.session.commit()


def jobs() -> list[Job]:
    return [daily("conflicts.refresh", _l("Re-scan incentives, links and check-ins for conflicts"), _refresh)]
