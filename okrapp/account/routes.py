"""The user's own page: personal API tokens and the calendar feed."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import policy
from ..extensions import db
from ..forms import show_service_error
from ..services import ServiceError
from ..services import api_tokens, exports
from . import bp
from .forms import ConfirmForm, TokenForm


@bp.route("/account", methods=["GET", "POST"])
@policy.require(policy.can_view)
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            record, new_token = api_tokens.create_token(current_user, form.name.data)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            db.session.commit()
            form.name.data = ""
    calendar_url = (url_for("exports.calendar_feed", token=current_user.calendar_token, _external=True)
                    if current_user.calendar_token else None)
    return render_template("account/profile.html", form=form, new_token=new_token, confirm=ConfirmForm(),
                           tokens=api_tokens.tokens_of(current_user), calendar_url=calendar_url), \
        422 if form.errors else 200


@bp.post("/account/calendar")
@policy.require(policy.can_view)
def calendar():
    """Create the secret feed link, or replace it (the old link stops working at once)."""
    if ConfirmForm().validate_on_submit():
        exports.calendar_token(current_user, renew=True)
        db.session.commit()
        flash("Your calendar link is ready; add it to your calendar app as a subscription.")
    return redirect(url_for("account.profile"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@policy.require(policy.can_view)
def revoke(token_id):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("account.profile"))
    try:
        record = api_tokens.revoke_token(current_user, token_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Token “{record.name}” revoked; calls with it are refused from now on.")
    return redirect(url_for("account.profile"))
