"""Forms of the clustering pages (French labels; the service checks every value again)."""

from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from contrib.clustering.services import MAX_CLUSTERS
from contrib.core.forms import Form
from contrib.core.ids import coerce_id


class LaunchForm(Form):
    n_clusters = IntegerField(
        "Nombre de regroupements",
        validators=[Optional(), NumberRange(2, MAX_CLUSTERS)],
        description="Laissez vide pour un choix automatique.",
    )


class ActionForm(Form):
    """Pin, exclude: only the CSRF token, the act is in the URL."""


class RenameForm(Form):
    name = StringField("Nouveau nom du regroupement", validators=[DataRequired("Indiquez un nom.")])


class TargetForm(Form):
    """Move a contribution into, or merge a cluster with, the chosen cluster."""

    key = SelectField(
        "Regroupement de destination", validators=[DataRequired("Choisissez un regroupement.")], validate_choice=False
    )


class SplitForm(Form):
    ids = SelectMultipleField(
        "Contributions du nouveau regroupement",
        coerce=coerce_id,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
