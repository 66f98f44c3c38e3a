"""Opposite stances: negation that carries the proposal, antonym axes; descriptions do not count."""

import pytest

from nlp.stance import opposite_stance, stance


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Généraliser la formation à distance.", "Ne pas généraliser la formation à distance."),
        ("Généraliser la formation à distance en zone rurale.", "Limiter le distanciel, qui exclut les publics fragiles."),
        ("Supprimer le reste à charge sur le CPF.", "Maintenir le reste à charge sur le CPF."),
        ("Augmenter le budget des OPCO.", "Réduire le budget des OPCO."),
        ("Rendre la formation des tuteurs obligatoire.", "La formation des tuteurs doit rester facultative."),
        ("Simplifier l'audit Qualiopi pour les petites structures.", "Surtout ne pas alléger Qualiopi."),
        ("Supprimer le CPF.", "Je suis contre la suppression du CPF."),
        ("Développer l'AFEST dans les TPE.", "L'AFEST est une fausse bonne idée pour les TPE."),
        ("Intégrer un module écologie partout.", "Il ne faut pas intégrer un module écologie partout."),
        ("Les financeurs doivent payer la conception.", "Ce n'est pas aux financeurs de payer la conception."),
        ("Évaluer les organismes sur l'insertion à six mois.", "Arrêter de juger les organismes sur l'insertion à six mois."),
    ],
)
def test_opposite_positions_are_detected_both_ways(a, b):
    assert opposite_stance(a, b) and opposite_stance(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Généraliser le distanciel.", "Étendre la formation à distance partout."),
        ("Financer la préparation, pas seulement le face-à-face.", "Payer le temps de préparation des formateurs."),
        ("Les conseillers ne connaissent pas l'offre de formation.", "Créer une cartographie partagée de l'offre."),
        ("Passer aux entrées permanentes pour ne plus faire attendre.", "Ouvrir des entrées et sorties permanentes."),
        ("Il ne faut pas supprimer le CPF.", "Maintenir le CPF."),
        ("Réduire le reste à charge.", "Baisser la participation forfaitaire."),
        ("Ne financer que les formations certifiantes.", "Financer les formations certifiantes."),
    ],
)
def test_same_positions_and_descriptions_are_not_opposite(a, b):
    assert not opposite_stance(a, b) and not opposite_stance(b, a)


def test_a_negation_flips_the_cue_it_governs_and_is_not_counted_twice():
    assert stance("Surtout ne pas alléger Qualiopi.") == stance("Durcir Qualiopi.")
    assert stance("Il ne faut pas supprimer le CPF.").negated is False
    assert stance("").negated is False and stance("").axes == ()
