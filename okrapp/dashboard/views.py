"""The executive home, and the drill-downs: unit and key result."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.caching.pages import cached_page
from okrapp.core.web.validators import bounded_int as int_or_none
from okrapp.okrs.forms import CheckInForm
from okrapp.dashboard import operations as service
from okrapp.reviews.operations import next_review
from okrapp.okrs.scoreboard import current_cycle, cycles
from okrapp.core.timeutil import local_today
from okrapp.dashboard.svg import history_chart, sparkline

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@policy.require(policy.can_view_dashboard)
@cached_page("okrs", "conflicts", "reviews", "incentives", per_minute=True)
def executive():
    today = local_today()
    cycle = current_cycle(today, int_or_none(request.args.get("cycle")))
    return render_template("dashboard/executive.html", home=service.executive_home(cycle, today), cycles=cycles(),
                           sparkline=sparkline, today=today)


@bp.get("/units/<int:unit_id>")
@policy.require(policy.can_view)
@cached_page("okrs", "conflicts", "reviews", "incentives")
def unit(unit_id):
    return render_template("dashboard/unit.html", page=service.unit_page_for(current_user, unit_id, local_today()))


def _review_for_target(kr, cycle):
    """The review an executive can change this key result's target in: the next one, when the key
    result belongs to the cycle reviews decide on (the current one)."""
    if not policy.can_run_reviews(current_user):
        return None
    current = current_cycle(local_today())
    return next_review() if current is not None and current.id == cycle.id else None


@bp.get("/key-results/<int:kr_id>")
@policy.require(policy.can_view)
@cached_page("okrs", "reviews", per_minute=True)  # "change this target in the next review": the clock decides which
def key_result(kr_id):
    found = service.key_result_page(kr_id, local_today()) or abort(404)
    kr, cycle, history, score = found
    targets = service.target_history(kr.id)
    chart = history_chart([(c.created_at, c.value, c.confidence) for c in history if c.superseded_at is None],
                          starts_on=cycle.starts_on,
                          ends_on=cycle.ends_on, baseline=kr.baseline, target=kr.target, forecast=kr.forecast,
                          unit=kr.metric.unit, target_changes=[(t.changed_at, t.old_target, t.new_target)
                                                                for t in targets])
    form = CheckInForm()
    form.version.data = kr.version
    return render_template("dashboard/key_result.html", kr=kr, cycle=cycle, history=history, score=score, chart=chart,
                           targets=targets,
                           form=form, can_check_in=policy.can_check_in(current_user, kr),
                           can_correct=policy.can_correct_check_in(current_user, kr),
                           next_review=_review_for_target(kr, cycle))
