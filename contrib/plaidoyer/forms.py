from wtforms import HiddenField, SelectField, StringField, TextAreaField

from contrib.core.forms import Form, VersionedForm, short_choices
from contrib.core.ids import coerce_id
from contrib.models.plaidoyer import PLAIDOYER_TEXT_MAX_LENGTH
from contrib.proposals.forms import EditForm


class CreateForm(Form):
    title = StringField("Titre du plaidoyer")


class TextForm(VersionedForm):
    title = StringField("Titre du plaidoyer")
    introduction = TextAreaField(
        "Introduction",
        description=f"{PLAIDOYER_TEXT_MAX_LENGTH} caractères au plus ; une ligne vide sépare deux paragraphes.",
    )
    conclusion = TextAreaField("Conclusion")


class SectionForm(VersionedForm):
    title = StringField("Titre de la section")


class MoveForm(VersionedForm):
    """Up/down buttons post ``direction``; the section select posts ``section_id``."""

    direction = HiddenField()
    section_id = SelectField("Déplacer vers la section", coerce=coerce_id, validate_choice=False)


class AddProposalForm(VersionedForm):
    proposal_id = StringField("Numéro de la proposition", description="Par exemple « 12 ».")
    section_id = SelectField(
        "Section",
        coerce=coerce_id,
        validate_choice=False,
        description="Par défaut, la section de sa thématique, créée si besoin.",
    )


class ProcessForm(VersionedForm):
    process_id = SelectField("Démarche", coerce=coerce_id, validate_choice=False)


class SnapshotForm(Form):
    label = StringField(
        "Nom de la version", description="Par exemple « Après la rencontre de Pessac ». Vide : « Version N »."
    )


def section_choices(sections: list[dict], *, automatic: bool) -> list[tuple[int, str]]:
    """The choices of a section field: the document's sections, after « its theme's section » when ``automatic``."""
    choices = [(0, "Celle de sa thématique")] if automatic else []
    return short_choices(choices + [(section["id"], section["title"]) for section in sections])


def proposal_edit_forms(placed: list[dict], versions: dict[int, int]) -> dict[int, EditForm]:
    """{proposal id: its text form, prefilled} for the proposals placed in the document."""
    return {
        proposal["id"]: EditForm(
            formdata=None,
            prefix=f"p{proposal['id']}",
            title=proposal["title"],
            text=proposal["text"],
            version=versions[proposal["id"]],
        )
        for proposal in placed
    }
