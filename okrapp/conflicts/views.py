"""Conflict items: the list a leadership team reviews, one item's evidence and history, and what
leadership decides about it."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.caching.pages import cached_page
from okrapp.conflicts.rules.items import LEVELS
from okrapp.conflicts.models import ITEM_STATUS_LABELS
from okrapp.conflicts.pages import LEVEL_FILTERS, STATUS_FILTERS
from okrapp.core.web.pagination import requested_page
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.conflicts import operations as service
from okrapp.conflicts import pages, visibility
from okrapp.core.web.validators import bounded_int
from okrapp.conflicts.forms import ItemActionForm
from okrapp.core.words import _

bp = Blueprint("conflicts", __name__)

ITEMS_PER_PAGE = 30
PAIRS_PER_PAGE = 50


@bp.get("/conflicts")
@policy.require(policy.can_view)
@cached_page("conflicts", "incentives", "okrs")
def items():
    status = request.args.get("status") if request.args.get("status") in STATUS_FILTERS else "open"
    level = request.args.get("level") if request.args.get("level") in LEVEL_FILTERS else "major"
    unit_id = bounded_int(request.args.get("unit"))
    found = pages.item_list(current_user, status, level, unit_id, lambda total: requested_page(total, ITEMS_PER_PAGE))
    return render_template("conflicts/list.html", items=found.items, units=found.units, unit_id=unit_id, level=level,
                           status=status, statuses=ITEM_STATUS_LABELS, by_level=found.by_level, folded=found.folded,
                           state=found.state, names=found.names, page=found.page, levels=LEVELS, coming=found.coming)


@bp.route("/conflicts/<int:item_id>", methods=["GET", "POST"])
@policy.require(policy.can_view)
def item(item_id):
    found = pages.item_or_404(item_id)
    policy.ensure(visibility.can_view(current_user, found))
    form = ItemActionForm()
    status = 200
    if request.method == "POST":
        policy.ensure(policy.can_act_on_conflicts(current_user))
        if form.validate_on_submit():
            try:
                service.decide(found, form.action.data, current_user, form.note.data or "", form.version.data)
            except ServiceError as error:
                form.note.errors = [error.message]
                status = 409 if isinstance(error, StaleEdit) else 422
            else:
                flash(_(service.ACTIONS[form.action.data][3]))
                return redirect(url_for("conflicts.item", item_id=found.id))
        else:
            status = 422
    page = requested_page(found.pairs if not found.is_tension else found.tension_pairs, PAIRS_PER_PAGE)
    pairs, total = service.item_evidence(found, page.per_page, page.offset)
    return render_template("conflicts/detail.html", item=found, form=form, actions=service.ACTIONS,
                           names=pages.metric_names(), pairs=pairs, page=page, levels=LEVELS,
                           state=service.current_scan_state()), status
