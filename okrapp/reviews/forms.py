from wtforms import (DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from okrapp.core.web.forms import MultiCheckboxField, NumberField
from okrapp.reviews.models import CADENCE_LABELS, DECISION_KINDS
from okrapp.domain import recurrence
from okrapp.core.formatting import WEEKDAY_NAMES
from okrapp.core.web.validators import Checked, SafeForm

WEEKDAYS = list(WEEKDAY_NAMES)


class ScheduleForm(SafeForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)], default="Priority review")
    cadence = SelectField("Cadence", default="biweekly")
    weekday = SelectField("Weekday", coerce=int, default=3)
    time_of_day = StringField("Time", default="09:00", validators=[DataRequired(), Checked(recurrence.parse_time)],
                              description="HH:MM, local time")
    cron = StringField("Cron rule", validators=[Optional(), Length(max=120)],
                       description="Only for the cron cadence: minute hour day month weekday, e.g. 0 9 * * thu")
    timezone = StringField("Time zone", default="Europe/Helsinki",
                           validators=[DataRequired(), Length(max=60), Checked(recurrence.zone)])
    duration_minutes = IntegerField("Length (minutes)", default=60, validators=[
        InputRequired(), NumberRange(min=5, max=480, message="A review lasts between 5 minutes and 8 hours.")])
    reminder_days = IntegerField("Remind unit leaders this many days before", default=2, validators=[
        InputRequired(), NumberRange(min=0, max=14, message="Between 0 and 14 days.")])
    anchor_on = DateField("First possible date", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    chair = SelectField("Chair", coerce=int)
    participants = MultiCheckboxField("Participants (the leadership team)", coerce=int)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cadence.choices = list(CADENCE_LABELS.items())
        self.weekday.choices = list(enumerate(WEEKDAYS))


class RankForm(SafeForm):
    objective = HiddenField(validators=[DataRequired()])
    rank = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class DecisionForm(SafeForm):
    """Every decision kind's fields; the review page shows each kind as a form of its own, and the
    decisions service checks what that kind needs."""

    kind = SelectField("Decision", default="note")
    text = TextAreaField("What was decided, and why", validators=[
        DataRequired(message="Write the decision down: what was decided and why."), Length(max=4000)])
    objective = SelectField("Objective", coerce=int, validators=[Optional()])
    items = MultiCheckboxField("Conflicts it settles", coerce=int, validators=[Optional()])
    incentive = SelectField("Incentive", coerce=int, validators=[Optional()])
    criterion = SelectField("…or the criterion in every unit that carries it", validators=[Optional()])
    change = SelectField("Change", validators=[Optional()])
    new_weight = NumberField("New bonus share (0–1)", percent=True, validators=[Optional(), NumberRange(
        min=0.0001, max=1, message="The new bonus share is above 0 and at most 1 (e.g. 0.3 for 30 %%).")])
    new_target = NumberField("New target", validators=[Optional()])
    guard_metric = SelectField("Guardrail: counter-metric", coerce=int, validators=[Optional()])
    guard_comparator = SelectField("Condition", validators=[Optional()])
    guard_threshold = NumberField("Threshold", validators=[Optional()])
    effective_on = DateField("Takes effect on", validators=[Optional()])
    key_result = SelectField("Key result", coerce=int, validators=[Optional()])
    title = StringField("Pilot name", validators=[Optional(), Length(max=200)])
    hypothesis = TextAreaField("Hypothesis", validators=[Optional(), Length(max=4000)])
    success_criterion = TextAreaField("Success criterion", validators=[Optional(), Length(max=4000)])
    starts_on = DateField("Starts", validators=[Optional()])
    ends_on = DateField("Ends", validators=[Optional()])
    units = MultiCheckboxField("Owner units", coerce=int, validators=[Optional()])
    key_results = MultiCheckboxField("Key results it should move", coerce=int, validators=[Optional()])
    pilot = SelectField("Pilot", coerce=int, validators=[Optional()])
    outcome = SelectField("Outcome", validators=[Optional()])
    proposal = SelectField("Proposal", coerce=int, validators=[Optional()])
    accept = SelectField("Answer", validators=[Optional()])
    re_review_on = DateField("Re-review on", validators=[Optional()], description="Default: in 90 days")
    owner = SelectField("Owner", coerce=int, validators=[Optional()])
    plan = SelectField("Plan", coerce=int, validators=[Optional()])
    verdict = SelectField("Verdict", validators=[Optional()])
    remove_rows = MultiCheckboxField("Rows taken out of the plan", coerce=int, validators=[Optional()])
    due_on = DateField("Due", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from okrapp.reviews.decisions import INCENTIVE_CHANGES, PILOT_OUTCOMES, PLAN_VERDICTS
        self.kind.choices = list(DECISION_KINDS.items())
        self.change.choices = list(INCENTIVE_CHANGES.items())
        self.outcome.choices = list(PILOT_OUTCOMES.items())
        self.guard_comparator.choices = [(">=", "at least (≥)"), ("<=", "at most (≤)")]
        self.accept.choices = [("accept", "Accept and apply it"), ("decline", "Decline")]
        self.verdict.choices = list(PLAN_VERDICTS.items())


class CloseForm(SafeForm):
    early_reason = TextAreaField("Why close before the meeting's start", validators=[Optional(), Length(max=2000)])


class MoveForm(SafeForm):
    day = DateField("New date", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    at = TimeField("New time", validators=[DataRequired(message="Enter a time (HH:MM).")])
