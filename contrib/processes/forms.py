from wtforms import SelectField, StringField, TextAreaField

from contrib.forms import Form
from contrib.models import ContributionKind
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


class ContributionForm(Form):
    theme_id = SelectField("Thématique", coerce=int, validate_choice=False)
    kind = SelectField("Type de contribution", choices=ContributionKind.choices(), validate_choice=False)
    title = StringField("Titre (facultatif)", description=f"{TITLE_MAX_LENGTH} caractères au plus.")
    text = TextAreaField("Votre contribution",
                         description=f"Décrivez une idée, un constat ou une proposition ({TEXT_MAX_LENGTH} caractères au plus).")

    def set_themes(self, themes) -> None:
        self.theme_id.choices = [(0, "— Choisir une thématique —")] + [(theme.id, theme.name) for theme in themes]
