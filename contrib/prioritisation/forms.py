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


class CardsForm(Form):
    n_cards = IntegerField(
        "Nombre de cartes à imprimer",
        default=60,
        validators=[Optional()],
        description="Une feuille A4 porte 10 cartes ; 500 cartes au plus à la fois.",
    )


class CardCodeForm(Form):
    code = StringField(
        "Code de votre carte de vote",
        description="10 caractères, imprimés sous le QR code (par exemple K7PMQ-3XRT9).",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
