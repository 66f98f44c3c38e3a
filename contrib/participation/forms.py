from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from contrib.core.forms import Form, short_choices
from contrib.core.ids import coerce_id
from contrib.models import ActorType, ContributionKind, ReportReason
from contrib.models.comments import COMMENT_MAX_LENGTH
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from contrib.models.reports import DETAILS_MAX_LENGTH
from contrib.participation.contributions import MAX_TABLE_PARTICIPANTS


def _count(n: int) -> str:
    """« 5 000 », as French writes thousands (a no-break space)."""
    return f"{n:,}".replace(",", "\u00a0")


class ContributionForm(Form):
    theme_id = SelectField("Thématique", coerce=coerce_id, validate_choice=False)
    kind = SelectField(
        "Type de contribution",
        choices=ContributionKind.choices(),
        validate_choice=False,
        description="Diagnostic : un constat sur ce qui se passe. Idée ou proposition : ce qu'il faudrait faire. "
        "Signal faible : un changement qui commence à peine et qu'il faut surveiller. "
        "Piste expérimentale : une façon de faire à essayer.",
    )
    title = StringField("Titre (facultatif)", description=f"{TITLE_MAX_LENGTH} caractères au plus.")
    text = TextAreaField(
        "Votre contribution",
        description=f"Décrivez une idée, un constat ou une proposition ({_count(TEXT_MAX_LENGTH)} caractères au plus).",
        render_kw={"data-max-length": TEXT_MAX_LENGTH},
    )
    # Set once the person has seen the similar contributions (the check step before publishing).
    similar_checked = HiddenField(default="")

    def set_themes(self, themes) -> None:
        self.theme_id.choices = short_choices(
            [(0, "— Choisir une thématique —")] + [(theme.id, theme.name) for theme in themes]
        )


class EditContributionForm(ContributionForm):
    """The author editing their contribution; ``version`` is the one the form was filled from."""

    version = HiddenField()


class WorkshopEntryForm(ContributionForm):
    """A facilitator typing in a workshop sheet: the table context stays from one entry to the next."""

    table_label = StringField("Table", description="Par exemple « Table 3 ».")
    n_participants = IntegerField(
        "Nombre de personnes à la table", validators=[Optional(), NumberRange(min=1, max=MAX_TABLE_PARTICIPANTS)]
    )
    # A radio list: « Financeur (Région, État, OPCO, France Travail) » does not fit a phone's drop-down list.
    actor_type = RadioField("Type d'acteur", choices=ActorType.choices(), default=ActorType.TRAINING_ORG.value)
    author_name = StringField("Nom de l'auteur (facultatif)", description="Si une personne a signé la fiche.")
    # Facilitators know the kinds: no hint, so the text box stays on a laptop's screen without scrolling.
    kind = SelectField("Type de contribution", choices=ContributionKind.choices(), validate_choice=False)
    text = TextAreaField(
        "Texte de la contribution",
        description=f"{_count(TEXT_MAX_LENGTH)} caractères au plus.",
        render_kw={"data-max-length": TEXT_MAX_LENGTH},
    )


class CommentForm(Form):
    text = TextAreaField(
        "Votre commentaire",
        description=f"{_count(COMMENT_MAX_LENGTH)} caractères au plus.",
        render_kw={"data-max-length": COMMENT_MAX_LENGTH},
    )
    parent_id = HiddenField()


class ReportForm(Form):
    reason = SelectField(
        "Motif du signalement", choices=[("", "— Choisir un motif —"), *ReportReason.choices()], validate_choice=False
    )
    details = TextAreaField(
        "Précisions (facultatif)", description=f"Obligatoires pour « Autre » ; {DETAILS_MAX_LENGTH} caractères au plus."
    )
