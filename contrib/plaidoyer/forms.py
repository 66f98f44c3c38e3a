from wtforms import HiddenField, SelectField, StringField, TextAreaField

from contrib.core.forms import Form
from contrib.core.ids import coerce_id, parse_id
from contrib.models.plaidoyer import PLAIDOYER_TEXT_MAX_LENGTH


class VersionedForm(Form):
    """An act on the document: carries the document version the page showed (optimistic check)."""

    version = HiddenField()

    def seen_version(self) -> int | None:
        return parse_id(self.version.data)


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
    section_id = SelectField("Section", coerce=coerce_id, validate_choice=False)


class ProcessForm(VersionedForm):
    process_id = SelectField("Démarche", coerce=coerce_id, validate_choice=False)


class SnapshotForm(Form):
    label = StringField(
        "Nom de la version", description="Par exemple « Après la rencontre de Pessac ». Vide : « Version N »."
    )
