from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from contrib.core.errors import InvalidInput
from contrib.core.forms import Form, VersionedForm
from contrib.core.ids import coerce_id, parse_id
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


def dot_points(form) -> dict[int, int]:
    """{proposal id: points} from the ``points-<id>`` fields; empty fields are 0. InvalidInput naming the
    field whose value is not a whole number of points."""
    allocation = {}
    for name, value in form.items():
        if name.startswith("points-") and parse_id(name[7:]) is not None:
            value = value.strip()
            if value and parse_id(value) is None:
                raise InvalidInput("Les points sont des nombres entiers positifs.", field=name)
            allocation[parse_id(name[7:])] = parse_id(value) or 0
    return allocation


def typed_points(form) -> dict[int, int]:
    """What the person typed, to show it again after a refusal (never reset to zero)."""
    typed = {}
    for name, value in form.items():
        if not name.startswith("points-"):
            continue
        proposal_id, points = parse_id(name[7:]), parse_id(value.strip())
        if proposal_id is not None and points is not None:
            typed[proposal_id] = points
    return typed
