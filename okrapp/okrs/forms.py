from flask_wtf import FlaskForm
from wtforms import (FloatField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import MultiCheckboxField


class ObjectiveForm(FlaskForm):
    cycle = SelectField("Cycle", coerce=int)
    title = StringField("Customer objective", validators=[DataRequired(), Length(max=200)],
                        description="The customer need, in the customer's words.")
    description = TextAreaField("Why it matters", validators=[Optional(), Length(max=4000)])


class KeyResultForm(FlaskForm):
    title = StringField("Key result", validators=[DataRequired(), Length(max=200)])
    metric = SelectField("Metric", coerce=int)
    baseline = FloatField("Baseline", validators=[Optional()],
                          description="Where we start. Milestones always run from 0 (not done) to 1 (done).")
    target = FloatField("Target", validators=[Optional()],
                        description="Where we want to be; below the baseline means lower is better.")
    accountable_unit = SelectField("Accountable unit", coerce=int)
    contributors = MultiCheckboxField("Contributing units", coerce=int)
    weight = FloatField("Weight within the objective", default=1.0,
                        validators=[InputRequired(), NumberRange(min=0.01, max=100, message="Use a weight between 0.01 and 100.")])
    commitment = RadioField("Commitment", default="committed")
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment.choices = [("committed", "Committed — expected to reach 1.0"),
                                   ("aspirational", "Aspirational — 0.7 counts as success")]

    def validate_numbers(self, milestone: bool) -> bool:
        """Baseline and target are required unless the metric is a milestone."""
        ok = True
        if not milestone:
            for field in (self.baseline, self.target):
                if field.data is None:
                    field.errors = list(field.errors) + ["Enter a number."]
                    ok = False
        return ok


class CheckInForm(FlaskForm):
    value = FloatField("New value", validators=[InputRequired(message="Enter the measured value.")])
    confidence = IntegerField("Confidence (0–10)", default=7, validators=[
        InputRequired(message="Enter a confidence from 0 to 10."),
        NumberRange(min=0, max=10, message="Confidence must be between 0 and 10.")])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])
    version = HiddenField()


class RankForm(FlaskForm):
    rank = IntegerField("New rank", validators=[InputRequired(), NumberRange(min=1, message="Rank starts at 1.")])
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class CarryForm(FlaskForm):
    cycle = SelectField("Into cycle", coerce=int)


class MetricForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    unit = StringField("Unit", validators=[Optional(), Length(max=20)], description="e.g. %, EUR, days")
    min_value = FloatField("Minimum", validators=[Optional()])
    max_value = FloatField("Maximum", validators=[Optional()])


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
