"""Exact and near-duplicate groups, dismissed pairs, validation."""

import pytest

from nlp.duplicates import REASON_LABELS, find_duplicates

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


def test_reason_labels_are_french():
    assert REASON_LABELS == {"exact": "identique", "near": "quasi-identique", "paraphrase": "reformulation proche"}


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
