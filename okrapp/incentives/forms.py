from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class IncentiveForm(FlaskForm):
    unit = SelectField("Unit", coerce=int)
    name = StringField("KPI / bonus criterion", validators=[DataRequired(), Length(max=200)])
    metric = SelectField("Metric", coerce=int)
    direction = RadioField("Rewarded for", default="increase")
    weight = FloatField("Share of the bonus (0–1)", validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message="Use a share above 0 and at most 1, e.g. 0.4.")])
    target = FloatField("Target", validators=[Optional()])
    period = StringField("Period", validators=[Optional(), Length(max=40)], description="e.g. 2026 or 2026 H2")
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = [("increase", "Raising the metric"), ("decrease", "Lowering the metric")]


class LinkForm(FlaskForm):
    source = SelectField("Raising this metric…", coerce=int)
    sign = RadioField("…", default="1")
    target = SelectField("…this metric", coerce=int)
    strength = FloatField("Strength (0–1]", default=0.5, validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message="Strength is above 0 and at most 1.")])
    rationale = TextAreaField("Why we believe this", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sign.choices = [("1", "raises"), ("-1", "lowers")]


class ImportForm(FlaskForm):
    sheet = FileField("KPI sheet (CSV)", validators=[FileRequired(message="Choose a CSV file.")])
    period = StringField("Period", validators=[Optional(), Length(max=40)], description="e.g. 2026")


class ConfirmImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    period = HiddenField()


class ProposalForm(FlaskForm):
    text = TextAreaField("Proposed change", validators=[DataRequired(message="Describe the change you propose."),
                                                        Length(max=4000)])


class DecisionForm(FlaskForm):
    answer = TextAreaField("Answer", validators=[Optional(), Length(max=4000)])
    decision = HiddenField(validators=[DataRequired()])
