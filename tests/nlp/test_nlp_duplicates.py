"""Duplicate tiers (exact, near, reworded copy, same idea), stance veto, dismissed pairs, validation."""

import numpy as np
import pytest

from nlp.duplicates import REASON_LABELS, find_duplicates
from nlp.embeddings import embed, to_bytes
from nlp.perturb import perturb_hard

LONG = (
    "Il faudrait rendre les transports en commun gratuits dans les petites villes pour que les "
    "habitants laissent leur voiture au garage et que la pollution baisse enfin."
)


def test_identical_texts_modulo_case_accents_and_punctuation_are_exact():
    groups = find_duplicates([1, 2, 3], ["Santé, Éducation !", "SANTE education", "Baisser la TVA"])
    assert [(g.ids, g.reason, g.label, g.score) for g in groups] == [((1, 2), "exact", "identique", 1.0)]


def test_typos_make_a_near_duplicate():
    typo = LONG.replace("transports", "tranports").replace("pollution", "polution")
    groups = find_duplicates([1, 2], [LONG, typo])
    assert [(g.ids, g.reason, g.label) for g in groups] == [((1, 2), "near", "quasi-identique")]


def test_reordered_sentences_are_a_paraphrase():
    first = "Il faut taxer le kérosène des avions. Les trains de nuit doivent revenir partout en France."
    second = "Les trains de nuit doivent revenir partout en France. Il faut taxer le kérosène des avions."
    groups = find_duplicates([1, 2], [first, second])
    assert [(g.ids, g.reason, g.label) for g in groups] == [((1, 2), "paraphrase", "reformulation proche")]


def test_different_texts_on_the_same_topic_are_not_duplicates():
    texts = [LONG, "La gratuité des bus coûte cher aux communes et ne fait pas baisser la pollution en ville."]
    assert find_duplicates([1, 2], texts) == []


def test_short_texts_only_match_exactly():
    assert find_duplicates([1, 2], ["impôt sur le revenu", "impôts sur les revenus"]) == []


def test_group_reports_the_themes_it_spans():
    groups = find_duplicates([1, 2, 3], ["Hors sujet ?", "hors sujet", "Autre"], themes=["A", "B", "A"])
    assert groups[0].themes == ("A", "B") and groups[0].spans_themes


def test_dismissed_pair_is_never_proposed_again_even_through_a_third_text():
    groups = find_duplicates([1, 2, 3], ["Hors sujet", "hors sujet !", "HORS SUJET"], ignore_pairs=[(1, 3)])
    assert all(not {1, 3} <= set(g.ids) for g in groups)
    assert sum(len(g.ids) for g in groups) == 2


def test_empty_and_emoji_only_texts_are_not_duplicates():
    assert find_duplicates([1, 2, 3], ["", "😀", "😀"]) == []


def test_representative_is_the_first_in_input_order():
    groups = find_duplicates([7, 3, 9], ["Autre chose", "Même texte", "même texte"])
    assert groups[0].representative == 3 and groups[0].ids == (3, 9)


TRAINING = (
    "Il faudrait que les organismes de formation puissent proposer des parcours courts aux salariés des "
    "petites entreprises, avec un financement simple, un accompagnement par un conseiller et une "
    "certification reconnue partout en France"
)


def _drifting_copies() -> list[str]:
    """Five texts, each a reworded copy of the one before (four more words replaced each time):
    neighbours are copies, the ends of the chain share a third of their words."""
    words = TRAINING.split()
    replacements = [
        (1, "fallait"), (3, "centres"), (5, "apprentissage"), (7, "bâtir"), (9, "modules"), (11, "ouvriers"),
        (13, "grandes"), (15, "artisans"), (17, "budget"), (19, "rapide"), (21, "direct"), (23, "suivi"),
        (26, "référent"), (29, "diplôme"), (30, "valable"), (31, "ailleurs"),
    ]  # fmt: skip
    texts = []
    for step in range(0, 17, 4):
        for position, word in replacements[step - 4 : step] if step else []:
            words[position] = word
        texts.append(" ".join(words))
    return texts


def test_groups_do_not_chain_copies_of_copies():
    """A campaign's composites (A~B, B~C…) once chained texts that share nothing into one group; now
    each member is a copy of the group's representative."""
    texts = _drifting_copies()
    ids = list(range(len(texts)))
    # Control: each text is a copy of the next, so merging every verified pair would group all five.
    assert all(len(find_duplicates([i, i + 1], texts[i : i + 2], semantic=False)) == 1 for i in ids[:-1])
    assert find_duplicates([0, 4], [texts[0], texts[4]], semantic=False) == []
    groups = find_duplicates(ids, texts, semantic=False)
    assert groups and all(len(g.ids) < len(texts) for g in groups)
    for group in groups:
        for member in group.ids[1:]:
            pair = [texts[group.representative], texts[member]]
            assert len(find_duplicates([group.representative, member], pair, semantic=False)) == 1, group


def test_reason_labels_are_french():
    assert REASON_LABELS == {
        "exact": "identique",
        "near": "quasi-identique",
        "paraphrase": "reformulation proche",
        "semantic": "même idée, formulée autrement ? (à vérifier)",
    }


PREPARATION = (
    "Les financeurs devraient payer le temps de préparation des formateurs, "
    "pas seulement les heures passées devant le groupe."
)
REWORDED = (
    "Les formateurs vacataires sont payés à l'heure de face-à-face ; "
    "le temps passé à concevoir les supports n'est pas financé."
)
OPPOSED = (
    "Le temps de conception doit rester à la charge de l'organisme : "
    "ce n'est pas aux financeurs de payer la préparation des formateurs."
)
OTHERS = [
    "Baisser la TVA sur les produits de première nécessité pour redonner du pouvoir d'achat aux ménages modestes.",
    "Développer les pistes cyclables sécurisées entre les villages pour que les enfants puissent aller à l'école à vélo.",
    "Créer une plateforme régionale qui recense toutes les offres de formation avec les places disponibles et les dates.",
    "Mieux former les tuteurs en entreprise pour accompagner les apprentis pendant leurs premiers mois.",
]


def test_a_reworded_duplicate_is_proposed_in_the_meaning_tier_only():
    texts = [PREPARATION, *OTHERS, REWORDED]
    groups = find_duplicates(range(len(texts)), texts)
    assert [(g.ids, g.reason, g.label) for g in groups] == [
        ((0, 5), "semantic", "même idée, formulée autrement ? (à vérifier)")
    ]
    assert find_duplicates(range(len(texts)), texts, semantic=False) == []  # control: no shared wording


def test_opposite_stances_are_never_grouped_even_when_closest_in_meaning():
    texts = [PREPARATION, *OTHERS, OPPOSED, REWORDED]
    grouped = {frozenset(g.ids) for g in find_duplicates(range(len(texts)), texts)}
    assert not any(5 in ids for ids in grouped)
    assert frozenset({0, 6}) in grouped  # control: the agreeing rewording still is


def test_a_negated_copy_is_not_a_near_duplicate():
    negated = LONG.replace("Il faudrait rendre", "Il ne faudrait pas rendre")
    assert find_duplicates([1, 2], [LONG, negated]) == []
    assert len(find_duplicates([1, 2], [LONG, LONG.replace("Il faudrait", "Il faut")])) == 1  # control


def test_a_truncated_copy_is_found():
    text = LONG + " Les communes rurales devraient être aidées par la région pour financer ces lignes de bus."
    words = text.split()
    truncated = " ".join(words[: int(len(words) * 0.62)])
    groups = find_duplicates([1, 2, 3], [text, truncated, OTHERS[0]])
    assert [(g.ids, g.reason) for g in groups] == [((1, 2), "paraphrase")]


def test_hard_protocol_copies_are_found():
    text = LONG + " Les communes rurales devraient être aidées par la région pour financer ces lignes de bus."
    rng = np.random.default_rng(4)
    copies = [
        perturb_hard(perturb_hard(text, a, rng), b, rng)
        for a, b in (("typos", "word_edits"), ("reorder", "affix"), ("truncate", "typos"))
    ]
    groups = find_duplicates(range(5), [text, *copies, OTHERS[1]], semantic=False)
    assert [g.ids for g in groups] == [(0, 1, 2, 3)]


def test_meaning_links_never_make_large_groups():
    # Six different texts given one and the same vector: every pair looks like the same idea.
    texts = [
        *OTHERS,
        PREPARATION,
        "Ouvrir les bibliothèques le dimanche pour les étudiants et les familles du quartier.",
    ]
    same = np.tile(np.eye(1, 512, dtype=np.float32), (6, 1))
    found = find_duplicates(range(6), texts, vectors=same, semantic_neighbours=5, semantic_margin=0.0)
    capped = [g for g in found if g.reason == "semantic"]
    assert capped and all(len(g.ids) <= 4 for g in capped)
    uncapped = find_duplicates(
        range(6), texts, vectors=same, semantic_neighbours=5, semantic_margin=0.0, max_semantic_group=6
    )
    assert max(len(g.ids) for g in uncapped) > 4  # control: the cap is what stops the flood


def test_stored_vectors_are_used_as_given():
    texts = [PREPARATION, *OTHERS, REWORDED]
    stored = [to_bytes(v) for v in embed(texts)]
    assert find_duplicates(range(6), texts, vectors=stored) == find_duplicates(range(6), texts)
    # Vectors that say "all different" win over the encoder: the meaning tier reads what it is given.
    orthogonal = np.eye(6, 512, dtype=np.float32)
    assert find_duplicates(range(6), texts, vectors=orthogonal) == []
    with pytest.raises(ValueError, match="one row per text"):
        find_duplicates(range(6), texts, vectors=stored[:2])


@pytest.mark.parametrize(
    ("ids", "texts", "message"),
    [
        ([1, 2], ["a"], "same length"),
        ([1, 1], ["a", "b"], "unique"),
        ([None], ["a"], "must not contain None"),
        ([1], [None], "must be strings"),
        ([[1]], ["a"], "hashable"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(ids, texts, message):
    with pytest.raises(ValueError, match=message):
        find_duplicates(ids, texts)


def test_malformed_ignore_pair_is_refused():
    with pytest.raises(ValueError, match="ignore_pairs"):
        find_duplicates([1, 2], ["a b", "a b"], ignore_pairs=[(1,)])


SHARED_OPENING = (
    "Les organismes de formation attendent depuis des mois le paiement des sessions déjà réalisées. "
    "Les petites structures ne peuvent plus avancer les salaires des formateurs indépendants."
)


def test_texts_sharing_pasted_sentences_but_each_adding_its_own_are_not_grouped():
    # A copy-paste campaign: the same two sentences, then each author's own idea. Token-set scores
    # rate such pairs above 90; chained, they used to make whole campaigns one group.
    first = SHARED_OPENING + " Il faut un acompte versé par la région dès l'inscription des stagiaires."
    second = SHARED_OPENING + " Les OPCO devraient publier leurs délais de paiement chaque trimestre."
    assert find_duplicates([1, 2], [first, second], semantic=False) == []
    truncated = " ".join(first.split()[:-3])  # control: a cut copy of one of them is its duplicate
    groups = find_duplicates([1, 2, 3], [first, second, truncated], semantic=False)
    assert [(g.ids, g.reason) for g in groups] == [((1, 3), "paraphrase")]


def test_short_texts_differing_in_their_last_words_are_not_a_reworded_copy():
    texts = ["Ce n'est pas le rôle de la loi.", "Ce n'est pas le rôle de l'État.", "Ce n'est pas le rôle de la loi !"]
    assert [g.ids for g in find_duplicates([1, 2, 3], texts, semantic=False)] == [(1, 3)]


def test_a_prefixed_truncated_copy_with_a_typo_is_found():
    text = SHARED_OPENING + " Il faut un acompte versé par la région dès l'inscription des stagiaires."
    words = text.replace("paiement", "paiemnet").split()
    copy = "Je propose que " + " ".join(words[: int(len(words) * 0.75)])
    groups = find_duplicates([1, 2, 3], [text, copy, OTHERS[2]], semantic=False)
    assert [(g.ids, g.reason) for g in groups] == [((1, 2), "paraphrase")]


def test_a_typo_inside_a_negation_of_a_long_copy_does_not_veto_it():
    # "n'est pas" typed "n'estpas": the words differ by a negation, but the two texts still take
    # the same position, so the copy is kept (only a change of position vetoes a copy).
    text = LONG + " Le réseau actuel n'est pas adapté aux horaires des salariés qui travaillent tôt le matin."
    typo = text.replace("n'est pas", "n'estpas").replace("habitants", "habitnats")
    assert [g.ids for g in find_duplicates([1, 2], [text, typo], semantic=False)] == [(1, 2)]
    negated = text.replace("Il faudrait rendre", "Il ne faudrait pas rendre")
    assert find_duplicates([1, 2], [text, negated], semantic=False) == []  # control: a real change of position


def test_a_meaning_pair_must_stand_out_from_a_dense_neighbourhood():
    # The same close pair (0, 5), once among unrelated texts and once among texts all nearly as
    # close: a global cosine threshold would propose it in both; in a dense corpus it is not.
    texts = [PREPARATION, *OTHERS, REWORDED]
    basis = np.eye(6, 512, dtype=np.float32)
    pair = [basis[0], basis[0] + 0.25 * basis[1]]
    sparse = np.vstack([pair[0], *basis[2:6], pair[1]])
    dense = np.vstack([pair[0], *(basis[0] + 0.45 * basis[m] for m in range(2, 6)), pair[1]])
    assert [(g.ids, g.reason) for g in find_duplicates(range(6), texts, vectors=sparse)] == [((0, 5), "semantic")]
    assert find_duplicates(range(6), texts, vectors=dense) == []
    loose = find_duplicates(range(6), texts, vectors=dense, semantic_margin=0.0)
    assert any(set(g.ids) == {0, 5} for g in loose)  # control: the margin is what keeps it out


def test_stored_vectors_give_the_same_groups_in_every_form_they_come_in():
    # The meaning tier reads the distinct texts' rows from the caller's array (no float32 copy of a
    # million rows): float16 as stored, float32 as loaded, or one ``bytes`` per text, on real texts.
    from nlp.evaluate import load_dataset
    from tests.conftest import shared_data

    texts = load_dataset(shared_data("dev_grand_debat.csv"), sample=600).texts
    texts += texts[:40]  # exact copies: their rows are left out of the meaning tier
    vectors = embed(texts)
    reference = find_duplicates(range(len(texts)), texts, vectors=vectors)
    assert any(g.reason == "semantic" for g in reference) and any(g.reason == "exact" for g in reference)
    assert find_duplicates(range(len(texts)), texts, vectors=vectors.astype(np.float16)) == reference
    assert find_duplicates(range(len(texts)), texts, vectors=[to_bytes(v) for v in vectors]) == reference
    assert find_duplicates(range(len(texts)), texts) == reference  # the encoder's own vectors, as stored
    shuffled = vectors[np.random.default_rng(0).permutation(len(texts))]
    assert find_duplicates(range(len(texts)), texts, vectors=shuffled) != reference  # control: rows matter
