"""Form pieces shared by several features."""
from wtforms import Field, SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from okrapp.domain.numbers import NumberError, parse_number


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NumberField(Field):
    """A number as the person writes it (3 475 000,5 or 3,475,000.5), parsed on the server by
    domain.numbers. A text input, not type=number: browsers in some locales drop or reinterpret a
    decimal comma before the server sees it (34750005 for 3475000,5)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, percent=False, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.percent = percent
        self.raw = ""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:.12g}"

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "") or ""
        if not self.raw.strip():
            # blank is no input: InputRequired looks only at raw_data, and would pass "\r\n" on as None
            self.data, self.raw_data = None, []
            return
        try:
            self.data = parse_number(self.raw, percent=self.percent)
        except NumberError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def pre_validate(self, form):
        if self.process_errors:  # the parser already said what is wrong; a range check on nothing adds noise
            raise StopValidation()


def show_service_error(form, error) -> None:
    """Attach a ServiceError to the field it names, or flash it when it names none."""
    from flask import flash
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")
