from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=10, message="Use at least 10 characters.")])
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new", message="The passwords differ.")])


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""
