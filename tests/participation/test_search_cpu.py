"""Searches on a real corpus give what they gave before the CPU cuts of issue #19: the typo corrections
of rapidfuzz over the whole vocabulary, the TF-IDF of the query with diagonals built per call, and the
same ranked ids and result list whether the caches are cold or warm (both databases)."""

import csv
import re

import numpy as np
import pytest
import rapidfuzz
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from contrib.participation import contributions, search, similar, vectors
from nlp.text.counting import _count_features
from nlp.text.words import FrenchAnalyzer
from tests.conftest import shared_data

N_ROWS = 150
QUERIES = ["impots", "transports en commun", "retraite des agriculteurs", "democratie participative", "ecologie"]


@pytest.fixture
def corpus(app, factory):
    """A process of real contributions (Grand débat) with their stored vectors, its index built."""
    process = factory.process()
    with open(shared_data("dev_grand_debat.csv"), encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if len(row["text"]) > 80][:N_ROWS]
    for number, row in enumerate(rows):
        factory.contribution(process, text=row["text"], title=row["title"] or None, theme_id=process.themes[0].id)
        if number % 3 == 0:  # some in another theme, for the filtered searches
            factory.contribution(process, text=row["text"][::-1][:60] + " transports", theme_id=process.themes[1].id)
    vectors.backfill(process.id)
    similar.forget()
    assert similar.rank(process.id, "impots", k=1, min_score=0.0)  # builds the index
    return process


def _old_close_stems(stems, vocabulary):
    """``search._close_stems`` before issue #19: rapidfuzz over the whole vocabulary, every time."""
    close = set()
    for stem in stems:
        if len(stem) >= search.TYPO_MIN_LENGTH:
            close.update(
                match
                for match, _, _ in rapidfuzz.process.extract(
                    stem, vocabulary, scorer=rapidfuzz.fuzz.ratio, score_cutoff=search.TYPO_MIN_RATIO, limit=3
                )
            )
    return close


def _typos(word: str) -> list[str]:
    """A deleted, a doubled, a swapped and a replaced letter, and the word two letters longer."""
    middle = len(word) // 2
    swapped = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    return [
        word[:middle] + word[middle + 1 :],
        word[:middle] + word[middle] + word[middle:],
        swapped,
        word[:middle] + "x" + word[middle + 1 :],
        word + "es",
    ]


def test_typo_corrections_are_those_of_rapidfuzz_over_the_whole_vocabulary(corpus):
    vocabulary = similar.vocabulary(corpus.id)
    words = sorted(word for word in vocabulary if len(word) >= search.TYPO_MIN_LENGTH)[::7]
    assert len(words) > 100
    n_corrected = 0
    for word in words:
        for typo in _typos(word):
            expected = _old_close_stems({typo}, vocabulary)
            assert search._close_stems({typo}, vocabulary) == expected, typo
            assert search._close_stems({typo}, vocabulary) == expected, typo  # from the cache now
            n_corrected += bool(expected)
    assert n_corrected > len(words)  # control: most typos have corrections to compare
    # Another vocabulary (the index refitted): its own words, not the cached corrections.
    other = frozenset(w for w in vocabulary if not w.startswith(words[0][:3]))
    typo = _typos(words[0])[0]
    assert (
        search._close_stems({typo}, other) == _old_close_stems({typo}, other) != search._close_stems({typo}, vocabulary)
    )


def _old_transform(vectorizer, texts):
    """``FrenchVectorizer.transform`` (unigrams) before issue #19: the idf and scale diagonals built per call."""
    analyzer = FrenchAnalyzer(vectorizer.stemmer, vectorizer.ngram_range)
    counts, _ = _count_features(texts, analyzer, vectorizer.vectorizer_.vocabulary_)
    matrix = sp.csr_matrix(counts, dtype=np.float32)
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1
    matrix = sp.csr_matrix(matrix @ sp.diags(vectorizer.vectorizer_.idf_.astype(np.float32)))
    matrix = sp.csr_matrix(normalize(matrix, copy=False), dtype=np.float32)
    if vectorizer._scale is not None:
        matrix = normalize(sp.csr_matrix(matrix @ sp.diags(vectorizer._scale)), copy=False)
    return matrix


def test_the_query_tfidf_is_the_one_computed_with_new_diagonals(corpus):
    vectorizer = similar._cache[corpus.id].index.vectorizer_
    assert tuple(vectorizer.ngram_range) == (1, 1)
    for text in [*QUERIES, "certifcation", "Les impôts des retraités agriculteurs et la démocratie"]:
        for _ in range(2):  # the diagonals built, then cached
            new, old = vectorizer.transform([text]), _old_transform(vectorizer, [text])
            assert new.dtype == old.dtype and np.array_equal(new.indptr, old.indptr)
            assert np.array_equal(new.indices, old.indices) and np.array_equal(new.data, old.data)
    assert _old_transform(vectorizer, ["impots"]).nnz == 1  # control: a query word in the vocabulary


def _results(client, process, query, theme_id=None):
    """(every ranked id, the ids listed on the page) of a search."""
    ranked = contributions.search_contributions(process.id, query, theme_id=theme_id, per_page=10_000)
    filters = {"thematique": theme_id} if theme_id else {}
    html = client.get(f"/demarches/{process.slug}", query_string={"q": query, **filters}).text
    return [c.id for c in ranked.items], re.findall(r"/contributions/(\d+)\"", html)


def test_searches_rank_the_same_with_cold_and_warm_caches(corpus, client):
    searches = [(query, None) for query in [*QUERIES, "transprots"]]
    searches.append(("transports", corpus.themes[1].id))
    cold = []
    for query, theme_id in searches:
        similar.forget()
        search._typo_cache.__init__()
        assert similar.rank(corpus.id, query, k=1, min_score=0.0) is not None  # a new index: new diagonals
        cold.append(_results(client, corpus, query, theme_id))
    warm = [_results(client, corpus, query, theme_id) for query, theme_id in searches]
    assert warm == cold, cold
    assert all(ranked and listed for ranked, listed in cold)  # control: every search finds something
    assert len({tuple(ranked) for ranked, _ in cold}) == len(searches)  # and something of its own
