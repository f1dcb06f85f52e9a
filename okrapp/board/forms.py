from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from okrapp.board.rules import NOTE_MAX

from okrapp.core import i18n
from okrapp.core.words import N_, _, _l
from okrapp.domain import recurrence
from okrapp.core.web.validators import Checked, SafeForm

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))


class SummaryScheduleForm(SafeForm):
    weekday = SelectField(_l("Monthly, on the first"), coerce=int)
    time_of_day = StringField(_l("At"), validators=[DataRequired(), Checked(recurrence.parse_time)],
                              description=_l("HH:MM, local time"))
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=60), Checked(recurrence.zone)])
    cycle_end = BooleanField(_l("Also a summary at the end of each cycle"))
    active = BooleanField(_l("Send summaries"))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [(number, _(name)) for number, name in enumerate(WEEKDAYS)]


class RecipientForm(SafeForm):
    email = EmailField(_l("Extra address"), validators=[DataRequired(), Email(check_deliverability=False, allow_smtputf8=False), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language"), default="",
                         description=_l("The language this address reads the summaries in."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [("", _("The organisation's language")), *i18n.choices()]


PERIOD = Regexp(r"^(\d{4}-\d{2}|cycle-\d{1,9})$", message=_l("A period looks like 2026-10."))


class SendForm(SafeForm):
    period = StringField(_l("Period"), validators=[DataRequired(), PERIOD])
    early = BooleanField(_l("This period has not ended: send its summary now anyway"))


class NoteForm(SafeForm):
    """The executive's covering note, shown at the top of the mail and the archive."""
    period = HiddenField(validators=[DataRequired(), PERIOD])
    text = TextAreaField(_l("Covering note"), validators=[Optional(), Length(max=NOTE_MAX)],
                         description=_l("A few sentences for the board, at most %(num)s characters.", num=NOTE_MAX))
    version = HiddenField()


class ResendForm(SafeForm):
    email = SelectField(_l("Recipient"))


class AckForm(SafeForm):
    """Only the CSRF token: acknowledging is a POST from the page the email link opens."""
