from wtforms import HiddenField, TextAreaField

from contrib.core.forms import Form
from contrib.models.assistant import QUESTION_MAX_LENGTH


class AssistantForm(Form):
    """One request to the assistant: "resumer", "brouillon" or "question" (with the question)."""

    action = HiddenField()
    question = TextAreaField(
        "Votre question sur ces contributions",
        description=(
            f"Par exemple «\u00a0Que disent les financeurs\u00a0?\u00a0». {QUESTION_MAX_LENGTH} caractères au plus."
        ),
    )


class FlagForm(Form):
    """« Cette citation est fausse » on one verified sentence (the scope comes back as hidden fields)."""
