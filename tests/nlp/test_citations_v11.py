"""Checker v11 (session 14): a refusal's reasons written with French typography (no-break spaces)."""

import re

from nlp.citations import check_text
from nlp.citations.wording import NO_BREAK_SPACE, REASON_SEPARATOR, french_spacing

NBSP = NO_BREAK_SPACE
PLAIN_SPACE_MISPLACED = re.compile(r"[ \u202f][;:!?»]|«[ \u202f]|\S;")
"""A plain (breakable) space before ; : ! ? » or after «, or a semicolon glued to its word."""

SCOPE = {
    1: "Le CPF ne couvre pas les frais de transport des stagiaires qui habitent loin.",
    2: "Les repas des stagiaires ne sont pas pris en charge.",
}


def test_a_refusal_with_several_reasons_joins_them_with_a_no_break_space_before_the_semicolon():
    # Before v11 this read "« tous » : 1 contribution citée sur 5; « les participants » : …": a line could break
    # inside the guillemets or before the colon, and the semicolon was glued to « 5 ».
    claim = "Tous les participants regrettent que la Région ne couvre pas les frais de transport [#1]."
    (s,) = check_text(claim, SCOPE, scope_size=5)
    assert s.status == "non_soutenue"
    assert f"«{NBSP}tous{NBSP}»{NBSP}: 1 contribution citée sur 5{NBSP}; «{NBSP}" in s.reason, s.reason
    assert f"«{NBSP}Région{NBSP}» n'apparaît pas dans la contribution n° 1{NBSP}; " in s.reason
    assert PLAIN_SPACE_MISPLACED.search(s.reason) is None, s.reason
    parts = s.reason.split(REASON_SEPARATOR)
    assert len(parts) >= 3 and len(set(parts)) == len(parts)  # control: several reasons were joined, each once


def test_every_refusal_kind_is_spaced_so():
    # a contradiction, a counted source, a place, a link and the calibration's own refusal, each one reason
    cases = [
        ("Il faut supprimer le budget de la formation [#3].", {3: "Il ne faut surtout pas supprimer ce budget : non."}),
        ("Deux contributions regrettent que le CPF ne couvre pas les frais de transport [#1, #2].", SCOPE),
        ("Le lycée ne couvre pas les frais de transport des stagiaires [#1].", SCOPE),
        ("Voir [#1].", SCOPE),
        (
            "Une contribution cherche à faire connaître les métiers de la logistique aux familles [#12].",
            {12: "Les familles ne connaissent pas les métiers de la logistique."},
        ),
    ]
    reasons = [check_text(text, scope)[0].reason for text, scope in cases]
    assert all(reason for reason in reasons), reasons  # control: each was refused or linked with a reason
    for reason in reasons:
        assert PLAIN_SPACE_MISPLACED.search(reason) is None, reason
    assert sum(f"{NBSP}:" in reason for reason in reasons) >= 3  # control: colons were there to space


def test_french_spacing_leaves_glued_marks_and_no_break_spaces_as_they_are():
    spaced = f"«{NBSP}lycée{NBSP}»{NBSP}: absent{NBSP}; pourquoi{NBSP}?"
    assert french_spacing("« lycée » : absent ; pourquoi ?") == spaced
    assert french_spacing("de 18:30 à 20:00, quoi?") == "de 18:30 à 20:00, quoi?"  # control: nothing to change
    spaced = french_spacing("« a » : b")
    assert french_spacing(spaced) == spaced  # control: applied twice, the same
