"""Clustering features: French TF-IDF reduced by LSA, joined with the texts' sentence vectors.

Every row is a unit vector whose cosine mixes the lexical cosine (LSA of the TF-IDF) and the
semantic cosine (sentence embeddings) with the clusterer's ``semantic_weight``. Fitting uses
the distinct texts only (:func:`distinct_rows`): a text pasted 70 times is one opinion.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

__all__ = ["check_vectors", "combine", "distinct_rows", "lsa_rows", "sample_rows"]


def check_vectors(vectors, n: int) -> np.ndarray | None:
    """``vectors`` as a finite float32 (n, d) array, or ``None``; ``ValueError`` otherwise."""
    if vectors is None:
        return None
    array = np.asarray(vectors)
    if array.dtype not in (np.float16, np.float32):
        array = array.astype(np.float32)
    if array.ndim != 2 or array.shape[0] != n or array.shape[1] == 0:
        raise ValueError(f"vectors must have one row per text ({n}), got shape {array.shape}")
    # Checked by blocks: one boolean copy of a million stored vectors is 500 MB.
    if not all(np.isfinite(array[s : s + 65_536]).all() for s in range(0, n, 65_536)):
        raise ValueError("vectors contain NaN or infinite values")
    return array


def distinct_rows(tfidf: sp.csr_matrix, texts: Sequence[str], random_state) -> np.ndarray:
    """Distinct non-empty rows of ``tfidf`` (first of each identical vector), by text hash.

    The order is a CRC-32 of each text salted with ``random_state``: deterministic, and
    independent of the other texts, so a sample of the first rows barely changes when a
    few texts are added. Identical vectors are found by two random projections (identical
    rows give bit-identical products; distinct rows colliding on both is negligible).
    """
    n = tfidf.shape[0]
    salt = zlib.crc32(str(random_state).encode())
    priority = np.fromiter(
        (zlib.crc32(t.encode("utf-8", "surrogatepass"), salt) for t in texts), dtype=np.int64, count=n
    )
    order = np.argsort(priority, kind="stable")
    order = order[tfidf.getnnz(axis=1)[order] > 0]
    if len(order) == 0:
        return order
    projection = np.random.default_rng(0).standard_normal((tfidf.shape[1], 2))
    signature = np.asarray(tfidf[order] @ projection)
    _, first = np.unique(signature, axis=0, return_index=True)
    return order[np.sort(first)]


def sample_rows(fit_rows: np.ndarray | None, n: int, size: int, rng, minimum: int = 2) -> np.ndarray | None:
    """Rows to fit on (sorted), or ``None`` for all rows.

    With ``fit_rows`` (the distinct texts in hash order): those rows, and above ``size`` the
    first ``size`` of them, so that a re-run with a few more texts fits on almost the same
    sample. Without: a random sample. Fewer than ``minimum`` distinct rows: all rows.
    """
    if fit_rows is not None and len(fit_rows) >= minimum:
        if len(fit_rows) == n and n <= size:
            return None
        return np.sort(fit_rows[:size])
    if n <= size:
        return None
    return np.sort(rng.choice(n, size, replace=False))


def lsa_rows(
    tfidf: sp.csr_matrix, n_components: int, svd_iter: int, fit_rows: np.ndarray | None, sample_size: int, rng
) -> np.ndarray:
    """L2-normalised LSA rows of ``tfidf`` (randomized TruncatedSVD fitted on the distinct texts)."""
    n, n_features = tfidf.shape
    n_components = min(n_components, n_features - 1, n - 1)
    if n_features == 0:
        return np.zeros((n, 1), dtype=np.float32)
    if n_components < 2:
        return normalize(tfidf.toarray().astype(np.float32))
    svd = TruncatedSVD(n_components, algorithm="randomized", n_iter=svd_iter, random_state=rng.randint(2**31 - 1))
    rows = sample_rows(fit_rows, n, sample_size, rng, minimum=n_components + 1)
    fit_matrix = tfidf if rows is None else tfidf[rows]
    # Words in fewer than two fitted texts cannot co-occur: leaving their columns out
    # changes the components little and shrinks the SVD's dense steps (features x dims).
    columns = np.flatnonzero(np.bincount(fit_matrix.indices, minlength=n_features) >= 2)
    if len(columns) <= n_components:
        columns = np.arange(n_features)
    svd.fit(fit_matrix[:, columns])
    return normalize(svd.transform(tfidf[:, columns]).astype(np.float32))


def combine(
    lexical: np.ndarray,
    semantic: np.ndarray,
    weight: float,
    *,
    centre: bool = False,
    fit_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Unit rows whose cosine is ``(1 - weight) * lexical cosine + weight * semantic cosine``.

    Built in place in one float32 array (at 100,000 texts every copy costs 200 MB). With
    ``centre`` the sentence vectors are first centred on the mean of ``fit_rows`` (the distinct
    texts). A text without a vector (zero row) keeps its lexical row alone.
    """
    n, width = lexical.shape
    out = np.empty((n, width + semantic.shape[1]), dtype=np.float32)
    out[:, :width] = lexical
    out[:, :width] *= np.sqrt(1.0 - weight)
    part = out[:, width:]
    part[:] = semantic
    norms = np.sqrt(np.einsum("ij,ij->i", part, part))
    present = norms > 0
    if centre and present.any():
        rows = fit_rows if fit_rows is not None and len(fit_rows) else np.arange(n)
        rows = rows[present[rows]]
        part[present] -= part[rows if len(rows) else present].mean(axis=0)
        norms = np.sqrt(np.einsum("ij,ij->i", part, part))
        present = norms > 0
    part *= (np.sqrt(weight) / np.where(present, norms, 1.0))[:, None].astype(np.float32)
    if not present.all():
        out[~present] = normalize(out[~present])
    return out
