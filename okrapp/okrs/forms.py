from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from okrapp.core.web.forms import MultiCheckboxField, NumberField
from okrapp.core.web.validators import SafeForm


class ObjectiveForm(SafeForm):
    cycle = SelectField("Cycle", coerce=int)
    title = StringField("Customer objective", validators=[DataRequired(), Length(max=200)],
                        description="The customer need, in the customer's words.")
    description = TextAreaField("Why it matters", validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class KeyResultForm(SafeForm):
    title = StringField("Key result", validators=[DataRequired(), Length(max=200)])
    metric = SelectField("Metric", coerce=int)
    baseline = NumberField("Baseline", validators=[Optional()],
                          description="Where we start. Milestones always run from 0 (not done) to 1 (done).")
    target = NumberField("Target", validators=[Optional()],
                         description="Where we want to be; below the baseline means lower is better.")
    accountable_unit = SelectField("Accountable unit", coerce=int)
    contributors = MultiCheckboxField("Contributing units", coerce=int)
    weight = NumberField("Weight within the objective", default=1.0,
                        validators=[InputRequired(), NumberRange(min=0.01, max=100, message="Use a weight between 0.01 and 100.")])
    commitment = RadioField("Commitment", default="committed")
    value_source = StringField("Takes values pushed by (optional)", validators=[
        Optional(), Length(max=80), Regexp(r"^[A-Za-z0-9][A-Za-z0-9 ._:/@-]*$",
                                           message="Letters, digits, spaces and . _ : / @ - only.")],
        description="The source name another system uses when it pushes this metric's values through the API, "
                    "e.g. surveytool. Its values then become this key result's check-ins.")
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


class CheckInForm(SafeForm):
    value = NumberField("New value", validators=[InputRequired(message="Enter the measured value.")],
                        description="A decimal comma or point both work; spaces may group thousands.")
    confidence = IntegerField("Confidence (0–10)", default=7, validators=[
        InputRequired(message="Enter a confidence from 0 to 10."),
        NumberRange(min=0, max=10, message="Confidence must be between 0 and 10.")])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])
    confirm = BooleanField("Yes, this value is right")
    version = HiddenField()


class CorrectionForm(SafeForm):
    value = NumberField("Corrected value", validators=[InputRequired(message="Enter the right value.")])
    reason = TextAreaField("Why it is corrected", validators=[
        DataRequired(message="Say why the value is corrected."), Length(max=2000)])
    confirm = BooleanField("Yes, this value is right")
    version = HiddenField()


class CheckInImportForm(SafeForm):
    sheet = FileField("Check-in sheet (.xlsx or CSV)", validators=[FileRequired(message="Choose an .xlsx or CSV file.")])


class ConfirmCheckInImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])


class RankForm(SafeForm):
    rank = IntegerField("New rank", validators=[InputRequired(), NumberRange(min=1, message="Rank starts at 1.")])
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class CarryForm(SafeForm):
    cycle = SelectField("Into cycle", coerce=int)


class MetricForm(SafeForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    unit = StringField("Unit", validators=[Optional(), Length(max=20)], description="e.g. %, EUR, days")
    min_value = NumberField("Minimum", validators=[Optional()])
    max_value = NumberField("Maximum", validators=[Optional()])


