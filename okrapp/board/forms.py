from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ..reviews.forms import WEEKDAYS


class SummaryScheduleForm(FlaskForm):
    weekday = SelectField("Monthly, on the first", coerce=int)
    time_of_day = StringField("At", validators=[DataRequired()], description="HH:MM, local time")
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=60)])
    cycle_end = BooleanField("Also a summary at the end of each cycle")
    active = BooleanField("Send summaries")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = list(enumerate(WEEKDAYS))


class RecipientForm(FlaskForm):
    email = EmailField("Extra address", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])


class SendForm(FlaskForm):
    period = StringField("Period", validators=[DataRequired(), Regexp(r"^(\d{4}-\d{2}|cycle-\d+)$",
                                                                      message="A period looks like 2026-10.")])


class ResendForm(FlaskForm):
    email = SelectField("Recipient")


class AckForm(FlaskForm):
    """Only the CSRF token: acknowledging is a POST from the page the email link opens."""
