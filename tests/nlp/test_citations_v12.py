"""Checker v12 (nlp/README.md, "v12"): false contraries of the negation rule, on sentences of our own.

Each change is checked where it clears a refusal and on a control: the real contrary is still refused.
"""

from nlp.citations import check_text
from nlp.citations.calibrate import examine_claim
from nlp.citations.rules.entities import _entities


def reasons(text, scope):
    (sentence,) = examine_claim(text, scope)
    return sentence.get("reasons", [])


def contraries(text, scope):
    return [r for r in reasons(text, scope) if r.startswith("negation:")]


# "sans X" in the source, "pas de X" in the claim: the same denial, whichever side holds the "sans".

SANS = {1: "Et sans filtrage des services de protection des données personnelles, comme Tor."}


def test_no_filtering_restates_without_filtering():
    claim = "Un argument demande qu'il n'y ait pas de filtrage des services de protection des données [#1]."
    assert contraries(claim, SANS) == []


def test_a_filtering_against_without_filtering_is_still_a_contrary():
    # control: the claim states the filtering as a fact ("demande un filtrage" is a wish, which restates a lack)
    claim = "Il y a un filtrage des services de protection des données [#1]."
    assert any("dit le contraire" in r for r in contraries(claim, SANS))


def test_a_clause_negation_against_an_affirmed_filtering_is_still_a_contrary():
    scope = {1: "Il faut un filtrage des services de protection des données personnelles."}
    claim = "Il ne faut pas de filtrage des services de protection des données [#1]."
    assert any("dit le contraire" in r for r in contraries(claim, scope))  # control: no "sans" on either side


def test_the_older_direction_still_holds():
    # v4: the claim's "sans" against the source's "ne pas" (the mirror of the case above)
    scope = {1: "Il ne faut pas oublier les zones rurales dans ce plan de transport."}
    assert contraries("Le plan doit couvrir les villes sans oublier les zones rurales [#1].", scope) == []


# Verbs of ending and verbs of removal: "abandonner X" says "supprimer X".

TRANCHES = {1: "Supprimer les tranches de l'impôt sur le revenu, le taux serait calculé pour chacun."}


def test_abandoning_restates_removing():
    claim = "Un participant propose d'abandonner les tranches de l'impôt sur le revenu [#1]."
    assert contraries(claim, TRANCHES) == []


def test_giving_up_restates_getting_rid_of():
    scope = {1: "L'État devrait se dégager des logiciels propriétaires dans les mairies."}
    claim = "Un contributeur voudrait que l'État abandonne les logiciels propriétaires dans les mairies [#1]."
    assert contraries(claim, scope) == []


def test_removing_against_not_removing_is_still_a_contrary():
    scope = {1: "Il ne faut surtout pas supprimer le budget de la culture."}
    assert contraries("Il faut supprimer le budget de la culture [#1].", scope)  # control: "ne … pas"
    s = check_text("Il faut supprimer le budget de la culture [#1].", scope)[0]
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


def test_keeping_against_removing_is_still_a_contrary():
    claim = "Il faut maintenir les tranches de l'impôt sur le revenu [#1]."
    assert any("dit le contraire" in r for r in contraries(claim, TRANCHES))  # control: the antonym


def test_against_stays_a_stance_word():
    scope = {1: "Je suis pour la réforme des retraites, elle est nécessaire."}
    claim = "Une contribution se prononce contre la réforme des retraites [#1]."
    assert contraries(claim, scope)  # "contre la réforme" is still read as a stance


# The count reason agrees in number with the sources that say the claim.

PISTES = {
    1: "Il faut des pistes cyclables sécurisées dans toute la ville.",
    2: "Je veux des pistes cyclables sécurisées pour aller au travail.",
    3: "Le prix des loyers augmente trop vite en centre-ville.",
}


def test_two_cited_contributions_say_it_in_the_plural():
    found = reasons("Trois contributions réclament des pistes cyclables sécurisées [#1, #2, #3].", PISTES)
    assert "count: «\u00a0trois contributions\u00a0»\u00a0: 2 contributions citées le disent" in found


def test_one_cited_contribution_says_it_in_the_singular():
    found = reasons("Deux contributions réclament des pistes cyclables sécurisées [#1, #3].", PISTES)
    assert "count: «\u00a0deux contributions\u00a0»\u00a0: 1 contribution citée le dit" in found


def test_stopping_a_removal_is_still_a_contrary():
    # the ending verb ends the removal itself: "arrêter de supprimer" is "ne plus supprimer"
    scope = {1: "Il faut arrêter de supprimer des liaisons en train dans les campagnes."}
    claim = "Une contribution veut supprimer des liaisons en train dans les campagnes [#1]."
    assert any("supprimer" in r for r in contraries(claim, scope))


def test_a_later_negation_does_not_reach_back_to_the_abandoned_word():
    claim = "Un participant propose d'abandonner les tranches de l'impôt, et qui ne pourrait pas dépasser 40 % [#1]."
    assert not any("tranches" in r for r in contraries(claim, TRANCHES))
    # (read with the whole clause's negating words, "pas" of the relative joined the cues and "tranches" was a
    # contrary; the controls above keep a "ne … pas" before the word and an antonym as contraries)


# A coordinated verb the negation does not reach.

CENTRALES = {
    1: "Il est incohérent de fermer des centrales nucléaires qui ne dégagent aucun CO2 et rouvrir des centrales"
    " thermiques."
}


def test_an_infinitive_coordinated_past_a_finite_negation_is_not_denied():
    claim = (
        "Une contribution juge incohérent de fermer des centrales nucléaires, qui n'émettent pas de CO2, pour rouvrir"
        " des centrales thermiques [#1]."
    )
    assert contraries(claim, CENTRALES) == []


def test_an_infinitive_coordinated_to_a_denied_infinitive_is_still_denied():
    scope = {1: "Il ne faut pas fermer les centrales nucléaires et rouvrir des centrales thermiques."}
    found = contraries("Il faut rouvrir des centrales thermiques [#1].", scope)
    assert any("rouvrir" in r for r in found)  # control: "rouvrir" hangs on the negated "faut" as "fermer" does
    scope = {1: "Il ne faut pas fermer plus de centrales nucléaires et rouvrir des centrales thermiques."}
    found = contraries("Il faut rouvrir des centrales thermiques [#1].", scope)
    assert any("rouvrir" in r for r in found)  # nor does a "plus" between them end the negation


def test_a_finite_verb_coordinated_past_a_negation_is_not_denied():
    scope = {1: "Le B2i ne sert à rien. Un partenariat entre entreprises et écoles serait utile."}
    claim = (
        "Une personne juge que le B2i ne remplit pas son rôle et verrait bien un partenariat entre entreprises [#1]."
    )
    assert contraries(claim, scope) == []
    control = "Il ne faut pas de partenariat entre entreprises et écoles [#1]."
    assert contraries(control, {1: "Il faut un partenariat entre entreprises et écoles."})  # no coordination


# "moins de X" and a verb of decrease of X.

VOITURE = {1: "Il faut diminuer la place de la voiture dans les villes."}


def test_less_room_restates_reducing_the_room():
    assert contraries("Un contributeur veut moins de place pour la voiture dans les villes [#1].", VOITURE) == []


def test_pushing_back_restates_less():
    scope = {1: "Avec ce vote, nous aurions moins d'abstention aux élections."}
    assert contraries("Ce vote ferait reculer l'abstention aux élections [#1].", scope) == []


def test_less_against_increasing_and_reducing_against_not_reducing_are_still_contraries():
    scope = {1: "Il faut augmenter la place de la voiture dans les villes."}
    assert contraries("Un contributeur veut moins de place pour la voiture dans les villes [#1].", scope)
    scope = {1: "Il ne faut pas diminuer la place de la voiture dans les villes."}
    assert contraries("Il faut diminuer la place de la voiture dans les villes [#1].", scope)


def test_a_name_after_the_sentence_s_first_word_is_still_a_name():
    """« Sur Twitter, … »: the capitalised run started the sentence, and the name in it was skipped with it."""
    source = {7: "Sur Facebook, les posts sponsorisés ne devraient pas être intercalés parmi les posts normaux."}
    moved = check_text(
        "Sur Twitter, selon un argument, les posts sponsorisés ne devraient pas être intercalés parmi les posts "
        "normaux [#7].",
        source,
    )[0]
    assert moved.status != "verifiee" and "Twitter" in moved.reason
    kept = check_text(
        "Sur Facebook, selon un argument, les posts sponsorisés ne devraient pas être intercalés parmi les posts "
        "normaux [#7].",
        source,
    )[0]
    assert "Facebook" not in kept.reason, "control: the name the source writes passes the entity rule"
    assert _entities("Pour un participant, il faut.") == [], "control: a sentence's first word alone is no name"
