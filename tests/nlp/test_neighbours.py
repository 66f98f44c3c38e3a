"""The TF-IDF join behind duplicate candidates: exact on small inputs, bounded on overlapping ones."""

import numpy as np
import scipy.sparse as sp

from nlp.embeddings import corpus_mean
from nlp.neighbours import CentredRows, cosine_pairs, dense_neighbours
from nlp.text import FrenchVectorizer


def _brute_force(matrix, threshold):
    dense = (matrix @ matrix.T).toarray()
    i, j = np.nonzero(np.triu(dense >= threshold - 1e-6, k=1))
    return set(zip(i.tolist(), j.tolist()))


def test_every_pair_above_the_threshold_is_found_when_each_row_may_keep_them_all():
    rng = np.random.default_rng(0)
    vocabulary = [f"mot{n}" for n in range(60)]
    texts = [" ".join(rng.choice(vocabulary, size=rng.integers(3, 12))) for _ in range(300)]
    texts += [t + " mot1" for t in texts[:40]]  # near copies
    matrix = FrenchVectorizer(min_df=1, max_df=1.0, domain_words=()).fit_transform(texts)
    for threshold in (0.3, 0.5, 0.8):
        rows, cols, scores = cosine_pairs(matrix, threshold, k=len(texts), max_df=len(texts))
        assert set(zip(rows.tolist(), cols.tolist())) == _brute_force(matrix, threshold)
        exact = np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()
        assert np.allclose(scores, exact, atol=1e-5)


def test_a_campaign_of_one_pasted_text_gives_at_most_k_partners_per_text():
    # 400 texts made of one long shared passage and a word of their own: every pair is above the
    # threshold (79,800 pairs), but each text keeps only its k best partners.
    shared = " ".join(f"passage{n}" for n in range(25))
    texts = [f"{shared} propre{n % 20}" for n in range(400)]
    matrix = FrenchVectorizer(min_df=1, max_df=1.0, domain_words=()).fit_transform(texts)
    assert len(_brute_force(matrix, 0.5)) == 400 * 399 // 2
    rows, _, _ = cosine_pairs(matrix, 0.5, k=3)
    assert 0 < len(rows) <= 3 * 400
    every = cosine_pairs(matrix, 0.5, k=400, max_df=400)[0]
    assert len(every) == 400 * 399 // 2  # control: without the bound, every pair is a candidate


def test_a_term_shared_by_too_many_rows_finds_no_candidates():
    matrix = sp.csr_matrix(np.ones((50, 1), dtype=np.float32))
    assert len(cosine_pairs(matrix, 0.5, max_df=10)[0]) == 0
    assert len(cosine_pairs(matrix, 0.5, max_df=50, k=50)[0]) == 50 * 49 // 2  # control


def test_threads_share_the_joins_without_changing_their_result():
    rng = np.random.default_rng(1)
    vocabulary = [f"mot{n}" for n in range(80)]
    texts = [" ".join(rng.choice(vocabulary, size=rng.integers(4, 14))) for _ in range(600)]
    matrix = FrenchVectorizer(min_df=1, max_df=1.0, domain_words=()).fit_transform(texts)
    alone = cosine_pairs(matrix, 0.3, chunk_size=50)
    shared = cosine_pairs(matrix, 0.3, chunk_size=50, workers=2)
    assert len(alone[0]) > 100  # control: the join found pairs to compare
    assert all(np.array_equal(a, b) for a, b in zip(alone, shared))
    # The inverted-file search (forced below its usual size), with exact ties between copies.
    vectors = rng.standard_normal((1500, 32)).astype(np.float32)
    vectors[100:130] = vectors[7]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    alone = dense_neighbours(vectors, 5, exact_below=100, chunk_size=64)
    shared = dense_neighbours(vectors, 5, exact_below=100, chunk_size=64, workers=2)
    assert (alone[0] >= 0).all()
    assert np.array_equal(alone[0], shared[0]) and np.array_equal(alone[1], shared[1])


def _real_stored_vectors(n_rows: int, seed: int) -> np.ndarray:
    """float16 rows as stored by the app: real texts' vectors (GDN file), resampled with a little noise."""
    from nlp.embeddings import embed
    from nlp.evaluate import load_dataset
    from tests.conftest import shared_data

    real = embed(load_dataset(shared_data("dev_grand_debat.csv"), sample=300).texts)
    rng = np.random.default_rng(seed)
    noisy = real[rng.integers(0, len(real), n_rows)] + 0.02 * rng.standard_normal((n_rows, real.shape[1]))
    return noisy.astype(np.float16)


def test_centred_rows_are_the_rows_of_a_centred_normalised_copy_and_find_the_same_neighbours():
    # CentredRows replaces a float32 copy of the distinct rows, centred in place and divided by its
    # norms (1.8 GB, and as much again for the norms, at a million texts): same bits, row by row.
    stored = _real_stored_vectors(20_000, seed=0)  # more rows than two blocks of the mean's sum
    rows = np.sort(np.random.default_rng(1).choice(len(stored), 17_000, replace=False))
    copy = np.array(stored[rows], dtype=np.float32)
    copy -= corpus_mean(copy)
    copy /= np.linalg.norm(copy, axis=1, keepdims=True)
    lazy = CentredRows(stored, rows)
    assert lazy.shape == copy.shape and np.array_equal(lazy.mean, corpus_mean(np.asarray(stored[rows], np.float32)))
    assert np.array_equal(lazy[:], copy)
    shuffled = np.random.default_rng(2).permutation(len(rows))[:500]
    assert np.array_equal(lazy[shuffled], copy[shuffled]) and np.array_equal(lazy[7], copy[7])
    assert not np.allclose(copy, stored[rows].astype(np.float32), atol=1e-3)  # control: centring moved them
    # The inverted-file search over the lazy rows against the copy: same neighbours, same scores (on
    # as many threads: one BLAS thread per search thread rounds sums in another order than several).
    for workers in (1, 2):
        expected = dense_neighbours(copy, 10, exact_below=1_000, workers=workers)
        found = dense_neighbours(lazy, 10, exact_below=1_000, workers=workers)
        assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1])
    small = CentredRows(stored[:300], np.arange(300))  # the exact search below ``exact_below``
    reference = dense_neighbours(small[:], 5)
    assert all(np.array_equal(a, b) for a, b in zip(dense_neighbours(small, 5), reference))
