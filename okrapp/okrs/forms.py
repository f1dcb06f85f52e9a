from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from okrapp.core.web.forms import MultiCheckboxField, NumberField
from okrapp.core.web.validators import SafeForm
from okrapp.core.words import _, _l, lazy_pgettext


class ObjectiveForm(SafeForm):
    cycle = SelectField(_l("Cycle"), coerce=int)
    title = StringField(_l("Customer objective"), validators=[DataRequired(), Length(max=200)],
                        description=_l("The customer need, in the customer's words."))
    description = TextAreaField(_l("Why it matters"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()


class KeyResultForm(SafeForm):
    title = StringField(_l("Key result"), validators=[DataRequired(), Length(max=200)])
    metric = SelectField(_l("Metric"), coerce=int)
    baseline = NumberField(_l("Baseline"), validators=[Optional()],
                           description=_l("Where we start. Milestones always run from 0 (not done) to 1 (done)."))
    target = NumberField(_l("Target"), validators=[Optional()],
                         description=_l("Where we want to be; below the baseline means lower is better."))
    accountable_unit = SelectField(_l("Accountable unit"), coerce=int)
    contributors = MultiCheckboxField(_l("Contributing units"), coerce=int)
    weight = NumberField(_l("Weight within the objective"), default=1.0,
                         validators=[InputRequired(), NumberRange(min=0.01, max=100,
                                                                  message=_l("Use a weight between 0.01 and 100."))])
    commitment = RadioField(_l("Commitment"), default="committed")
    value_source = StringField(_l("Takes values pushed by (optional)"), validators=[
        Optional(), Length(max=80), Regexp(r"^[A-Za-z0-9][A-Za-z0-9 ._:/@-]*$",
                                           message=_l("Letters, digits, spaces and . _ : / @ - only."))],
        description=_l("The source name another system uses when it pushes this metric's values through the API, "
                       "e.g. surveytool. Its values then become this key result's check-ins."))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment.choices = [("committed", _("Committed — expected to reach 1.0")),
                                   ("aspirational", _("Aspirational — 0.7 counts as success"))]

    def validate_numbers(self, milestone: bool) -> bool:
        """Baseline and target are required unless the metric is a milestone."""
        ok = True
        if not milestone:
            for field in (self.baseline, self.target):
                if field.data is None:
                    field.errors = list(field.errors) + [_("Enter a number.")]
                    ok = False
        return ok


class CheckInForm(SafeForm):
    value = NumberField(_l("New value"), validators=[InputRequired(message=_l("Enter the measured value."))],
                        description=_l("A decimal comma or point both work; spaces may group thousands."))
    confidence = IntegerField(_l("Confidence (0–10)"), default=7, validators=[
        InputRequired(message=_l("Enter a confidence from 0 to 10.")),
        NumberRange(min=0, max=10, message=_l("Confidence must be between 0 and 10."))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("Yes, this value is right"))
    version = HiddenField()


class CorrectionForm(SafeForm):
    value = NumberField(_l("Corrected value"), validators=[InputRequired(message=_l("Enter the right value."))])
    reason = TextAreaField(_l("Why it is corrected"), validators=[
        DataRequired(message=_l("Say why the value is corrected.")), Length(max=2000)])
    confirm = BooleanField(_l("Yes, this value is right"))
    version = HiddenField()


class CheckInImportForm(SafeForm):
    sheet = FileField(_l("Check-in sheet (.xlsx or CSV)"),
                      validators=[FileRequired(message=_l("Choose an .xlsx or CSV file."))])


class ConfirmCheckInImportForm(SafeForm):
    payload = HiddenField(validators=[DataRequired()])


class RankForm(SafeForm):
    rank = IntegerField(_l("New rank"), validators=[InputRequired(), NumberRange(min=1, message=_l("Rank starts at 1."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class CarryForm(SafeForm):
    cycle = SelectField(_l("Into cycle"), coerce=int)


class MetricForm(SafeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    unit = StringField(lazy_pgettext("measure", "Unit"), validators=[Optional(), Length(max=20)], description=_l("e.g. %, EUR, days"))
    min_value = NumberField(_l("Minimum"), validators=[Optional()])
    max_value = NumberField(_l("Maximum"), validators=[Optional()])
