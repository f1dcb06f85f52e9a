from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from okrapp.core.web.forms import NumberField
from okrapp.core.web.validators import SafeForm


class IncentiveForm(SafeForm):
    unit = SelectField("Unit", coerce=int)
    name = StringField("KPI / bonus criterion", validators=[DataRequired(), Length(max=200)])
    metric = SelectField("Metric", coerce=int)
    direction = RadioField("Rewarded for", default="increase")
    weight = NumberField("Share of the bonus (0–1)", percent=True, validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message="Use a share above 0 and at most 1, e.g. 0.4.")])
    target = NumberField("Target", validators=[Optional()])
    period = StringField("Period", validators=[Optional(), Length(max=40)], description="e.g. 2026 or 2026 H2")
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = [("increase", "Raising the metric"), ("decrease", "Lowering the metric")]


class LinkForm(SafeForm):
    source = SelectField("Raising this metric…", coerce=int)
    sign = RadioField("…", default="1")
    target = SelectField("…this metric", coerce=int)
    strength = NumberField("Strength (0–1]", default=0.5, validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message="Strength is above 0 and at most 1.")])
    rationale = TextAreaField("Why we believe this", validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sign.choices = [("1", "raises"), ("-1", "lowers")]


class PairForm(SafeForm):
    """A counterweight in the metric catalogue: rows rewarding `metric` should be weighed by `counter`."""

    metric = SelectField("A row rewarding…", coerce=int)
    counter = SelectField("…is weighed by", coerce=int)


class ImportForm(SafeForm):
    sheet = FileField("KPI sheet (.xlsx or CSV)", validators=[FileRequired(message="Choose an .xlsx or CSV file.")])
    period = StringField("Period", validators=[Optional(), Length(max=40)], description="e.g. 2026")


class ConfirmImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])
    period = HiddenField()


class ProposalForm(SafeForm):
    """The same shape as a review's decision to change an incentive."""

    incentive = SelectField("Incentive", coerce=int, validators=[Optional()])
    change = SelectField("Change", default="other")
    new_weight = NumberField("New bonus share (0–1)", percent=True, validators=[Optional(), NumberRange(min=0.0001, max=1)])
    new_target = NumberField("New target", validators=[Optional()])
    guard_metric = SelectField("Guardrail metric", coerce=int, validators=[Optional()])
    guard_comparator = SelectField("Condition", default=">=")
    guard_threshold = NumberField("Threshold", validators=[Optional()])
    effective_on = DateField("From", validators=[Optional()])
    text = TextAreaField("Why", validators=[DataRequired(message="Say why you propose the change."),
                                            Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from okrapp.reviews.decisions import INCENTIVE_CHANGES
        self.change.choices = [(k, v) for k, v in INCENTIVE_CHANGES.items() if k != "reinstate"] + \
            [("other", "Something else (say what)")]
        self.guard_comparator.choices = [(">=", "at least (≥)"), ("<=", "at most (≤)")]


class DecisionForm(SafeForm):
    answer = TextAreaField("Answer", validators=[Optional(), Length(max=4000)])
    decision = HiddenField(validators=[DataRequired()])
