from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..validators import SafeForm


class TokenForm(SafeForm):
    name = StringField("Token name", validators=[DataRequired(message="Name the token after where it is used."),
                                                 Length(max=80)], description="e.g. survey tool, CRM export")


class ConfirmForm(SafeForm):
    """A button that only needs the CSRF token."""
