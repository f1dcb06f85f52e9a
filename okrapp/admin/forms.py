from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from okrapp.core.web.forms import MultiCheckboxField
from okrapp.admin.models import UNIT_KIND_LABELS
from okrapp.core.web.validators import SafeForm
from okrapp.core.words import _, _l


class UnitForm(SafeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    leaders = MultiCheckboxField(_l("Leaders"), coerce=int)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, _(label)) for kind, label in UNIT_KIND_LABELS.items()]


class CycleForm(SafeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)], description=_l("e.g. 2027 Q1"))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    version = HiddenField()


class PeriodForm(SafeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)],
                       description=_l("e.g. 2027 H1, or FY26 sales push"))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    version = HiddenField()


class RerunForm(SafeForm):
    """Only the CSRF token: re-running a job run takes no input."""
