"""Downloads: thin views over exports.operations, written out by core.files.spreadsheets."""
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.files.spreadsheets import csv_lines
from okrapp.core.files.workbook_stream import stream_xlsx
from okrapp.core.web.validators import bounded_int as int_or_none
from okrapp.exports import operations as service
from okrapp.okrs.scoreboard import current_cycle, cycles
from okrapp.core.timeutil import local_today

bp = Blueprint("exports", __name__)

DATASETS = ("key-results", "check-ins", "conflicts", "decisions")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/exports")
@policy.require(policy.can_view)
def index():
    today = local_today()
    return render_template("exports/index.html", cycle=current_cycle(today, int_or_none(request.args.get("cycle"))),
                           cycles=cycles())


@bp.get("/exports/<dataset>.<fmt>")
@policy.require(policy.can_view)
def download(dataset, fmt):
    if dataset not in DATASETS or fmt not in MIMETYPES:
        abort(404)
    cycle = None
    if dataset in ("key-results", "check-ins"):
        cycle = current_cycle(local_today(), int_or_none(request.args.get("cycle")))
        if cycle is None:
            abort(404)
    header, rows = {
        "key-results": lambda: service.key_results(cycle),
        "check-ins": lambda: service.check_ins(cycle),
        "conflicts": lambda: service.conflict_items(current_user),
        "decisions": service.decisions,
    }[dataset]()
    name = f"okrapp-{dataset}{'-' + _slug(cycle.name) if cycle else ''}-{local_today().isoformat()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    # rows come in batches that need neither this request's session nor its context (see
    # exports.operations), so however long the dataset memory stays flat
    if fmt == "xlsx":  # the workbook is zipped as it is written: its first bytes leave at once
        return Response(stream_xlsx(chain_rows(header, rows), dataset), content_type=MIMETYPES[fmt], headers=headers)
    return Response(csv_lines([header], rows), content_type=MIMETYPES[fmt], headers=headers)


def chain_rows(header, rows):
    yield header
    yield from rows


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")[:40] or "cycle"


@bp.get("/calendar/<token>.ics")
def calendar_feed(token):
    """The secret URL is the credential (calendar apps cannot log in); renewing it on the account
    page ends the old one."""
    user = service.user_by_calendar_token(token)
    if user is None:
        abort(404)
    body = service.review_feed(user, current_app.config.get("OKRAPP_BASE_URL", ""))
    return Response(body, mimetype="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"})
