from contrib.forms import Form


class DecisionForm(Form):
    """A moderator's decision on a reported item: only the CSRF token, the action is in the URL."""
