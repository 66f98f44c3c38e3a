"""A long option of a drop-down list is shortened for a phone after a word, never inside a bracket, and keeps its
full text in its ``title``; a short one is left whole (the control)."""

import pytest

from contrib.core.forms import OPTION_MAX_LENGTH, short_choices, short_option


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Évaluation/qualité", "Évaluation/qualité"),  # short: whole
        ("Annulation : plaidoyer exporté", "Annulation : plaidoyer exporté"),  # exactly 30: whole
        ("Professionnels/acteurs de la formation", "Professionnels/acteurs de la…"),
        ("Rencontre régionale de Bourgogne-Franche-Comté à Besançon", "Rencontre régionale de…"),
        ("n° 1 · Financer l'accompagnement des tuteurs en entreprise", "n° 1 · Financer l'accompagnem…"),
        ("La plateforme (actes automatiques)", "La plateforme…"),
    ],
)
def test_a_long_option_is_shortened_after_a_word(label, shown):
    assert short_option(label) == shown and len(shown) <= OPTION_MAX_LENGTH


def test_short_choices_keep_the_full_text_in_the_title():
    choices = short_choices([(1, "Évaluation/qualité"), (2, "Professionnels/acteurs de la formation")])
    assert choices == [
        (1, "Évaluation/qualité"),
        (2, "Professionnels/acteurs de la…", {"title": "Professionnels/acteurs de la formation"}),
    ]
