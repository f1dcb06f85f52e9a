from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..services.conflicts import ACTIONS


class FindingActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired(), AnyOf(list(ACTIONS))])
    note = TextAreaField("Decision or reason", validators=[Optional(), Length(max=4000)])
