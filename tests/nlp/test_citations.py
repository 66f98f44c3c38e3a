"""Citation checker v2: each rule with French examples, and a control that passes."""

import pytest

from nlp.citations import CALIBRATION_REFUSAL, STATUS_LABELS, check_text

BUDGET = {1: "Il ne faut surtout pas supprimer le budget de la formation des bénévoles."}


def verdict(text, scope, **kwargs):
    (sentence,) = check_text(text, scope, **kwargs)
    return sentence


def passes_rules(s):
    """No rule refuses the sentence: it is verified, or only the calibration holds it back (no rule's reason).

    The controls of the rule tests are faithful sentences of our own; since v5 whether such a sentence is
    "vérifiée" is the calibration's decision (tests/nlp/test_citations_calibration.py), the rule's is that it
    does not refuse it."""
    return s.is_verified or s.reason.startswith(CALIBRATION_REFUSAL)


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
    assert passes_rules(verdict(claim, scope))
    assert passes_rules(
        verdict(
            "Un stagiaire sur trois n'a pas d'ordinateur à la maison [#5].",
            {5: "Un tiers des stagiaires n'ont pas d'ordinateur à la maison."},
        )
    )


def test_a_changed_actor_or_place_is_refused():
    scope = {9: "Les appels d'offres annuels de la Région obligent à licencier les formateurs à chaque marché."}
    same = "Les appels d'offres annuels de la Région obligent à licencier les formateurs [#9]."
    assert verdict(same, scope).is_verified
    s = verdict("Les appels d'offres annuels de l'État obligent à licencier les formateurs [#9].", scope)
    assert s.status == "non_soutenue" and "«\u00a0État\u00a0» n'apparaît pas dans la contribution n° 9" in s.reason
    city = {7: "Nous avons signé un partenariat avec la mission locale de Bergerac pour les jeunes."}
    moved = "Un organisme a signé un partenariat avec la mission locale de Périgueux [#7]."
    assert not verdict(moved, city).is_verified


TWO = {
    1: "Il faut davantage de pistes cyclables sécurisées dans les villes.",
    2: "Des pistes cyclables sérieuses dans ma commune, voilà ce que je demande.",
    3: "Le prix des trains régionaux est trop élevé pour les familles.",
}


def test_quantifiers_are_checked_against_the_supporting_sources():
    assert passes_rules(verdict("Deux participants demandent des pistes cyclables [#1, #2].", TWO))
    s = verdict("Deux participants demandent des pistes cyclables [#1, #3].", TWO)
    assert s.status == "non_soutenue"
    assert "«\u00a0deux participants\u00a0»\u00a0: 1 contribution citée le dit" in s.reason
    assert 3 in s.bad_ids


def test_majority_needs_a_count_over_the_scope():
    s = verdict("La majorité des contributions demandent des pistes cyclables [#1].", TWO)
    assert s.status == "non_soutenue" and "«\u00a0la majorite\u00a0»\u00a0: 1 contribution citée" in s.reason
    s = verdict("La majorité des contributions demandent des pistes cyclables [#1].", TWO, scope_size=45)
    assert "1 contribution citée sur 45" in s.reason
    assert passes_rules(
        verdict("La majorité des contributions demandent des pistes cyclables [#1, #2].", TWO, scope_size=3)
    )
    assert not verdict("Tous les participants demandent des pistes cyclables [#1, #2].", TWO).is_verified


def test_partial_support_is_refused():
    scope = {8: "Dans les villages, nous avons testé un bus de formation itinérant : 40 personnes formées en six mois."}
    assert passes_rules(verdict("Un bus de formation itinérant a formé 40 personnes en six mois [#8].", scope))
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
    # No rule refuses it ("un sur trois" = "un tiers", "chez lui" = "à la maison"); since v6 the calibration,
    # refitted on five files, puts this rewording at 0.81, under its threshold (README, "v6": paraphrases).
    assert passes_rules(s), s.reason


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


def test_sans_negates_its_complement_not_the_clause():
    scope = {7: "Les aides régionales devraient aller d'abord aux jeunes sans diplôme."}
    assert verdict("Les aides régionales devraient aller d'abord aux jeunes sans diplôme [#7].", scope).is_verified
    claim = "Une contribution demande que les aides régionales ne favorisent pas les jeunes sans diplôme [#7]."
    s = verdict(claim, scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    # "sans succès" still negates what was tried: the claim that it worked is refused.
    tried = {8: "Nous cherchons un formateur en soudure depuis un an sans succès."}
    assert passes_rules(verdict("Un organisme cherche un formateur en soudure depuis un an, sans succès [#8].", tried))
    assert not verdict("Un organisme a trouvé un formateur en soudure en un an [#8].", tried).is_verified


def test_each_counted_source_must_say_the_claim_not_only_name_the_same_actor():
    scope = {
        1: "Le CPF ne couvre pas les frais de transport des stagiaires ruraux.",
        2: "Le CPF a permis à nos salariés de choisir leur formation en bureautique.",
        3: "Les frais de transport des stagiaires ruraux ne sont pas couverts par le CPF, ils renoncent.",
    }
    s = verdict("Deux contributions regrettent que le CPF ne couvre pas les frais de transport [#1, #2].", scope)
    assert s.status == "non_soutenue"
    assert "«\u00a0deux contributions\u00a0»\u00a0: 1 contribution citée le dit" in s.reason
    both = "Deux contributions regrettent que le CPF ne couvre pas les frais de transport [#1, #3]."
    assert verdict(both, scope).is_verified


def test_all_the_participants_needs_a_count_over_the_scope_even_when_a_source_says_chacun():
    scope = {
        1: "Chacun devrait recevoir chaque année le détail des dépenses de formation de sa commune.",
        2: "Publier le détail des dépenses de formation de la commune, chaque année.",
    }
    claim = "Tous les participants demandent le détail des dépenses de formation de la commune [#1, #2]."
    s = verdict(claim, scope)
    assert s.status == "non_soutenue" and "«\u00a0tous\u00a0»" in s.reason
    assert verdict(claim, scope, scope_size=2).is_verified  # control: both contributions of a scope of two


def test_actors_exchanged_around_the_same_verb_are_refused_but_a_passive_is_not():
    scope = {5: "Les branches fixent les niveaux de prise en charge sans consulter les organismes de formation."}
    s = verdict("Les organismes fixent les niveaux de prise en charge sans consulter les branches [#5].", scope)
    assert s.status == "non_soutenue" and "dit l'inverse" in s.reason
    faithful = "Les niveaux de prise en charge sont fixés par les branches sans consulter les organismes [#5]."
    assert passes_rules(verdict(faithful, scope)), verdict(faithful, scope).reason


def test_a_percentage_or_a_count_copied_from_its_source_is_not_a_count_of_sources():
    scope = {
        6: "80 % des apprentis de notre CFA trouvent un emploi dans les six mois.",
        9: "Trois apprentis ont abandonné.",
    }
    assert passes_rules(verdict("80 % des apprentis du CFA trouvent un emploi dans les six mois [#6].", scope))
    assert passes_rules(verdict("Trois apprentis ont abandonné [#9].", scope))
    s = verdict("90 % des apprentis du CFA trouvent un emploi dans les six mois [#6].", scope)
    assert s.reason == "90 % n'apparaît pas dans la contribution n° 6"


_PROBE = {
    1: "Les stagiaires sans voiture ne peuvent pas venir au centre, faute de transport en commun.",
    2: "La Région finance les formations qualifiantes, mais les OPCO refusent de prendre en charge les frais annexes.",
    3: "Nos formateurs vacataires sont payés à l'heure, sans rémunération du temps de préparation.",
    4: "Les employeurs choisissent les formations sans consulter les salariés. Ils veulent des résultats.",
}


@pytest.mark.parametrize(
    "claim, verified",
    [
        ("Les stagiaires sans voiture ne peuvent pas venir au centre [#1].", True),
        ("Les stagiaires sans voiture peuvent venir au centre [#1].", False),
        ("Le temps de préparation des formateurs vacataires n'est pas rémunéré [#3].", True),
        ("Le temps de préparation des formateurs vacataires est rémunéré [#3].", False),
        ("Les OPCO refusent de prendre en charge les frais annexes [#2].", True),
        ("La Région finance les formations qualifiantes [#2].", True),
        ("La Région refuse de prendre en charge les frais annexes [#2].", False),
        ("Les salariés veulent être consultés sur le choix des formations [#4].", True),
        ("Les salariés choisissent les formations sans consulter les employeurs [#4].", False),
    ],
)
def test_who_does_what_and_local_negations_on_new_sentences(claim, verified):
    s = verdict(claim, _PROBE)
    assert passes_rules(s) is verified, s.reason


# Second version: scope of negation, durations, judgements, rewordings (French sentences of our own).


def test_a_subject_negator_personne_ne_negates_its_clause():
    scope = {1: "Dans notre réseau, personne ne consulte les formateurs sur le contenu des modules."}
    s = verdict("Les formateurs sont consultés sur le contenu des modules [#1].", scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    assert verdict("Personne ne consulte les formateurs sur le contenu des modules [#1].", scope).is_verified


def test_a_rhetorical_negative_question_proposes_what_it_names():
    asked = {2: "Pourquoi ne pas ouvrir le centre de formation le samedi matin ?"}
    assert passes_rules(
        verdict("Une contribution propose d'ouvrir le centre de formation le samedi matin [#2].", asked)
    )
    refused = {3: "Il ne faut pas ouvrir le centre de formation le samedi matin."}  # control: a real negation
    s = verdict("Une contribution propose d'ouvrir le centre de formation le samedi matin [#3].", refused)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


def test_non_before_an_adjective_is_local_and_does_not_cancel_the_clause_negation():
    scope = {4: "Les formations non certifiantes ne sont pas financées par la Région."}
    s = verdict("La Région finance les formations non certifiantes [#4].", scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    assert passes_rules(verdict("La Région ne finance pas les formations non certifiantes [#4].", scope))


def test_a_circumstance_after_a_negated_verb_and_a_preference_keep_their_own_polarity():
    scope = {
        5: "La plateforme en ligne n'a pas convaincu dans nos formations de soudure : "
        "les stagiaires préfèrent l'atelier."
    }
    faithful = "Dans les formations de soudure, les stagiaires préfèrent l'atelier à la plateforme en ligne [#5]."
    assert passes_rules(verdict(faithful, scope)), verdict(faithful, scope).reason
    inverted = "Dans les formations de soudure, les stagiaires préfèrent la plateforme en ligne à l'atelier [#5]."
    assert not verdict(inverted, scope).is_verified


def test_a_comparison_sets_its_second_term_aside():
    scope = {6: "Il serait plus utile de financer des tuteurs que d'acheter des tablettes."}
    faithful = "Une contribution juge plus utile de financer des tuteurs que d'acheter des tablettes [#6]."
    assert passes_rules(verdict(faithful, scope))
    s = verdict("Une contribution juge plus utile d'acheter des tablettes que de financer des tuteurs [#6].", scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


def test_durations_must_be_those_of_the_source():
    scope = {7: "Le stage en entreprise dure trois semaines et l'accueil est ouvert 10h par jour."}
    assert verdict("Le stage en entreprise dure trois semaines [#7].", scope).is_verified
    s = verdict("Le stage en entreprise dure trois mois [#7].", scope)
    assert s.status == "non_soutenue" and "trois mois n'apparaît pas" in s.reason
    assert passes_rules(verdict("L'accueil est ouvert 10 heures par jour [#7].", scope))
    longer = {8: "Il faudrait une journée de formation de plus par an pour les tuteurs."}
    assert not verdict("Il faudrait une semaine de formation de plus par an pour les tuteurs [#8].", longer).is_verified


def test_a_judgement_is_content_bon_is_the_opposite_of_absurde():
    scope = {9: "Supprimer les examens écrits en fin de module est une idée absurde."}
    claim = "Une contribution juge que supprimer les examens écrits en fin de module est une bonne idée [#9]."
    s = verdict(claim, scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    faithful = "Une contribution juge absurde de supprimer les examens écrits en fin de module [#9]."
    assert passes_rules(verdict(faithful, scope))


def test_the_refusal_quotes_the_source_as_written_when_folding_changes_its_length():
    scope = {10: "Le cœur du problème : les œuvres de formation ne sont pas financées par l'État."}
    s = verdict("Les œuvres de formation sont financées par l'État [#10].", scope)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    quoted = s.reason.split("«\u00a0")[1].split("\u00a0»")[0]
    assert quoted.split()[0] in ("ne", "pas", "sont", "financees", "formation", "oeuvres", "de"), quoted


def test_a_noun_of_lack_negates_its_complement_not_the_rest_of_the_clause():
    scope = {11: "Pour les adultes qui ont des difficultés à compter, nous proposons des ateliers le samedi."}
    faithful = "Une contribution propose des ateliers le samedi aux adultes qui ont des difficultés à compter [#11]."
    assert passes_rules(verdict(faithful, scope)), verdict(faithful, scope).reason
    s = verdict("Une contribution ne propose pas d'ateliers le samedi [#11].", scope)  # control
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


def test_an_aim_restates_a_lack_but_a_prohibition_is_no_lack():
    lack = {12: "Les familles ne connaissent pas les métiers de la logistique."}
    aim = "Une contribution cherche à faire connaître les métiers de la logistique aux familles [#12]."
    assert passes_rules(verdict(aim, lack)), verdict(aim, lack).reason
    prohibition = {13: "Le numérique ne doit pas être un module à part dans les formations."}
    s = verdict("Le numérique devrait être un module à part dans les formations [#13].", prohibition)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason


def test_a_ratio_written_across_words_and_its_numbers():
    scope = {14: "Dans notre centre, trois inscrites sur cinquante sont des femmes. Un formateur sur quatre part."}
    assert passes_rules(verdict("Dans un centre, trois femmes sont inscrites sur cinquante [#14].", scope))
    assert passes_rules(verdict("Dans un centre, un formateur sur quatre part [#14].", scope))
    s = verdict("Dans un centre, quatre femmes sont inscrites sur cinquante [#14].", scope)
    assert s.status == "non_soutenue" and "quatre" in s.reason
    halved = {15: "Le tutorat a réduit de moitié les abandons."}
    assert passes_rules(verdict("Avec le tutorat, il y a deux fois moins d'abandons [#15].", halved))
    assert not verdict("Avec le tutorat, il y a trois fois moins d'abandons [#15].", halved).is_verified


def test_a_policy_action_must_be_said_exonerer_and_a_coordinated_part_must_be_supported():
    scope = {16: "Il faut rétablir une aide au permis de conduire, calculée selon les revenus."}
    assert passes_rules(
        verdict(
            "Une contribution veut rétablir une aide au permis de conduire calculée selon les revenus [#16].", scope
        )
    )
    s = verdict(
        "Une contribution veut rétablir une aide au permis de conduire et en exonérer les apprentis [#16].", scope
    )
    assert s.status == "non_soutenue" and "exonerer" in s.reason
    s = verdict(
        "Une contribution veut rétablir une aide au permis de conduire et que celle-ci soit gratuite [#16].", scope
    )
    assert s.status == "non_soutenue" and "gratuite" in s.reason


def test_a_neutral_reporting_verb_is_not_content():
    scope = {17: "Les stagiaires sans voiture ne peuvent pas venir au centre de formation."}
    assert passes_rules(
        verdict("Une contribution montre que les stagiaires sans voiture ne peuvent pas venir au centre [#17].", scope)
    )


def test_on_ne_peut_pas_judges_and_a_merger_must_be_said():
    judged = {18: "On ne peut pas créer un diplôme pour une dizaine de candidats par an."}
    s = verdict("Une contribution demande de créer un diplôme pour une dizaine de candidats par an [#18].", judged)
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason
    lack = {
        19: "Les stagiaires ne peuvent pas venir le samedi, faute de transport."
    }  # control: a lack, not a judgement
    assert passes_rules(verdict("Les stagiaires veulent pouvoir venir le samedi [#19].", lack))
    shared = {20: "Notre organisme partage avec deux lycées un atelier de mécanique."}
    s = verdict("Un organisme propose de regrouper deux lycées et son atelier de mécanique [#20].", shared)
    assert s.status == "non_soutenue" and "regrouper" in s.reason
    assert verdict("Un organisme partage avec deux lycées un atelier de mécanique [#20].", shared).is_verified


def test_prefer_an_infinitive_sets_nothing_aside():
    scope = {21: "Je préfère aller au centre de formation à vélo."}
    assert passes_rules(verdict("Un participant va au centre de formation à vélo [#21].", scope))
    s = verdict(
        "Un participant préfère le vélo au centre de formation [#22].",
        {22: "Je préfère le centre de formation au vélo."},
    )
    assert s.status == "non_soutenue" and "dit le contraire" in s.reason  # control: two noun phrases


def test_que_after_plus_opens_a_compared_term_only_before_de():
    scope = {23: "Il est plus important que les formateurs soient payés pour la préparation."}
    assert passes_rules(verdict("Les formateurs doivent être payés pour la préparation [#23].", scope))


class TestPlacedCitations:
    """A citation inside a sentence vouches for the words just before it."""

    SOURCES = {
        1: "Il faudrait vraiment former les formateurs au numérique avant tout.",
        2: "Les transports pour aller en formation coûtent trop cher aux stagiaires en zone rurale.",
    }
    FIRST, SECOND = "Il faut former les formateurs au numérique", "aider les stagiaires ruraux à payer leurs transports"

    def test_each_part_cited_by_its_own_source_is_verified(self):
        [sentence] = check_text(f"{self.FIRST} [#1] et {self.SECOND} [#2].", self.SOURCES)
        assert sentence.status == "verifiee", sentence.reason

    def test_swapped_citations_are_refused_and_named(self):
        [sentence] = check_text(f"{self.FIRST} [#2] et {self.SECOND} [#1].", self.SOURCES)
        assert sentence.status == "non_soutenue"
        quoted = "«\u00a0Il faut former les formateurs au numérique\u00a0»"
        assert f"la contribution n° 2 ne dit pas {quoted}" in sentence.reason
        # control: the same citations at the end of the sentence vouch for the whole of it together
        [together] = check_text(f"{self.FIRST} et {self.SECOND} [#2, #1].", self.SOURCES)
        assert together.status == "verifiee", together.reason

    def test_a_refusal_names_the_sources_in_good_french(self):
        [sentence] = check_text("Il faut baisser la TVA sur les livres [#1, #2].", self.SOURCES)
        assert "des contributions n° 1 et 2" in sentence.reason and "de les" not in sentence.reason
