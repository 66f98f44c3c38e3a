"""Similar-contribution index: hybrid ranking, filters, incremental add, refit, stored vectors."""

import numpy as np
import pytest

from nlp.embeddings import embed, to_bytes
from nlp.similar import SimilarIndex

TEXTS = [
    "pistes cyclables sécurisées en ville",
    "baisser la TVA sur l'alimentation",
    "plus de trains de nuit",
    "des pistes cyclables le long des routes",
]


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


def test_refit_learns_new_words():
    lexical = SimilarIndex(semantic=False).fit([1, 2, 3, 4], TEXTS)
    lexical.add([5], ["covoiturage rural"])
    assert lexical.query("covoiturage") == []
    assert [i for i, _ in lexical.refit().query("covoiturage")] == [5]


def test_meaning_finds_added_texts_before_any_refit(index):
    index.add([5], ["covoiturage rural"])
    assert [i for i, _ in index.query("covoiturage")][:1] == [5]


PARTNER = "Le temps passé à préparer les cours n'est pas payé aux formateurs."
DISTRACTORS = [
    "Les formateurs doivent être formés à l'accueil des personnes en situation de handicap.",
    "Le temps de trajet des stagiaires en zone rurale devrait être pris en charge.",
    "Payer les stagiaires pendant la formation pour éviter les abandons.",
    "Les heures de formation en entreprise doivent être mieux encadrées par un tuteur.",
    "Former les formateurs au numérique avant de généraliser la formation à distance.",
    "Le face-à-face pédagogique reste indispensable pour les publics fragiles.",
]
TYPED = "Rémunérer la conception des séances par les enseignants."  # no word in common with PARTNER


def test_a_reworded_partner_is_ranked_in_the_top_three_by_meaning():
    ids = list(range(len(DISTRACTORS) + 1))
    texts = [*DISTRACTORS, PARTNER]
    hybrid = [i for i, _ in SimilarIndex().fit(ids, texts).query(TYPED, k=3, min_score=0.0)]
    lexical = [i for i, _ in SimilarIndex(semantic=False).fit(ids, texts).query(TYPED, k=3, min_score=0.0)]
    assert hybrid[0] == 6
    assert 6 not in lexical  # control: the words alone cannot find it


def test_stored_vectors_are_accepted_at_fit_add_and_query():
    ids = list(range(len(DISTRACTORS)))
    vectors = embed(DISTRACTORS)
    index = SimilarIndex().fit(ids, DISTRACTORS, vectors=[to_bytes(v) for v in vectors])
    assert index.query(TYPED, k=3) == SimilarIndex().fit(ids, DISTRACTORS).query(TYPED, k=3)
    index.add([99], [PARTNER], vectors=embed([PARTNER]))
    assert 99 in dict(index.query(TYPED, k=3, vector=embed([TYPED])[0], min_score=0.0))
    assert index.refit().n_indexed_ == len(DISTRACTORS) + 1
    with pytest.raises(ValueError, match="one row per text"):
        SimilarIndex().fit([1, 2], ["a b c", "d e f"], vectors=np.zeros((1, 512)))


def test_many_added_rows_grow_the_matrix():
    index = SimilarIndex().fit([0], ["premier texte sur les formateurs"], vectors=np.eye(1, 512))
    for n in range(1, 40):
        index.add([n], [f"texte {n} sur les formateurs"], vectors=np.eye(1, 512, n))
    assert index.n_indexed_ == 40 and len(index.query("formateurs", k=50, min_score=0.0)) == 40


def test_empty_or_stop_word_query_finds_nothing(index):
    assert index.query("") == [] and index.query("le la les 😀") == []


def test_misuse_is_refused(index):
    with pytest.raises(ValueError, match="already indexed"):
        index.add([1], ["doublon"])
    with pytest.raises(ValueError, match="k must be"):
        index.query("vélo", k=0)
    with pytest.raises(RuntimeError, match="not fitted"):
        SimilarIndex().query("vélo")


def _clustered_vectors(n, n_topics=40, seed=0):
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((n_topics, 512))
    vectors = topics[rng.integers(n_topics, size=n)] + 0.6 * rng.standard_normal((n, 512))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_index_searches_the_nearest_cells_and_finds_what_an_exact_search_finds():
    n = 3000
    vectors = _clustered_vectors(n + 60)
    texts = [f"contribution {i}" for i in range(n)]
    index = SimilarIndex(exact_below=1000, n_probe=6).fit(range(n), texts, vectors=vectors[:n])
    assert index.n_cells_ == int(np.sqrt(n))
    exact = SimilarIndex(exact_below=n).fit(range(n), texts, vectors=vectors[:n])
    assert exact.n_cells_ == 0
    kept = total = 0
    for query in vectors[n:]:
        probed = index.query("une idée", k=5, min_score=0.0, vector=query)
        everywhere = exact.query("une idée", k=5, min_score=0.0, vector=query)
        kept += len({i for i, _ in probed} & {i for i, _ in everywhere})
        total += len(everywhere)
        # control: the probed search reads a few cells, not every row
        assert len(index.query("une idée", k=n, min_score=0.0, vector=query)) < n / 4
    assert kept >= 0.9 * total


def test_rows_added_to_a_large_index_join_their_cell_and_refit_keeps_the_stored_vectors():
    n = 2000
    vectors = _clustered_vectors(n + 1, seed=1)
    index = SimilarIndex(exact_below=500, n_probe=4).fit(range(n), [f"avis {i}" for i in range(n)], vectors=vectors[:n])
    index.add([n], ["avis ajouté"], vectors=vectors[n:])
    assert [i for i, _ in index.query("une idée", k=1, vector=vectors[n])] == [n]
    stored = vectors.astype(np.float32).astype(np.float16)  # as_matrix reads float32
    assert np.array_equal(index.refit()._dense[: n + 1], stored)
    assert index.vector_bytes_ < (n + 1) * 512 * 2 * 1.3  # float16 rows, grown by 25 % at most


def test_a_replaced_text_is_found_by_its_new_words_and_meaning_only(index):
    before = dict(index.query("baisser la TVA", min_score=0.0))[2]
    assert before > 0.5  # control: found by its old text
    index.replace([2], ["covoiturage rural"])
    assert dict(index.query("baisser la TVA", min_score=0.0)).get(2, 0.0) < 0.2
    assert [i for i, _ in index.query("covoiturage")][:1] == [2]
    assert index.n_indexed_ == 4 and [i for i, _ in index.refit().query("covoiturage")][:1] == [2]
    assert sorted(index.ids_) == [1, 2, 3, 4]  # the refit dropped the old row
    with pytest.raises(ValueError, match="not indexed"):
        index.replace([9], ["texte inconnu"])


@pytest.mark.parametrize("semantic", [False, True])
def test_a_restricted_query_scores_its_rows_as_the_whole_index_does(semantic):
    """A search ranks the whole process, then its word hits with ``restrict_ids``: the second query reuses
    the text's analysis and scores only those rows; its scores are the full query's for those rows."""
    texts = TEXTS + DISTRACTORS + [PARTNER]
    index = SimilarIndex(semantic=semantic).fit(list(range(1, len(texts) + 1)), texts)
    query = "les formateurs et les pistes cyclables"
    everything = dict(index.query(query, k=len(texts), min_score=0.0))
    restricted = [5, 1, 11, 4, 2, 99]  # 99: not indexed; 1 and 4 tie in words
    found = index.query(query, k=len(texts), min_score=0.0, restrict_ids=restricted)
    assert found == sorted(
        ((i, s) for i, s in everything.items() if i in restricted), key=lambda pair: (-pair[1], pair[0])
    )
    assert len(found) >= 3  # control: the check compares real scores
    assert [i for i, _ in index.query(query, k=2, min_score=0.0, restrict_ids=restricted)] == [i for i, _ in found[:2]]
    # A change of the index forgets the kept analysis: an added text is scored, a replaced one moves.
    index.add([50], ["les formateurs des pistes cyclables"])
    assert 50 in dict(index.query(query, k=3, min_score=0.0, restrict_ids=[50, 1]))
    index.replace([1], ["baisser la TVA sur le pain"])
    assert 1 not in dict(index.query(query, k=5, min_score=0.0, restrict_ids=[1, 50]))
    assert 1 in dict(index.query("TVA pain", k=5, min_score=0.0, restrict_ids=[1, 50]))
