"""The integration forms: an admin's webhook endpoint, a chat channel anyone connects for what they lead."""
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from okrapp.core.web.forms import MultiCheckboxField
from okrapp.core.web.validators import SafeForm
from okrapp.core.words import _, _l
from okrapp.integrations.rules import CHAT_KINDS, EVENTS, URL_LIMIT


class EndpointForm(SafeForm):
    url = StringField(_l("Receiver URL"), validators=[DataRequired(), Length(max=URL_LIMIT)],
                      description=_l("https://… of the system that receives the events"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    events = MultiCheckboxField(_l("Events"))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [(key, _(label)) for key, label in EVENTS.items()]


class VersionForm(SafeForm):
    """Pause, resume, delete, disconnect: only the version the page showed."""
    version = HiddenField()


class ChannelForm(SafeForm):
    owner = SelectField(_l("Notifications of"))
    kind = SelectField(_l("Platform"))
    url = StringField(_l("Webhook URL"), validators=[DataRequired(), Length(max=URL_LIMIT)],
                      description=_l("Slack: the incoming webhook's URL. Teams: the URL of the workflow "
                                     "“Post to a channel when a webhook request is received”."))
    label = StringField(_l("Channel name"), validators=[Optional(), Length(max=120)],
                        description=_l("For your own reference, e.g. #sales-leads"))
    locale = SelectField(_l("Language of the messages"))

    def __init__(self, *args, owners=(), languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = list(owners)
        self.kind.choices = [(key, _(label)) for key, label in CHAT_KINDS.items()]
        self.locale.choices = list(languages)
