from wtforms import BooleanField, DateField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import MultiCheckboxField
from ..models.unit import UNIT_KIND_LABELS
from ..models.user import ROLE_LABELS
from ..validators import SafeForm


class UserForm(SafeForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role")
    units = MultiCheckboxField("Leads units", coerce=int)
    active = BooleanField("Active", default=True)
    password = PasswordField("Password", validators=[Optional(), Length(min=10, message="Use at least 10 characters.")],
                             description="Required for a new user; leave empty to keep the current one.")
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = list(ROLE_LABELS.items())


class UnitForm(SafeForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind")
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    leaders = MultiCheckboxField("Leaders", coerce=int)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(UNIT_KIND_LABELS.items())


class CycleForm(SafeForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)], description="e.g. 2027 Q1")
    starts_on = DateField("Starts on", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    ends_on = DateField("Ends on", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    version = HiddenField()


class RerunForm(SafeForm):
    """Only the CSRF token: re-running a job run takes no input."""
