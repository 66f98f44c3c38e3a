from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField

from contrib.core.forms import Form, VersionedForm
from contrib.core.ids import coerce_id
from contrib.models import ProposalPriority
from contrib.models.proposals import PROPOSAL_TEXT_MAX_LENGTH, PROPOSAL_TITLE_MAX_LENGTH

CITATION_HINT = (
    "Citez les contributions sources sous la forme [#114] : chaque citation est vérifiée à l'enregistrement."
)


def citation_reason_field(**kwargs):
    return TextAreaField(
        "Motif pour garder les phrases non vérifiées",
        description="À remplir seulement si l'enregistrement signale des phrases que leurs sources "
        "ne soutiennent pas et que vous gardez telles quelles (500 caractères au plus).",
        **kwargs,
    )


class ProposalForm(Form):
    """Title, text, themes and priority of a new proposal; the selected contributions come as ``ids`` checkboxes."""

    title = StringField("Titre de la proposition", description=f"{PROPOSAL_TITLE_MAX_LENGTH} caractères au plus.")
    text = TextAreaField(
        "Texte de la proposition",
        description=f"La synthèse des contributions choisies ({PROPOSAL_TEXT_MAX_LENGTH} "
        f"caractères au plus). {CITATION_HINT}",
    )
    citation_reason = citation_reason_field()
    theme_ids = SelectMultipleField("Thématiques", coerce=coerce_id, validate_choice=False)
    priority = SelectField(
        "Priorité", choices=ProposalPriority.choices(), default=ProposalPriority.MEDIUM.value, validate_choice=False
    )

    def set_themes(self, themes) -> None:
        self.theme_ids.choices = [(theme.id, theme.name) for theme in themes]


class AddForm(VersionedForm):
    ids = StringField("Numéros des contributions à ajouter", description="Par exemple « 12, 15, 31 ».")


class MergeForm(VersionedForm):
    into_id = SelectField("Fusionner cette proposition dans", coerce=coerce_id, validate_choice=False)


class SplitForm(VersionedForm):
    """Shown on the same page as :class:`EditForm`: same field names, so its own ids (a label must not lead to
    the other form's box, nor an error summary's link)."""

    title = StringField("Titre de la nouvelle proposition", id="scinder-title")
    text = TextAreaField("Texte de la nouvelle proposition", description=CITATION_HINT, id="scinder-text")
    citation_reason = citation_reason_field(id="scinder-citation_reason")


class EditForm(VersionedForm):
    """A new version of a proposal's title and text (the previous one stays in the journal)."""

    title = StringField("Titre", description=f"{PROPOSAL_TITLE_MAX_LENGTH} caractères au plus.")
    text = TextAreaField("Texte", description=CITATION_HINT)
    citation_reason = citation_reason_field()
