"""Checker v7: rules found by the error analysis over the six claim files, on sentences of our own, each with a
control the rule must still refuse."""

from nlp.citations import CALIBRATION_REFUSAL, check_text
from nlp.citations.acronyms import acronyms_written_out, expansion_in, same_name_in
from nlp.text import fold


def verdict(text, scope):
    (sentence,) = check_text(text, scope)
    return sentence


def passes_rules(s):
    """No rule refuses the sentence: verified, or held back by the calibration alone."""
    return s.is_verified or s.reason.startswith(CALIBRATION_REFUSAL)


# --- a proposal setting aside what happens now: no contradiction with a source stating it as a fact


TRAVEL = {1: "Aujourd'hui les stagiaires avancent eux-mêmes leurs frais de transport pendant trois mois."}


def test_a_proposal_setting_aside_a_stated_fact_does_not_contradict_it():
    s = verdict(
        "Un participant voudrait que la Région paie le transport au lieu de laisser les stagiaires avancer leurs"
        " frais pendant trois mois [#1].",
        TRAVEL,
    )
    assert "dit le contraire" not in s.reason, s.reason
    s = verdict(
        "Un forfait éviterait aux stagiaires d'avancer leurs frais de transport pendant trois mois [#1].", TRAVEL
    )
    assert "dit le contraire" not in s.reason, s.reason


def test_setting_aside_what_the_source_wills_or_stating_it_as_a_fact_stays_a_contradiction():
    # control 1: the source wills the term the claim sets aside
    wills = {2: "Il faut que les stagiaires avancent eux-mêmes leurs frais de transport pendant trois mois."}
    s = verdict(
        "Un forfait éviterait aux stagiaires d'avancer leurs frais de transport pendant trois mois [#2].", wills
    )
    assert s.status == "non_soutenue" and "la contribution n° 2 dit le contraire" in s.reason, s.reason
    # control 2: no proposal, the claim states that the stagiaires do not advance their costs
    s = verdict(
        "Les stagiaires sont remboursés au lieu d'avancer leurs frais de transport pendant trois mois [#1].", TRAVEL
    )
    assert s.status == "non_soutenue" and "la contribution n° 1 dit le contraire" in s.reason, s.reason


# --- "sans X" and "ne pas X": one denial read with two scopes


FIBRE = {3: "Il faut un plan de déploiement de la fibre, et surtout ne pas oublier les zones rurales."}


def test_sans_and_ne_pas_deny_the_same_word():
    s = verdict("Un participant réclame un plan de déploiement de la fibre sans oublier les zones rurales [#3].", FIBRE)
    assert "dit le contraire" not in s.reason and passes_rules(s), s.reason


def test_sans_against_a_source_that_affirms_the_word_is_still_a_contradiction():
    scope = {11: "Le plan de déploiement de la fibre oublie les zones rurales."}
    s = verdict(
        "Un participant réclame un plan de déploiement de la fibre sans oublier les zones rurales [#11].", scope
    )
    assert s.status == "non_soutenue" and "la contribution n° 11 dit le contraire" in s.reason, s.reason


# --- acronyms and their expansions, both ways


SMALL_FIRMS = {
    4: "Les petites et moyennes entreprises peinent à financer la formation de leurs salariés.",
    5: "Les PME peinent à financer la formation de leurs salariés.",
    6: "Les grandes entreprises peinent à financer la formation de leurs salariés.",
}


def test_an_acronym_and_its_expansion_support_each_other():
    assert expansion_in("pme", fold("Des petites et moyennes entreprises"))
    assert acronyms_written_out(fold("les centres de formation des apprentis")) == {
        "cfa": {"centre", "formation", "apprenti"}
    }
    s = verdict("Les PME peinent à financer la formation de leurs salariés [#4].", SMALL_FIRMS)
    assert passes_rules(s) and "n'apparaît pas" not in s.reason and "absent" not in s.reason, s.reason
    s = verdict(
        "Les petites et moyennes entreprises peinent à financer la formation de leurs salariés [#5].", SMALL_FIRMS
    )
    assert passes_rules(s) and "absent" not in s.reason, s.reason


def test_an_acronym_the_source_does_not_write_in_any_form_is_refused():
    s = verdict(
        "Un participant constate que les PME peinent à financer la formation de leurs salariés [#6].", SMALL_FIRMS
    )
    assert s.status == "non_soutenue"
    assert "«\u00a0PME\u00a0» n'apparaît pas dans la contribution n° 6" in s.reason, s.reason
    assert not expansion_in("pme", fold("Les grandes entreprises"))
    assert not expansion_in("eti", fold("les petites et moyennes entreprises"))


def test_two_names_of_one_institution():
    assert same_name_in("france travail", fold("Pôle emploi ne rappelle jamais"))
    scope = {7: "Pôle emploi ne rappelle jamais les demandeurs d'emploi inscrits."}
    s = verdict("France Travail ne rappelle jamais les demandeurs d'emploi inscrits [#7].", scope)
    assert passes_rules(s) and "n'apparaît pas" not in s.reason, s.reason
    s = verdict("La Mission locale ne rappelle jamais les demandeurs d'emploi inscrits [#7].", scope)  # control
    assert s.status == "non_soutenue" and "n'apparaît pas dans la contribution n° 7" in s.reason, s.reason


# --- a ratio written as a fraction or as a percentage


DROPOUTS = {8: "Un stagiaire sur trois abandonne en cours de route, et deux tiers des entreprises ne forment personne."}


def test_a_fraction_and_its_whole_percent_are_the_same_ratio():
    for claim in (
        "33 % des stagiaires abandonnent en cours de route [#8].",
        "Un tiers des stagiaires abandonne en cours de route [#8].",
        "67 % des entreprises ne forment personne [#8].",
    ):
        s = verdict(claim, DROPOUTS)
        assert "n'apparaît pas" not in s.reason, (claim, s.reason)


def test_a_different_percent_is_still_refused():
    for claim, number in (
        ("30 % des stagiaires abandonnent en cours de route [#8].", "30 %"),
        ("40 % des stagiaires abandonnent en cours de route [#8].", "40 %"),
        ("66 % des entreprises ne forment personne [#8].", "66 %"),
    ):
        s = verdict(claim, DROPOUTS)
        assert s.status == "non_soutenue" and f"{number} n'apparaît pas" in s.reason, (claim, s.reason)


# --- a word in -euse after a noun or a verb is no actor


def test_an_adjective_in_euse_is_not_an_actor():
    scope = {9: "Les allocations sont trop nombreuses et coûtent cher à gérer : il faut un revenu unique."}
    s = verdict("Un participant juge les allocations coûteuses à gérer et veut un revenu unique [#9].", scope)
    assert "n'apparaît pas" not in s.reason, s.reason


def test_a_noun_in_euse_after_a_determiner_is_still_an_actor():
    scope = {10: "Je travaille seule à mon compte et les cotisations sont trop lourdes."}
    s = verdict("Une vendeuse juge les cotisations trop lourdes [#10].", scope)
    assert s.status == "non_soutenue" and "«\u00a0vendeuse\u00a0» n'apparaît pas dans la contribution n° 10" in s.reason


# --- a negation of a noun of difficulty affirms ("sans problème", "pas de soucis")


def test_a_denied_difficulty_is_no_negation():
    scope = {12: "Je n'aurais pas de soucis à payer plus d'impôts si l'argent allait aux écoles."}
    s = verdict("Un contributeur accepterait de payer plus d'impôts si l'argent allait aux écoles [#12].", scope)
    assert "dit le contraire" not in s.reason, s.reason


def test_a_plain_refusal_is_still_a_negation():
    scope = {13: "Je ne veux pas payer plus d'impôts, même si l'argent allait aux écoles."}  # control
    s = verdict("Un contributeur accepterait de payer plus d'impôts si l'argent allait aux écoles [#13].", scope)
    assert s.status == "non_soutenue" and "la contribution n° 13 dit le contraire" in s.reason, s.reason


# --- an establishment is checked like a name


def test_an_establishment_the_source_does_not_name_is_refused():
    scope = {14: "Les apprentis sans voiture ne peuvent plus se rendre au centre de formation le lundi matin."}
    s = verdict("Les apprentis sans voiture ne peuvent plus se rendre au lycée le lundi matin [#14].", scope)
    assert s.status == "non_soutenue" and "«\u00a0lycee\u00a0» n'apparaît pas dans la contribution n° 14" in s.reason
    # control: the establishment the source names, in the plural
    scope = {15: "Les apprentis sans voiture ne peuvent plus se rendre aux lycées le lundi matin."}
    s = verdict("Les apprentis sans voiture ne peuvent plus se rendre au lycée le lundi matin [#15].", scope)
    assert "n'apparaît pas" not in s.reason and passes_rules(s), s.reason
