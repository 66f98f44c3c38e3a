"""Similar-contribution index: ranking, filters, incremental add, refit."""

import pytest

from nlp.similar import SimilarIndex

TEXTS = ["pistes cyclables sécurisées en ville", "baisser la TVA sur l'alimentation", "plus de trains de nuit", "des pistes cyclables le long des routes"]


@pytest.fixture
def index():
    return SimilarIndex().fit([1, 2, 3, 4], TEXTS)


def test_query_returns_best_first_above_min_score(index):
    found = index.query("des pistes cyclables partout", k=5, min_score=0.1)
    assert [i for i, _ in found][:2] in ([1, 4], [4, 1]) and 2 not in dict(found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_top_k_exclude_and_restrict(index):
    assert len(index.query("pistes cyclables", k=1)) == 1
    assert 1 not in dict(index.query("pistes cyclables", exclude_ids=[1]))
    assert [i for i, _ in index.query("pistes cyclables", restrict_ids=[4, 2])] == [4]


def test_added_texts_are_found_without_refit(index):
    index.add([5], ["trains de nuit vers l'Italie"])
    assert 5 in dict(index.query("trains de nuit"))
    assert index.n_indexed_ == 5


def test_refit_learns_new_words(index):
    index.add([5], ["covoiturage rural"])
    assert index.query("covoiturage") == []
    assert [i for i, _ in index.refit().query("covoiturage")] == [5]


def test_empty_or_stop_word_query_finds_nothing(index):
    assert index.query("") == [] and index.query("le la les 😀") == []


def test_misuse_is_refused(index):
    with pytest.raises(ValueError, match="already indexed"):
        index.add([1], ["doublon"])
    with pytest.raises(ValueError, match="k must be"):
        index.query("vélo", k=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        SimilarIndex().query("vélo")
