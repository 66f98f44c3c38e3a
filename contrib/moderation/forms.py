from wtforms import HiddenField, StringField
from wtforms.validators import Optional

from contrib.core.forms import Form


class DecisionForm(Form):
    """A moderator's decision (restore, keep hidden, undo…): only the CSRF token, the action is in the URL."""


class HideForm(Form):
    reason = StringField("Motif public du masquage")
    version = HiddenField(validators=[Optional()])
