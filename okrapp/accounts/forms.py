from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from okrapp.accounts.models import ROLE_LABELS
from okrapp.accounts.tokens import EXPIRIES, SCOPES
from okrapp.core import i18n
from okrapp.core.web.forms import MultiCheckboxField
from okrapp.core.web.validators import SafeForm, text_problem
from okrapp.core.words import _, _l, ngettext

AT_LEAST_TEN = _l("Use at least 10 characters.")
PASSWORDS_DIFFER = _l("The passwords differ.")


class LoginForm(SafeForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    # where to go after the login: anything odd is dropped here (and by urls.safe_path) rather than
    # shown as an error on a field nobody sees
    next = HiddenField(filters=[lambda value: value if value and not text_problem(value, single_line=True) else ""])


class PasswordForm(SafeForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, message=AT_LEAST_TEN)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("new", message=PASSWORDS_DIFFER)])


class NewPasswordForm(SafeForm):
    """Choosing a password from an invitation or a reset link: the same rules as changing one."""
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, message=AT_LEAST_TEN)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("new", message=PASSWORDS_DIFFER)])


class ForgotForm(SafeForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class LogoutForm(SafeForm):
    """Only the CSRF token: logging out is a POST."""


class TokenForm(SafeForm):
    name = StringField(_l("Token name"), validators=[DataRequired(message=_l("Name the token after where it is used.")),
                                                     Length(max=80)], description=_l("e.g. survey tool, CRM export"))
    scopes = MultiCheckboxField(_l("Besides reading, it may"), description=_l(
        "Your role still decides what it may do; give a token only what its system needs."))
    expires = SelectField(_l("Expires"), default="90")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(key, str(label)) for key, label in SCOPES.items() if key != "read"]
        self.expires.choices = [(str(days), ngettext("in %(num)s day", "in %(num)s days", days, num=days))
                                for days in EXPIRIES] + [("0", _("until revoked"))]

    @property
    def chosen(self) -> tuple[list[str], int]:
        """The scopes ticked and the token's lifetime in days (0: until revoked)."""
        return list(self.scopes.data or []), int(self.expires.data or 0)


class ConfirmForm(SafeForm):
    """A button that only needs the CSRF token."""


class LanguageForm(SafeForm):
    """The profile's choice of language: pages and the mail okrapp sends follow it."""
    locale = SelectField(_l("Language"), validators=[DataRequired()],
                         description=_l("The language of your pages and of the mail okrapp sends you."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = i18n.choices()


class UserForm(SafeForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False, allow_smtputf8=False),
                                                Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    # least privilege: no role is chosen for the admin; admin asks for confirm_admin (people.CONFIRM_ADMIN)
    role = SelectField(_l("Role"), default="", validators=[DataRequired(message=_l("Choose a role."))])
    confirm_admin = BooleanField(_l("I confirm this person becomes an admin"),
                                 description=_l("Admins manage people, units, cycles and every setting."))
    units = MultiCheckboxField(_l("Leads units"), coerce=int)
    locale = SelectField(_l("Language"), default="",
                         description=_l("The language of the mail okrapp sends them."))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, message=AT_LEAST_TEN)],
                             description=_l("Leave empty to keep the current one. Setting one signs them out "
                                            "everywhere."))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _("Choose a role…")), *((key, _(label)) for key, label in ROLE_LABELS.items())]
        # "": none chosen yet (they read what their browser asks for, else the organisation's language)
        self.locale.choices = [("", _("Not chosen yet")), *i18n.choices()]
        if self.locale.data is None:  # a person who has not chosen: the form keeps it so
            self.locale.data = ""


class PeopleImportForm(SafeForm):
    sheet = FileField(_l("People (.xlsx or CSV)"), validators=[FileRequired(message=_l("Choose an .xlsx or CSV file."))])


class ConfirmPeopleImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])
