"""What every write view does after its service call, in one place: commit once, deliver the
mail the change queued (after the commit), tell the user, go on."""
from flask import flash, redirect, url_for

from . import mail
from .extensions import db
from .forms import show_service_error
from .services import ServiceError


def committed(message: str, endpoint: str, **values):
    db.session.commit()
    mail.deliver_pending()
    flash(message)
    return redirect(url_for(endpoint, **values))


def saved(form, action, message: str) -> bool:
    """Run action (a service call) for form. On a ServiceError roll back, so nothing saved before
    is lost, and show the error on the form; otherwise commit and flash message."""
    try:
        action()
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error)
        return False
    db.session.commit()
    mail.deliver_pending()
    flash(message)
    return True
