from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from contrib.core.forms import Form, VersionedForm
from contrib.core.ids import coerce_id
from contrib.models import ProposalPriority, ProposalStatus, SessionMode
from contrib.models.prioritisation import SESSION_TITLE_MAX_LENGTH
from contrib.models.proposals import STATUS_REASON_MAX_LENGTH


class SupportForm(Form):
    """Support a proposal, or withdraw (``retirer``) a direct support."""

    retirer = HiddenField(default="")


class PriorityForm(VersionedForm):
    priority = SelectField("Priorité", choices=ProposalPriority.choices(), validate_choice=False)


class StatusForm(VersionedForm):
    status = SelectField("Statut", choices=ProposalStatus.choices(), validate_choice=False)
    reason = TextAreaField(
        "Motif public",
        description=f"Obligatoire pour une proposition écartée ; {STATUS_REASON_MAX_LENGTH} caractères au plus.",
    )


class SessionForm(Form):
    title = StringField(
        "Titre de la séance",
        description=f"Par exemple « Plénière de Bordeaux » ({SESSION_TITLE_MAX_LENGTH} caractères au plus).",
    )
    mode = SelectField(
        "Mode de vote", choices=SessionMode.choices(), default=SessionMode.DOTS.value, validate_choice=False
    )
    n_points = IntegerField("Points par participant (vote par points)", default=10, validators=[Optional()])
    proposal_ids = SelectMultipleField("Propositions mises au vote", coerce=coerce_id, validate_choice=False)


class CloseForm(VersionedForm):
    """Close a session; carries the version the moderator saw."""
