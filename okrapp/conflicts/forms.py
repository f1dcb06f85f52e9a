from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from okrapp.conflicts.operations import ACTIONS
from okrapp.core.web.validators import SafeForm
from okrapp.core.words import _l


class ItemActionForm(SafeForm):
    action = HiddenField(validators=[DataRequired(), AnyOf(list(ACTIONS))])
    note = TextAreaField(_l("Decision or reason"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()
