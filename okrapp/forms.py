"""Form pieces shared by several features."""
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()



def show_service_error(form, error) -> None:
    """Attach a ServiceError to the field it names, or flash it when it names none."""
    from flask import flash
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")
