"""Sparse cosine similarity join: every pair of rows with cosine >= threshold, no Python pair loop.

Rows are sorted by length and compared chunk by chunk through scipy's C sparse product,
each chunk only against the rows whose length is compatible (``short >= ratio * long``).
Duplicates are verified with length-sensitive rapidfuzz scores that reject pairs of very
different lengths anyway, so this blocking loses nothing and skips most of the n² work.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def cosine_pairs(
    matrix: sp.csr_matrix,
    threshold: float,
    *,
    lengths: np.ndarray | None = None,
    min_length_ratio: float = 0.0,
    chunk_size: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return all pairs ``i < j`` of L2-normalised rows whose cosine is >= ``threshold``.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Rows must be L2-normalised (zero rows are never paired).
    threshold : float in (0, 1]
    lengths : numpy.ndarray of shape (n_samples,), optional
        Length of each text; with ``min_length_ratio``, pairs whose shorter length is below
        ``min_length_ratio * longer`` are never compared.
    min_length_ratio : float in [0, 1], default=0
    chunk_size : int, default=1000
        Rows per sparse product; bounds memory.

    Returns
    -------
    rows, cols, scores : numpy.ndarray
        Pair indices (``rows < cols``) and their cosine, float32. Empty arrays if none.

    Raises
    ------
    ValueError
        If ``threshold`` is outside (0, 1] or ``lengths`` has the wrong size.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    n = matrix.shape[0]
    if lengths is None:
        lengths = np.ones(n)
    lengths = np.asarray(lengths, dtype=np.float64)
    if lengths.shape != (n,):
        raise ValueError(f"lengths must have one entry per row, got {lengths.shape} for {n} rows")
    order = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[order]
    ordered = matrix[order]
    rows_out, cols_out, scores_out = [], [], []
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        longest = sorted_lengths[stop - 1]
        limit = np.inf if min_length_ratio <= 0 else longest / min_length_ratio
        window_stop = int(np.searchsorted(sorted_lengths, limit, side="right"))
        block = (ordered[start:stop] @ ordered[start:window_stop].T).tocoo()
        i = block.row + start
        j = block.col + start
        keep = (j > i) & (block.data >= threshold - 1e-6)
        if min_length_ratio > 0:
            keep &= sorted_lengths[i] >= min_length_ratio * sorted_lengths[j]
        rows_out.append(order[i[keep]])
        cols_out.append(order[j[keep]])
        scores_out.append(block.data[keep])
    if not rows_out:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=np.float32)
    rows = np.concatenate(rows_out)
    cols = np.concatenate(cols_out)
    scores = np.minimum(np.concatenate(scores_out), 1.0).astype(np.float32)
    return np.minimum(rows, cols), np.maximum(rows, cols), scores
