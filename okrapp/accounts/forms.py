from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from okrapp.accounts.models import LOCALE_LABELS, ROLE_LABELS
from okrapp.core.web.forms import MultiCheckboxField

from okrapp.core.web.validators import SafeForm, text_problem


class LoginForm(SafeForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    # where to go after the login: anything odd is dropped here (and by urls.safe_path) rather than
    # shown as an error on a field nobody sees
    next = HiddenField(filters=[lambda value: value if value and not text_problem(value, single_line=True) else ""])


class PasswordForm(SafeForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=10, message="Use at least 10 characters.")])
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new", message="The passwords differ.")])


class NewPasswordForm(SafeForm):
    """Choosing a password from an invitation or a reset link: the same rules as changing one."""
    new = PasswordField("New password", validators=[DataRequired(), Length(min=10, message="Use at least 10 characters.")])
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new", message="The passwords differ.")])


class ForgotForm(SafeForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class LogoutForm(SafeForm):
    """Only the CSRF token: logging out is a POST."""


class TokenForm(SafeForm):
    name = StringField("Token name", validators=[DataRequired(message="Name the token after where it is used."),
                                                 Length(max=80)], description="e.g. survey tool, CRM export")


class ConfirmForm(SafeForm):
    """A button that only needs the CSRF token."""


class UserForm(SafeForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    # least privilege: no role is chosen for the admin; admin asks for confirm_admin (people.CONFIRM_ADMIN)
    role = SelectField("Role", default="", validators=[DataRequired(message="Choose a role.")])
    confirm_admin = BooleanField("I confirm this person becomes an admin",
                                 description="Admins manage people, units, cycles and every setting.")
    units = MultiCheckboxField("Leads units", coerce=int)
    locale = SelectField("Language", default="en",
                         description="The language of the mail okrapp sends them.")
    active = BooleanField("Active", default=True)
    password = PasswordField("Password", validators=[Optional(), Length(min=10, message="Use at least 10 characters.")],
                             description="Leave empty to keep the current one. Setting one signs them out everywhere.")
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", "Choose a role…"), *ROLE_LABELS.items()]
        self.locale.choices = list(LOCALE_LABELS.items())


class PeopleImportForm(SafeForm):
    sheet = FileField("People (.xlsx or CSV)", validators=[FileRequired(message="Choose an .xlsx or CSV file.")])


class ConfirmPeopleImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])
