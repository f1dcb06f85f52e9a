from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from okrapp.core.web.forms import NumberField
from okrapp.core.web.validators import SafeForm
from okrapp.core.words import _, _l


class IncentiveForm(SafeForm):
    unit = SelectField(_l("Unit"), coerce=int)
    name = StringField(_l("KPI / bonus criterion"), validators=[DataRequired(), Length(max=200)])
    metric = SelectField(_l("Metric"), coerce=int)
    direction = RadioField(_l("Rewarded for"), default="increase")
    weight = NumberField(_l("Share of the bonus (0–1)"), percent=True, validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message=_l("Use a share above 0 and at most 1, e.g. 0.4."))])
    target = NumberField(_l("Target"), validators=[Optional()])
    period = StringField(_l("Period"), validators=[Optional(), Length(max=40)], description=_l("e.g. 2026 or 2026 H2"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = [("increase", _("Raising the metric")), ("decrease", _("Lowering the metric"))]


class LinkForm(SafeForm):
    source = SelectField(_l("Raising this metric…"), coerce=int)
    sign = RadioField("…", default="1")
    target = SelectField(_l("…this metric"), coerce=int)
    strength = NumberField(_l("Strength (0–1]"), default=0.5, validators=[
        InputRequired(), NumberRange(min=0.0001, max=1, message=_l("Strength is above 0 and at most 1."))])
    rationale = TextAreaField(_l("Why we believe this"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sign.choices = [("1", _("raises")), ("-1", _("lowers"))]


class PairForm(SafeForm):
    """A counterweight in the metric catalogue: rows rewarding `metric` should be weighed by `counter`."""

    metric = SelectField(_l("A row rewarding…"), coerce=int)
    counter = SelectField(_l("…is weighed by"), coerce=int)


class ImportForm(SafeForm):
    sheet = FileField(_l("KPI sheet (.xlsx or CSV)"),
                      validators=[FileRequired(message=_l("Choose an .xlsx or CSV file."))])
    period = StringField(_l("Period"), validators=[Optional(), Length(max=40)], description=_l("e.g. 2026"))


class ConfirmImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])
    period = HiddenField()


class ProposalForm(SafeForm):
    """The same shape as a review's decision to change an incentive."""

    incentive = SelectField(_l("Incentive"), coerce=int, validators=[Optional()])
    change = SelectField(_l("Change"), default="other")
    new_weight = NumberField(_l("New bonus share (0–1)"), percent=True,
                             validators=[Optional(), NumberRange(min=0.0001, max=1)])
    new_target = NumberField(_l("New target"), validators=[Optional()])
    guard_metric = SelectField(_l("Guardrail metric"), coerce=int, validators=[Optional()])
    guard_comparator = SelectField(_l("Condition"), default=">=")
    guard_threshold = NumberField(_l("Threshold"), validators=[Optional()])
    effective_on = DateField(_l("From"), validators=[Optional()])
    text = TextAreaField(_l("Why"), validators=[DataRequired(message=_l("Say why you propose the change.")),
                                                Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from okrapp.reviews.decisions import INCENTIVE_CHANGES
        # str() first: the reviews' labels may be marked (N_) or already lazy (_l); either reads translated
        self.change.choices = [(k, _(str(v))) for k, v in INCENTIVE_CHANGES.items() if k != "reinstate"] + \
            [("other", _("Something else (say what)"))]
        self.guard_comparator.choices = [(">=", _("at least (≥)")), ("<=", _("at most (≤)"))]


class DecisionForm(SafeForm):
    answer = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=4000)])
    decision = HiddenField(validators=[DataRequired()])
