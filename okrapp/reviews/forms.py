from wtforms import (DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from okrapp.core.web.forms import MultiCheckboxField, NumberField
from okrapp.core.words import _, _l
from okrapp.reviews.models import CADENCE_LABELS, DECISION_KINDS, DEFAULT_NAME, WEEKDAY_LABELS
from okrapp.domain import recurrence
from okrapp.core.web.validators import Checked, SafeForm

WEEKDAYS = list(WEEKDAY_LABELS)


class ScheduleForm(SafeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], default=_l(DEFAULT_NAME))
    cadence = SelectField(_l("Cadence"), default="biweekly")
    weekday = SelectField(_l("Weekday"), coerce=int, default=3)
    time_of_day = StringField(_l("Time"), default="09:00",
                              validators=[DataRequired(), Checked(recurrence.parse_time)],
                              description=_l("HH:MM, local time"))
    cron = StringField(_l("Cron rule"), validators=[Optional(), Length(max=120)],
                       description=_l("Only for the cron cadence: minute hour day month weekday, e.g. 0 9 * * thu"))
    timezone = StringField(_l("Time zone"), default="Europe/Helsinki",
                           validators=[DataRequired(), Length(max=60), Checked(recurrence.zone)])
    duration_minutes = IntegerField(_l("Length (minutes)"), default=60, validators=[
        InputRequired(), NumberRange(min=5, max=480, message=_l("A review lasts between 5 minutes and 8 hours."))])
    reminder_days = IntegerField(_l("Remind unit leaders this many days before"), default=2, validators=[
        InputRequired(), NumberRange(min=0, max=14, message=_l("Between 0 and 14 days."))])
    anchor_on = DateField(_l("First possible date"),
                          validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    chair = SelectField(_l("Chair"), coerce=int)
    participants = MultiCheckboxField(_l("Participants (the leadership team)"), coerce=int)
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

    kind = SelectField(_l("Decision"), default="note")
    text = TextAreaField(_l("What was decided, and why"), validators=[
        DataRequired(message=_l("Write the decision down: what was decided and why.")), Length(max=4000)])
    objective = SelectField(_l("Objective"), coerce=int, validators=[Optional()])
    items = MultiCheckboxField(_l("Conflicts it settles"), coerce=int, validators=[Optional()])
    incentive = SelectField(_l("Incentive"), coerce=int, validators=[Optional()])
    criterion = SelectField(_l("…or the criterion in every unit that carries it"), validators=[Optional()])
    change = SelectField(_l("Change"), validators=[Optional()])
    new_weight = NumberField(_l("New bonus share (0–1)"), percent=True, validators=[Optional(), NumberRange(
        min=0.0001, max=1, message=_l("The new bonus share is above 0 and at most 1 (e.g. 0.3 for 30 %%)."))])
    new_target = NumberField(_l("New target"), validators=[Optional()])
    guard_metric = SelectField(_l("Guardrail: counter-metric"), coerce=int, validators=[Optional()])
    guard_comparator = SelectField(_l("Condition"), validators=[Optional()])
    guard_threshold = NumberField(_l("Threshold"), validators=[Optional()])
    effective_on = DateField(_l("Takes effect on"), validators=[Optional()])
    key_result = SelectField(_l("Key result"), coerce=int, validators=[Optional()])
    title = StringField(_l("Pilot name"), validators=[Optional(), Length(max=200)])
    hypothesis = TextAreaField(_l("Hypothesis"), validators=[Optional(), Length(max=4000)])
    success_criterion = TextAreaField(_l("Success criterion"), validators=[Optional(), Length(max=4000)])
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    units = MultiCheckboxField(_l("Owner units"), coerce=int, validators=[Optional()])
    key_results = MultiCheckboxField(_l("Key results it should move"), coerce=int, validators=[Optional()])
    pilot = SelectField(_l("Pilot"), coerce=int, validators=[Optional()])
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    proposal = SelectField(_l("Proposal"), coerce=int, validators=[Optional()])
    accept = SelectField(_l("Answer"), validators=[Optional()])
    re_review_on = DateField(_l("Re-review on"), validators=[Optional()], description=_l("Default: in 90 days"))
    owner = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    plan = SelectField(_l("Plan"), coerce=int, validators=[Optional()])
    verdict = SelectField(_l("Verdict"), validators=[Optional()])
    remove_rows = MultiCheckboxField(_l("Rows taken out of the plan"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("Due"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from okrapp.reviews.decisions import INCENTIVE_CHANGES, PILOT_OUTCOMES, PLAN_VERDICTS
        self.kind.choices = [(kind, _(label)) for kind, label in DECISION_KINDS.items()]
        self.change.choices = list(INCENTIVE_CHANGES.items())
        self.outcome.choices = list(PILOT_OUTCOMES.items())
        self.guard_comparator.choices = [(">=", _("at least (≥)")), ("<=", _("at most (≤)"))]
        self.accept.choices = [("accept", _("Accept and apply it")), ("decline", _("Decline"))]
        self.verdict.choices = list(PLAN_VERDICTS.items())


class CloseForm(SafeForm):
    early_reason = TextAreaField(_l("Why close before the meeting's start"), validators=[Optional(), Length(max=2000)])


class MoveForm(SafeForm):
    day = DateField(_l("New date"), validators=[DataRequired(message=_l("Enter a date (YYYY-MM-DD)."))])
    at = TimeField(_l("New time"), validators=[DataRequired(message=_l("Enter a time (HH:MM)."))])
