"""Checker v8: rules found by the error analysis over the seven claim files (wrong acceptances), on sentences of
our own, each with an accepted or refused control."""

from nlp.citations import CALIBRATION_REFUSAL, check_text


def verdict(text, scope):
    (sentence,) = check_text(text, scope)
    return sentence


def passes_rules(s):
    """No rule refuses the sentence: verified, or held back by the calibration alone."""
    return s.is_verified or s.reason.startswith(CALIBRATION_REFUSAL)


# --- a counted claim: each counted source is for what the claim says, not against it

FOR = "Il faut ouvrir les bibliothèques municipales le dimanche pour les familles qui travaillent en semaine."
AGAINST = "Ouvrir les bibliothèques municipales le dimanche est un non-sens : personne ne viendra."
ALSO_FOR = "Ouvrir les bibliothèques municipales le dimanche aiderait les familles qui travaillent en semaine."


def test_a_counted_claim_citing_a_source_against_is_refused():
    s = verdict(
        "Deux contributions défendent l'ouverture des bibliothèques municipales le dimanche [#1, #2].",
        {1: FOR, 2: AGAINST},
    )
    assert s.status == "non_soutenue"
    assert "la contribution n° 2 s'y oppose" in s.reason and "non-sens" in s.reason
    assert s.bad_ids == (2,)


def test_a_counted_claim_whose_sources_both_agree_is_not_refused_by_the_rule():
    s = verdict(
        "Deux contributions défendent l'ouverture des bibliothèques municipales le dimanche [#1, #2].",
        {1: FOR, 2: ALSO_FOR},
    )
    assert "s'y oppose" not in s.reason
    assert passes_rules(s), s.reason


def test_a_counted_claim_that_is_itself_against_may_cite_sources_against():
    s = verdict(
        "Deux contributions jugent inutile et même un non-sens d'ouvrir les bibliothèques le dimanche [#1, #2].",
        {1: AGAINST, 2: "Ouvrir les bibliothèques le dimanche ? C'est inutile, un non-sens budgétaire."},
    )
    assert "s'y oppose" not in s.reason


# --- a place or a diploma named with another qualifier

CAPES = {1: "Le concours prépare à enseigner en lycée technologique, pas au collège."}


def test_a_place_with_another_qualifier_is_refused():
    s = verdict("Un contributeur rappelle que le concours prépare à enseigner en lycée professionnel [#1].", CAPES)
    assert s.status == "non_soutenue"
    assert "«\u00a0lycée professionnel\u00a0» n'apparaît pas dans la contribution n° 1" in s.reason


def test_the_same_place_with_the_same_qualifier_is_accepted():
    s = verdict("Un contributeur rappelle que le concours prépare à enseigner en lycée technologique [#1].", CAPES)
    assert s.is_verified, s.reason


def test_a_diploma_with_another_qualifier_is_refused_and_an_unqualified_one_is_not():
    scope = {1: "Les jeunes titulaires d'un bac professionnel trouvent difficilement une place en BTS."}
    s = verdict("Les jeunes titulaires d'un bac général trouvent difficilement une place en BTS [#1].", scope)
    assert s.status == "non_soutenue" and "«\u00a0bac général\u00a0»" in s.reason
    # control: the source's own qualifier, and a bare "bac" the rule leaves to the others
    assert verdict(
        "Les titulaires d'un bac professionnel trouvent difficilement une place en BTS [#1].", scope
    ).is_verified
    assert "bac" not in verdict("Les titulaires du bac trouvent difficilement une place en BTS [#1].", scope).reason
