from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import MultiCheckboxField
from ..models.review import CADENCE_LABELS, DECISION_KINDS

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ScheduleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)], default="Priority review")
    cadence = SelectField("Cadence", default="biweekly")
    weekday = SelectField("Weekday", coerce=int, default=3)
    time_of_day = StringField("Time", default="09:00", validators=[DataRequired()], description="HH:MM, local time")
    cron = StringField("Cron rule", validators=[Optional(), Length(max=120)],
                       description="Only for the cron cadence: minute hour day month weekday, e.g. 0 9 * * thu")
    timezone = StringField("Time zone", default="Europe/Helsinki", validators=[DataRequired(), Length(max=60)])
    duration_minutes = IntegerField("Length (minutes)", default=60, validators=[InputRequired()])
    reminder_days = IntegerField("Remind unit leaders this many days before", default=2, validators=[
        InputRequired(), NumberRange(min=0, max=14, message="Between 0 and 14 days.")])
    anchor_on = DateField("First possible date", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    chair = SelectField("Chair", coerce=int)
    participants = MultiCheckboxField("Participants (the leadership team)", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cadence.choices = list(CADENCE_LABELS.items())
        self.weekday.choices = list(enumerate(WEEKDAYS))


class RankForm(FlaskForm):
    objective = HiddenField(validators=[DataRequired()])
    rank = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class DecisionForm(FlaskForm):
    kind = SelectField("Decision", default="note")
    text = TextAreaField("What was decided", validators=[DataRequired(message="Write the decision down."),
                                                         Length(max=4000)])
    objective = SelectField("Objective", coerce=int, validators=[Optional()])
    finding = SelectField("Conflict", coerce=int, validators=[Optional()])
    owner = SelectField("Owner (actions)", coerce=int, validators=[Optional()])
    due_on = DateField("Due (actions)", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(DECISION_KINDS.items())


class MoveForm(FlaskForm):
    day = DateField("New date", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    at = TimeField("New time", validators=[DataRequired(message="Enter a time (HH:MM).")])
