"""Citation checker v2: each rule with French examples, and a control that passes."""

import pytest

from nlp.citations import STATUS_LABELS, check_text

BUDGET = {1: "Il ne faut surtout pas supprimer le budget de la formation des bénévoles."}


def verdict(text, scope, **kwargs):
    (sentence,) = check_text(text, scope, **kwargs)
    return sentence


def test_the_same_sentence_as_its_source_is_verified():
    s = verdict("Il ne faut surtout pas supprimer le budget de la formation des bénévoles [#1].", BUDGET)
    assert s.status == "verifiee", s.reason
    assert s.reason == "" and s.supporting_ids == (1,)


@pytest.mark.parametrize(
    "claim",
    [
        "Il faut supprimer le budget de la formation des bénévoles [#1].",
        "Un participant demande la suppression du budget de la formation des bénévoles [#1].",
    ],
)
def test_a_sentence_saying_the_opposite_of_its_source_is_refused(claim):
    s = verdict(claim, BUDGET)
    assert s.status == "non_soutenue"
    assert "la contribution n° 1 dit le contraire" in s.reason and "pas supprimer" in s.reason


def test_antonyms_count_as_a_contradiction():
    scope = {4: "Il faut réduire le nombre de certifications inscrites au répertoire."}
    assert verdict("Il faut réduire le nombre de certifications inscrites au répertoire [#4].", scope).is_verified
    s = verdict("Il faut augmenter le nombre de certifications inscrites au répertoire [#4].", scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


@pytest.mark.parametrize(
    "claim, shown",
    [
        ("Le reste à charge de 50 euros sur le CPF a fait chuter les inscriptions [#4].", "50 €"),
        ("Le reste à charge de 20 % sur le CPF a fait chuter les inscriptions [#4].", "20 %"),
    ],
)
def test_a_changed_number_is_refused(claim, shown):
    scope = {4: "Le reste à charge de 20 € sur le CPF a fait chuter les inscriptions de nos publics."}
    s = verdict(claim, scope)
    assert s.status == "non_soutenue"
    assert f"{shown} n'apparaît pas dans la contribution n° 4" in s.reason


@pytest.mark.parametrize("written", ["20 euros", "vingt euros", "20 €"])
def test_numbers_are_normalised(written):
    scope = {4: "Le reste à charge de 20 € sur le CPF a fait chuter les inscriptions de nos publics."}
    claim = f"Le reste à charge de {written} sur le CPF a fait chuter les inscriptions [#4]."
    assert verdict(claim, scope).is_verified
    assert verdict(
        "Un stagiaire sur trois n'a pas d'ordinateur à la maison [#5].",
        {5: "Un tiers des stagiaires n'ont pas d'ordinateur à la maison."},
    ).is_verified


def test_a_changed_actor_or_place_is_refused():
    scope = {9: "Les appels d'offres annuels de la Région obligent à licencier les formateurs à chaque marché."}
    same = "Les appels d'offres annuels de la Région obligent à licencier les formateurs [#9]."
    assert verdict(same, scope).is_verified
    s = verdict("Les appels d'offres annuels de l'État obligent à licencier les formateurs [#9].", scope)
    assert s.status == "non_soutenue" and "« État » n'apparaît pas dans la contribution n° 9" in s.reason
    city = {7: "Nous avons signé un partenariat avec la mission locale de Bergerac pour les jeunes."}
    moved = "Un organisme a signé un partenariat avec la mission locale de Périgueux [#7]."
    assert not verdict(moved, city).is_verified


TWO = {
    1: "Il faut davantage de pistes cyclables sécurisées dans les villes.",
    2: "Des pistes cyclables sérieuses dans ma commune, voilà ce que je demande.",
    3: "Le prix des trains régionaux est trop élevé pour les familles.",
}


def test_quantifiers_are_checked_against_the_supporting_sources():
    assert verdict("Deux participants demandent des pistes cyclables [#1, #2].", TWO).is_verified
    s = verdict("Deux participants demandent des pistes cyclables [#1, #3].", TWO)
    assert s.status == "non_soutenue" and "« deux participants » : 1 contribution citée le dit" in s.reason
    assert 3 in s.bad_ids


def test_majority_needs_a_count_over_the_scope():
    s = verdict("La majorité des contributions demandent des pistes cyclables [#1].", TWO)
    assert s.status == "non_soutenue" and "« la majorite » : 1 contribution citée" in s.reason
    s = verdict("La majorité des contributions demandent des pistes cyclables [#1].", TWO, scope_size=45)
    assert "1 contribution citée sur 45" in s.reason
    assert verdict(
        "La majorité des contributions demandent des pistes cyclables [#1, #2].", TWO, scope_size=3
    ).is_verified
    assert not verdict("Tous les participants demandent des pistes cyclables [#1, #2].", TWO).is_verified


def test_partial_support_is_refused():
    scope = {8: "Dans les villages, nous avons testé un bus de formation itinérant : 40 personnes formées en six mois."}
    assert verdict("Un bus de formation itinérant a formé 40 personnes en six mois [#8].", scope).is_verified
    s = verdict(
        "Un bus de formation itinérant a formé 40 personnes en six mois, et toutes ont trouvé un "
        "emploi dans une usine [#8].",
        scope,
    )
    assert s.status == "non_soutenue"


def test_a_faithful_paraphrase_is_accepted():
    scope = {
        6: "Dans notre centre de Limoges, un tiers des stagiaires n'ont pas d'ordinateur à la maison. "
        "La formation à distance les exclut de fait."
    }
    s = verdict(
        "À Limoges, un stagiaire sur trois n'a pas d'ordinateur chez lui, ce qui l'exclut de fait "
        "de la formation à distance [#6].",
        scope,
    )
    assert s.is_verified, s.reason


def test_same_topic_but_another_idea_is_refused():
    scope = {5: "Qui financera le poste et surtout les formations qui seront périodiques ?"}
    other_idea = "Un participant propose de mutualiser le poste entre plusieurs communes [#5]."
    assert not verdict(other_idea, scope).is_verified


def test_a_bare_link_is_never_verified():
    s = verdict("Voir [#3].", TWO)
    assert s.status == "lien" and not s.is_verified and not s.is_shown_as_fact
    assert s.status in STATUS_LABELS and s.reason


def test_an_unknown_id_is_refused_and_named():
    s = verdict("Deux participants demandent des pistes cyclables [#1, #999].", TWO)
    assert s.status == "hors_perimetre" and s.bad_ids == (999,) and "n° 999" in s.reason
