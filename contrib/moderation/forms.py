from wtforms import StringField

from contrib.core.forms import Form, VersionedForm


class DecisionForm(Form):
    """A moderator's decision (restore, keep hidden, undo…): only the CSRF token, the action is in the URL."""


class HideForm(VersionedForm):
    reason = StringField("Motif public du masquage")
