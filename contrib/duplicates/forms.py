from wtforms import RadioField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from contrib.core.forms import Form
from contrib.core.ids import coerce_id


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(Form):
    """Confirm a group: choose the representative, untick the contributions that are not duplicates."""

    representative_id = RadioField(
        "Contribution de référence",
        coerce=coerce_id,
        validators=[InputRequired("Choisissez la contribution de référence.")],
    )
    member_ids = MultiCheckboxField("Contributions gardées dans le groupe", coerce=coerce_id)

    def set_group(self, group) -> None:
        choices = [(member.contribution_id, f"n° {member.contribution_id}") for member in group.members]
        self.representative_id.choices = choices
        self.member_ids.choices = choices
        if not self.is_submitted():
            self.representative_id.data = group.representative_id
            self.member_ids.data = [member.contribution_id for member in group.members]


class DecisionForm(Form):
    """Detect or dismiss: only the CSRF token, the action is in the URL."""
