"""Board summaries in the app: archive, preview, send, resend, recipients, acknowledgement."""
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core import policy
from okrapp.core.caching.pages import cached_page
from okrapp.core.extensions import csrf
from okrapp.core import i18n, mail
from okrapp.core.words import _, lazy_pgettext, ngettext
from okrapp.core.web.forms import show_service_error
from okrapp.core.web.validators import bounded_int as int_or_none
from okrapp.core.web.views import committed, form_status, saved, stale_page
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.versioning import parse_version
from okrapp.board import operations as service
from okrapp.board.rules import SHOWN
from okrapp.core.timeutil import utcnow
from okrapp.board.forms import AckForm, NoteForm, RecipientForm, ResendForm, SendForm, SummaryScheduleForm

bp = Blueprint("board", __name__)
DELIVERY_KINDS = {"scheduled": lazy_pgettext("delivery", "scheduled"), "resend": lazy_pgettext("delivery", "resend")}
OUTBOX_STATES = {
    "pending": lazy_pgettext("mail", "pending"), "sending": lazy_pgettext("mail", "sending"),
    "handed": lazy_pgettext("mail", "handed"), "sent": lazy_pgettext("mail", "sent"),
    "failed": lazy_pgettext("mail", "failed"), "uncertain": lazy_pgettext("mail", "uncertain")}


@bp.get("/board")
@policy.require(policy.can_read_summaries)
@cached_page("board", unless=policy.can_manage_summaries)  # managers see each mail's delivery as it goes
def archive():
    summaries = service.archive()
    return render_template("board/archive.html", summaries=summaries, latest=summaries[0] if summaries else None,
                           figures=json.loads(summaries[0].figures) if summaries else None, shown=SHOWN,
                           titles={s.id: service.title_of(s) for s in summaries},
                           latest_subject=service.subject_of(summaries[0]) if summaries else "")


@bp.get("/board/summaries/<int:summary_id>")
@policy.require(policy.can_read_summaries)
@cached_page("board", unless=policy.can_manage_summaries)
def summary(summary_id):
    item = service.summary_or_404(summary_id)
    form = ResendForm()
    form.email.choices = [(p["email"], f"{p['name'] or p['email']} <{p['email']}>")
                          for p in service.recipients(include_paused=True)]
    return render_template("board/summary.html", summary=item, subject=service.subject_of(item), resend_form=form,
                           figures=json.loads(item.figures), shown=SHOWN, delivery_kinds=DELIVERY_KINDS, outbox_states=OUTBOX_STATES, error_text=mail.error_text)


@bp.get("/board/summaries/<int:summary_id>/email.html")
@policy.require(policy.can_read_summaries)
def summary_html(summary_id):
    """The HTML exactly as sent, for the sandboxed frame on the summary page."""
    return _mail_document(service.summary_or_404(summary_id).html_body)


def _mail_document(html: str):
    """Mail HTML keeps its inline styles (mail clients need them), so it is served on its own with a
    policy that allows those styles and nothing else, framed only by our own pages."""
    return html, 200, {"Content-Type": "text/html; charset=utf-8", "X-Frame-Options": "SAMEORIGIN",
                       "Content-Security-Policy": MAIL_CSP}


MAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@bp.get("/board/preview/email.html")
@policy.require(policy.can_prepare_summaries)
def preview_html():
    """The preview's HTML part, for the sandboxed frame on the preview page."""
    try:
        _figures, _text, html = service.compose(request.args.get("period") or service.next_period(utcnow()))
    except ServiceError:
        abort(404)
    return _mail_document(html)


@bp.post("/board/summaries/<int:summary_id>/resend")
@policy.require(policy.can_manage_summaries)
def resend(summary_id):
    email = request.form.get("email", "")
    try:
        service.resend_summary(summary_id, email, current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.summary", summary_id=summary_id))
    return committed(_("Resent to %(email)s; the resend is logged.", email=email), "board.summary",
                     summary_id=summary_id)


@bp.route("/board/preview", methods=["GET"])
@policy.require(policy.can_prepare_summaries)
def preview():
    period = request.args.get("period") or service.next_period(utcnow())
    return _preview_page(period, NoteForm(formdata=None))


def _preview_page(period: str, note_form: NoteForm, status: int = 200):
    """The next summary as the board would get it now, with the note form and the send button."""
    made = service.made_summary(period)
    if made is not None:
        flash(_("The summary for %(period)s has been made; this is what was sent.", period=service.title_of(made)))
        return redirect(url_for("board.summary", summary_id=made.id))
    try:
        figures, text, html = service.compose(period)
        running = service.is_running(period)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.archive"))
    note = service.note_record(period)
    if not note_form.is_submitted():
        note_form.period.data, note_form.text.data = period, note.text if note else ""
        note_form.version.data = note.version if note else ""
    return render_template("board/preview.html", period=period, subject=service.subject_for(period), text=text,
                           html=html, figures=figures, shown=SHOWN, running=running, note=note, note_form=note_form,
                           send_form=SendForm(period=period), recipients=service.recipients(include_paused=True)), status


@bp.post("/board/note")
@policy.require(policy.can_prepare_summaries)
def save_note():
    form = NoteForm()
    period = form.period.data or ""
    if not form.validate_on_submit():
        if form.period.errors:
            abort(400)
        return _preview_page(period, form, 422)
    try:
        service.save_covering_note(period, form.text.data or "", by=current_user,
                                   version=int_or_none(form.version.data) or 0)
    except ServiceError as error:
        show_service_error(form, error)
        return _preview_page(period, form, 409 if isinstance(error, StaleEdit) else 422)
    flash(_("Covering note saved; it will stand at the top of the summary."))
    return redirect(url_for("board.preview", period=period))


@bp.post("/board/send")
@policy.require(policy.can_manage_summaries)
def send_now():
    """Queues the summary; the scheduler delivers it (no SMTP inside a web request)."""
    form = SendForm()
    if not form.validate_on_submit():
        flash("; ".join(str(error) for error in form.period.errors) or _("Choose a period."), "error")
        return redirect(url_for("board.preview"))
    period = form.period.data
    try:
        count = service.send_summary(period, early=form.early.data)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.preview", period=period))
    flash(ngettext("Summary %(period)s queued for %(num)s recipient; it goes out within a minute",
                   "Summary %(period)s queued for %(num)s recipients; it goes out within a minute", count,
                   period=period)
          if count else _("Summary %(period)s: everyone had it already.", period=period))
    return redirect(url_for("board.archive"))


@bp.route("/board/settings", methods=["GET", "POST"])
@policy.require(policy.can_manage_summaries)
def settings():
    current = service.schedule()
    form = SummaryScheduleForm(obj=current)
    if form.validate_on_submit() and saved(form, lambda: service.save_schedule(
            weekday=form.weekday.data, time_of_day=form.time_of_day.data.strip(), timezone=form.timezone.data.strip(),
            cycle_end=form.cycle_end.data, active=form.active.data, by=current_user,
            expected_version=parse_version(form.version.data)), _("Summary schedule saved.")):
        return redirect(url_for("board.settings"))
    return render_template("board/settings.html", form=form, recipient_form=RecipientForm(),
                           recipients=service.recipients(include_paused=True), language_names=dict(i18n.choices())), \
        form_status(form)


@bp.post("/board/recipients")
@policy.require(policy.can_manage_summaries)
def add_recipient():
    form = RecipientForm()
    if form.validate_on_submit():
        try:
            service.add_extra_recipient(form.email.data, form.name.data or "", form.locale.data or None)
        except ServiceError as error:
            show_service_error(form, ServiceError(error.message, field=error.field or "email"))
        else:
            return committed(_("%(email)s will receive the summaries.", email=form.email.data), "board.settings")
    return render_template("board/settings.html", form=SummaryScheduleForm(formdata=None, obj=service.schedule()),
                           recipient_form=form, recipients=service.recipients(include_paused=True),
                           language_names=dict(i18n.choices())), 422


@bp.post("/board/recipients/pause")
@policy.require(policy.can_manage_summaries)
def pause_recipient():
    paused = request.form.get("paused") == "1"
    try:
        service.set_recipient_paused(request.form.get("email", ""), paused, current_user,
                                     parse_version(request.form.get("version")))
    except StaleEdit as error:
        return stale_page(error, url_for("board.settings"))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("board.settings"))
    return committed(_("Paused.") if paused else _("Resumed."), "board.settings")


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
        service.acknowledge_delivery(delivery)
    return render_template("board/ack.html", error=None, delivery=delivery, subject=service.subject_of(delivery.summary),
                           token=token, form=form)


@bp.route("/board/pause/<token>", methods=["GET", "POST"])
@csrf.exempt
def pause_by_link(token):
    """The List-Unsubscribe link of a summary: GET asks (link scanners follow GETs), POST pauses.
    This is the one route without CSRF protection: a mail client's one-click unsubscribe (RFC 8058)
    POSTs "List-Unsubscribe=One-Click" with no session and no form token. The signed token in the
    address stands in for both: it names one address, and all it can do is pause that address's
    summaries, which an admin can resume."""
    try:
        email = service.email_for_pause_token(token)
    except ServiceError as error:
        return render_template("board/pause.html", error=error.message, email=None, paused=False), 400
    paused = False
    if request.method == "POST":
        try:
            service.set_recipient_paused(email, True)
        except ServiceError as error:
            return render_template("board/pause.html", error=error.message, email=email, paused=False), 400
        paused = True
    return render_template("board/pause.html", error=None, email=email, paused=paused)
