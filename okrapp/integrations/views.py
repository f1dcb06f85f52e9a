"""Integration pages: admins' webhook endpoints with their delivery log, and chat channels."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from okrapp.core import i18n, policy
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.versioning import parse_version
from okrapp.core.web.forms import show_service_error
from okrapp.core.web.views import committed, form_status, stale_form, stale_page
from okrapp.core.words import _
from okrapp.integrations import operations as service
from okrapp.integrations.forms import ChannelForm, EndpointForm, VersionForm
from okrapp.integrations.rules import CHAT_KINDS, EVENTS, URL_PROBLEMS

bp = Blueprint("integrations", __name__)


def _is_admin(user) -> bool:
    return user.role == "admin"


def _page(form=None, created=None, status=200):
    form = form or EndpointForm(formdata=None)  # empty after a save, not the posted values again
    return render_template("integrations/endpoints.html", endpoints=service.endpoints(), form=form,
                           created=created, events=EVENTS, known_errors=URL_PROBLEMS,
                           paused=service.paused_endpoints()), status


@bp.get("/admin/integrations")
@policy.require(_is_admin)
def endpoints():
    return _page()


@bp.post("/admin/integrations")
@policy.require(_is_admin)
def create_endpoint():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = service.create_endpoint(form.url.data, form.events.data, form.description.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:  # the secret is shown on this answer only (kept by no cache); a reload asks to post again
            flash(_("Endpoint added. Copy its secret now: it is not shown again."))
            page, status = _page(created=endpoint, status=201)
            return page, status, {"Cache-Control": "no-store"}
    return _page(form, status=422)


@bp.route("/admin/integrations/<int:endpoint_id>", methods=["GET", "POST"])
@policy.require(_is_admin)
def endpoint(endpoint_id):
    item = service.endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=item)
    if request.method == "GET":
        form.events.data, form.version.data = item.event_list, item.version
    elif form.validate_on_submit():
        try:
            service.update_endpoint(item, form.url.data, form.events.data, form.description.data,
                                    parse_version(form.version.data), current_user)
        except StaleEdit as error:
            stale_form(form, error)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return committed(_("Endpoint saved."), "integrations.endpoint", endpoint_id=endpoint_id)
    return render_template("integrations/endpoint.html", endpoint=item, form=form, events=EVENTS,
                           deliveries=service.deliveries(endpoint=item), known_errors=URL_PROBLEMS), form_status(form)


@bp.post("/admin/integrations/<int:endpoint_id>/pause")
@policy.require(_is_admin)
def pause_endpoint(endpoint_id):
    return _change_endpoint(endpoint_id, "pause")


@bp.post("/admin/integrations/<int:endpoint_id>/resume")
@policy.require(_is_admin)
def resume_endpoint(endpoint_id):
    return _change_endpoint(endpoint_id, "resume")


@bp.post("/admin/integrations/<int:endpoint_id>/delete")
@policy.require(_is_admin)
def delete_endpoint(endpoint_id):
    return _change_endpoint(endpoint_id, "delete")


def _change_endpoint(endpoint_id, action):
    item = service.endpoint_or_404(endpoint_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    version = parse_version(form.version.data)
    try:
        if action == "delete":
            service.delete_endpoint(item, version, current_user)
            return committed(_("Endpoint deleted."), "integrations.endpoints")
        service.set_state(item, "paused" if action == "pause" else "active", version, current_user)
    except StaleEdit as error:
        return stale_page(error, url_for("integrations.endpoint", endpoint_id=endpoint_id))
    message = _("Endpoint paused.") if action == "pause" else _("Endpoint resumed; waiting events go out now.")
    return committed(message, "integrations.endpoint", endpoint_id=endpoint_id)


@bp.post("/admin/integrations/deliveries/<int:delivery_id>/send-again")
@policy.require(_is_admin)
def send_again(delivery_id):
    delivery = service.delivery_or_404(delivery_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    try:
        service.send_again(delivery)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Queued again with the same webhook-id; the scheduler sends it within a minute."))
    if delivery.endpoint_id:
        return redirect(url_for("integrations.endpoint", endpoint_id=delivery.endpoint_id))
    return redirect(url_for("integrations.channels"))


# -- chat channels ---------------------------------------------------------------------------------

def _channel_form():
    return ChannelForm(owners=service.owners_for(current_user), languages=i18n.choices())


def _channels_page(form, status=200):
    channels = service.channels_visible_to(current_user)
    return render_template("integrations/channels.html", form=form, channels=channels, kinds=CHAT_KINDS,
                           language_names=dict(i18n.choices()), known_errors=URL_PROBLEMS,
                           deliveries=service.last_deliveries(channels)), status


@bp.get("/integrations/chat")
@policy.require(policy.can_view)
def channels():
    form = _channel_form()
    form.locale.data = current_user.locale or i18n.languages()[0]
    return _channels_page(form)


@bp.post("/integrations/chat")
@policy.require(policy.can_view)
def connect_channel():
    form = _channel_form()
    if form.validate_on_submit():
        try:
            service.connect_channel(current_user, form.owner.data, form.kind.data, form.url.data, form.locale.data,
                                    form.label.data)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return committed(_("Channel connected."), "integrations.channels")
    return _channels_page(form, status=422)


@bp.post("/integrations/chat/<int:channel_id>/disconnect")
@policy.require(policy.can_view)
def disconnect_channel(channel_id):
    channel = service.channel_or_404(channel_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    if not service.may_manage_channel(current_user, channel):
        abort(403)
    try:
        service.disconnect_channel(channel, current_user, parse_version(form.version.data))
    except StaleEdit as error:
        return stale_page(error, url_for("integrations.channels"))
    return committed(_("Channel disconnected."), "integrations.channels")
