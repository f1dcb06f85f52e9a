from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from okrapp.board.rules import NOTE_MAX

from okrapp.core.formatting import WEEKDAY_NAMES
from okrapp.domain import recurrence
from okrapp.core.web.validators import Checked, SafeForm


class SummaryScheduleForm(SafeForm):
    weekday = SelectField("Monthly, on the first", coerce=int)
    time_of_day = StringField("At", validators=[DataRequired(), Checked(recurrence.parse_time)],
                              description="HH:MM, local time")
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=60), Checked(recurrence.zone)])
    cycle_end = BooleanField("Also a summary at the end of each cycle")
    active = BooleanField("Send summaries")
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = list(enumerate(WEEKDAY_NAMES))


class RecipientForm(SafeForm):
    email = EmailField("Extra address", validators=[DataRequired(), Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])


PERIOD = Regexp(r"^(\d{4}-\d{2}|cycle-\d{1,9})$", message="A period looks like 2026-10.")


class SendForm(SafeForm):
    period = StringField("Period", validators=[DataRequired(), PERIOD])
    early = BooleanField("This period has not ended: send its summary now anyway")


class NoteForm(SafeForm):
    """The executive's covering note, shown at the top of the mail and the archive."""
    period = HiddenField(validators=[DataRequired(), PERIOD])
    text = TextAreaField("Covering note", validators=[Optional(), Length(max=NOTE_MAX)],
                         description=f"A few sentences for the board, at most {NOTE_MAX} characters.")
    version = HiddenField()


class ResendForm(SafeForm):
    email = SelectField("Recipient")


class AckForm(SafeForm):
    """Only the CSRF token: acknowledging is a POST from the page the email link opens."""
