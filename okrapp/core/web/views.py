"""What every write view does after its service call, in one place: commit once, tell the user,
go on. Mail the change queued went into the outbox in the same commit; the scheduler process
delivers it within seconds (OKRAPP_DELIVERY_SECONDS), so no request ever waits on SMTP."""
from flask import flash, redirect, render_template, url_for

from okrapp.core.formatting import file_size
from okrapp.core.web.forms import show_service_error
from okrapp.core.errors import ServiceError, StaleEdit
from okrapp.core.transaction import operation
from okrapp.core.words import _


def committed(message: str, endpoint: str, **values):
    """After an operation that committed: tell the user and go on."""
    flash(message)
    return redirect(url_for(endpoint, **values))


def saved(form, action, message: str) -> bool:
    """Run action (an operation call) for form as one unit of work: on a ServiceError it rolls back,
    so nothing saved before is lost, and the error shows on the form; otherwise it commits and the
    user reads message."""
    try:
        operation(action)()
    except StaleEdit as error:
        stale_form(form, error)
        return False
    except ServiceError as error:
        show_service_error(form, error)
        return False
    flash(message)
    return True


def stale_form(form, error: StaleEdit) -> None:
    """Someone saved the record since this form was loaded: say who and when, keep what the user
    typed, and carry the current version so that saving again is a deliberate overwrite."""
    flash(error.message, "error")
    form.stale = True
    if hasattr(form, "version") and getattr(error, "current_version", None) is not None:
        form.version.data = error.current_version
        form.version.raw_data = [str(error.current_version)]


def form_status(form) -> int:
    """409 after a stale save, 422 when the form has errors, else 200."""
    if getattr(form, "stale", False):
        return 409
    return 422 if form.errors else 200


def stale_page(error: StaleEdit, back: str):
    """For a one-button action (retire, remove, pause) on a record that changed meanwhile."""
    return render_template("errors/error.html", code=409, title=_("Changed meanwhile"), text=error.message,
                           back=back), 409


SHEET_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def sheet_download(kind: str, make, stem: str):
    """A downloadable template sheet: make(kind) builds its bytes; an unknown kind is a 404."""
    from flask import Response, abort
    if kind not in SHEET_TYPES:
        abort(404)
    return Response(make(kind), mimetype=SHEET_TYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{kind}"'})


def uploaded_sheet(form, max_bytes: int) -> bytes | None:
    """The file in form.sheet, read no further than a byte past the limit so that no more than that
    is ever in memory; None, with the reason on the field, when it is larger."""
    data = form.sheet.data.read(max_bytes + 1)
    if len(data) > max_bytes:
        form.sheet.errors = [_("The file is larger than %(size)s; split it into smaller files.",
                               size=file_size(max_bytes))]
        return None
    return data


def import_previewed(form, run, back: str, done):
    """The confirm step of a sheet import. run(data) imports the sheet the preview page handed
    back, all rows or none; an unreadable sheet or a ServiceError goes back to the upload page with
    the reason and nothing saved. Otherwise commit and return done(run's result)."""
    data = previewed_sheet(form)
    if not form.validate_on_submit() or not data:
        flash(_("The import could not be read; upload the sheet again."), "error")
        return redirect(back)
    try:
        result = operation(run)(data)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(back)
    return done(result)


def previewed_sheet(form) -> bytes:
    """The sheet a preview page handed back in its confirm form (base64), or b"" when it is unreadable."""
    import base64
    import binascii
    try:
        return base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        return b""
