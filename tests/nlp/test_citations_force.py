"""Citation checker, rules added on heldout2 (session 7): stances and judgements aligned by their own words,
counted sources saying it in their own words, degrees of force, more opposite families. French examples of
our own, each with a control that passes."""

import pytest

from nlp.citations import CALIBRATION_REFUSAL, check_text


def verdict(text, scope):
    (sentence,) = check_text(text, scope)
    return sentence


def test_a_stance_is_not_aligned_by_a_near_word_vector():
    # "obligatoire" and "nécessaire" are near vectors (cosine 0.69), but a necessity is not an obligation.
    claim = "La formation aux premiers secours des apprentis doit devenir obligatoire [#1]."
    s = verdict(claim, {1: "La formation aux premiers secours des apprentis est nécessaire."})
    assert s.status == "non_soutenue" and "«\u00a0obligatoire\u00a0» n'est dit" in s.reason
    s = verdict(claim, {1: "La formation aux premiers secours des apprentis doit devenir obligatoire."})
    assert s.is_verified, s.reason


def test_a_judgement_is_not_aligned_by_its_antonym():
    scope = {1: "Le dispositif de tutorat des stagiaires en entreprise est inefficace."}
    s = verdict("Le dispositif de tutorat des stagiaires en entreprise fonctionne [#1].", scope)
    assert s.status == "non_soutenue"
    s = verdict("Le dispositif de tutorat des stagiaires en entreprise est inefficace [#1].", scope)
    assert s.is_verified, s.reason


def test_a_counted_source_says_it_in_its_own_words():
    claim = "Deux contributions demandent d'ouvrir des ateliers publics pour apprendre la bureautique [#1, #2]."
    first = "Il faut ouvrir des ateliers publics pour apprendre la bureautique aux demandeurs d'emploi."
    scope = {1: first, 2: "Les bibliothèques publiques manquent de personnel pour accueillir les usagers."}
    s = verdict(claim, scope)
    assert s.status == "non_soutenue"
    assert "«\u00a0deux contributions\u00a0»\u00a0: 1 contribution citée le dit" in s.reason
    both = {1: first, 2: "Ouvrir des ateliers publics de bureautique aiderait les seniors à apprendre."}
    s = verdict(claim, both)
    assert s.is_verified, s.reason


@pytest.mark.parametrize(
    ("claim", "weak", "strong"),
    [
        (
            "Une contribution juge indispensable de faire appel aux formateurs retraités dans les ateliers [#1].",
            "On peut faire appel aux formateurs retraités dans les ateliers.",
            "Il est nécessaire de faire appel aux formateurs retraités dans les ateliers.",
        ),
        (
            "Selon une contribution, le tutorat garantirait l'insertion des apprentis [#1].",
            "Le tutorat faciliterait l'insertion des apprentis.",
            "Le tutorat garantirait l'insertion des apprentis.",
        ),
    ],
)
def test_a_claim_may_not_raise_the_force_of_its_source(claim, weak, strong):
    s = verdict(claim, {1: weak})
    assert s.status == "non_soutenue" and "avec cette force" in s.reason
    s = verdict(claim, {1: strong})
    assert s.is_verified or s.reason.startswith(CALIBRATION_REFUSAL), s.reason  # no rule refuses it


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        (
            "Les stagiaires devraient payer les cours du soir du centre [#1].",
            "Les stagiaires devraient suivre gratuitement les cours du soir du centre.",
        ),
        (
            "Il faut alourdir les charges des organismes de formation [#1].",
            "Il faut alléger les charges des organismes de formation.",
        ),
        (
            "Le contrôle des organismes de formation fonctionne [#1].",
            "Le contrôle des organismes de formation est inefficace.",
        ),
    ],
)
def test_new_opposite_families(claim, source):
    s = verdict(claim, {1: source})
    assert s.status == "non_soutenue", s.reason
    assert verdict(f"{source} [#1]", {1: source}).is_verified


def test_whose_task_it_is_not_is_a_judgement_not_a_lack():
    # The other words agree in n° 1; only n° 2 speaks of "former", and it judges, it states no lack to wish away.
    claim = "Deux contributions veulent que la Région forme les chômeurs au numérique [#1, #2]."
    first = "La Région et les chômeurs doivent s'intéresser au numérique."
    scope = {1: first, 2: "Le rôle de la Région n'est pas de former les chômeurs au numérique."}
    s = verdict(claim, scope)
    assert s.status == "non_soutenue" and "la contribution n° 2 dit le contraire" in s.reason
    said = {1: first, 2: "Le rôle de la Région est de former les chômeurs au numérique."}
    assert verdict(claim, said).is_verified, verdict(claim, said).reason
