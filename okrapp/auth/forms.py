from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..validators import SafeForm, text_problem


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


class LogoutForm(SafeForm):
    """Only the CSRF token: logging out is a POST."""
