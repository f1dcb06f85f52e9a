"""Board summaries in the app: archive, preview, send, resend, recipients, acknowledgement."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import policy
from ..extensions import db
from ..views import committed, saved
from ..models import BoardSummary
from ..services import ServiceError
from ..services import board as service
from ..timeutil import utcnow
from . import bp
from .forms import AckForm, RecipientForm, ResendForm, SendForm, SummaryScheduleForm


@bp.get("/board")
@policy.require(policy.can_read_summaries)
def archive():
    summaries = service.archive()
    return render_template("board/archive.html", summaries=summaries, latest=summaries[0] if summaries else None,
                           figures=json.loads(summaries[0].figures) if summaries else None)


@bp.get("/board/summaries/<int:summary_id>")
@policy.require(policy.can_read_summaries)
def summary(summary_id):
    item = db.session.get(BoardSummary, summary_id) or abort(404)
    form = ResendForm()
    form.email.choices = [(p["email"], f"{p['name'] or p['email']} <{p['email']}>")
                          for p in service.recipients(include_paused=True)]
    return render_template("board/summary.html", summary=item, resend_form=form)


@bp.get("/board/summaries/<int:summary_id>/email.html")
@policy.require(policy.can_read_summaries)
def summary_html(summary_id):
    """The HTML exactly as sent, for the sandboxed frame on the summary page."""
    item = db.session.get(BoardSummary, summary_id) or abort(404)
    return item.html_body, 200, {"Content-Type": "text/html; charset=utf-8",
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@bp.post("/board/summaries/<int:summary_id>/resend")
@policy.require(policy.can_manage_summaries)
def resend(summary_id):
    item = db.session.get(BoardSummary, summary_id) or abort(404)
    email = request.form.get("email", "")
    try:
        service.resend(item, email, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("board.summary", summary_id=item.id))
    return committed(f"Resent to {email}; the resend is logged.", "board.summary", summary_id=item.id)


@bp.route("/board/preview", methods=["GET"])
@policy.require(policy.can_manage_summaries)
def preview():
    period = request.args.get("period") or service.default_period(utcnow())
    try:
        figures, text, html = service.compose(period)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.archive"))
    return render_template("board/preview.html", period=period, subject=service.subject_for(period), text=text,
                           html=html, send_form=SendForm(period=period),
                           recipients=service.recipients(include_paused=True))


@bp.post("/board/send")
@policy.require(policy.can_manage_summaries)
def send_now():
    form = SendForm()
    if not form.validate_on_submit():
        flash("; ".join(form.period.errors) or "Choose a period.", "error")
        return redirect(url_for("board.preview"))
    try:
        count = service.send(form.period.data)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("board.preview"))
    return committed(f"Summary {form.period.data} sent to {count} recipient(s)"
                               + ("" if count else "; everyone had it already") + ".", "board.archive")


@bp.route("/board/settings", methods=["GET", "POST"])
@policy.require(policy.can_manage_summaries)
def settings():
    current = service.schedule()
    form = SummaryScheduleForm(obj=current)
    if form.validate_on_submit() and saved(form, lambda: service.save_schedule(
            weekday=form.weekday.data, time_of_day=form.time_of_day.data.strip(), timezone=form.timezone.data.strip(),
            cycle_end=form.cycle_end.data, active=form.active.data), "Summary schedule saved."):
        return redirect(url_for("board.settings"))
    return render_template("board/settings.html", form=form, recipient_form=RecipientForm(),
                           recipients=service.recipients(include_paused=True)), 422 if form.errors else 200


@bp.post("/board/recipients")
@policy.require(policy.can_manage_summaries)
def add_recipient():
    form = RecipientForm()
    if form.validate_on_submit():
        try:
            service.add_recipient(form.email.data, form.name.data or "")
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            return committed(f"{form.email.data} will receive the summaries.", "board.settings")
    else:
        flash("Enter a valid email address.", "error")
    return redirect(url_for("board.settings"))


@bp.post("/board/recipients/pause")
@policy.require(policy.can_manage_summaries)
def pause_recipient():
    paused = request.form.get("paused") == "1"
    try:
        service.set_paused(request.form.get("email", ""), paused)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.settings"))
    return committed("Paused." if paused else "Resumed.", "board.settings")


@bp.route("/board/ack/<token>", methods=["GET", "POST"])
def acknowledge(token):
    """Reached from the email without a password: it can do this one thing and nothing else."""
    try:
        delivery = service.delivery_for_token(token)
    except ServiceError as error:
        return render_template("board/ack.html", error=error.message, delivery=None), 400
    form = AckForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        service.acknowledge(delivery)
        db.session.commit()
    return render_template("board/ack.html", error=None, delivery=delivery, token=token, form=form)
