"""Nearest-neighbour joins for duplicate detection, near-linear in the number of texts.

:func:`cosine_pairs` finds each TF-IDF row's best partners through its rare terms only (prefix
filtering, chunked scipy sparse products, no Python pair loop); :func:`dense_neighbours` the
nearest sentence vectors (exact BLAS products, or an inverted file of k-means cells).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from nlp import embeddings


def cosine_pairs(
    matrix: sp.csr_matrix,
    threshold: float,
    *,
    lengths: np.ndarray | None = None,
    min_length_ratio: float = 0.0,
    k: int = 8,
    max_df: int = 1_000,
    max_terms: int = 6,
    chunk_size: int = 2_000,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for each L2-normalised row, its ``k`` most similar rows with cosine >= ``threshold``.

    Near-linear whatever the overlap between texts: a row is compared only with the rows that
    share one of its *rare* terms (prefix filtering: the rarest terms holding ``1 - threshold²``
    of its squared weight; any pair at cosine >= ``threshold`` shares one of them, since the
    other terms cannot add up to ``threshold``). At most ``max_terms`` such terms are used and a
    term in more than ``max_df`` rows is left out (a pasted sentence shared by thousands of texts
    would make every pair of them a candidate): exact on ordinary corpora, a bound on campaigns.
    Only the ``k`` best candidates by that partial cosine get their exact cosine. A row has at
    most ``k`` partners of its own, so the output grows with n, not n².

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Rows must be L2-normalised with non-negative weights (zero rows are never paired).
    threshold : float in (0, 1]
    lengths : numpy.ndarray of shape (n_samples,), optional
        Length of each text; with ``min_length_ratio``, pairs whose shorter length is below
        ``min_length_ratio * longer`` are left out.
    min_length_ratio : float in [0, 1], default=0
    k : int, default=8
        Partners kept per row (each pair once, from either side).
    max_df : int, default=1000
        Terms in more rows than this are not used to find candidates (still in the cosine).
    max_terms : int, default=6
        Rare terms per row used to find candidates: with the two bounds above, a row meets at
        most ``max_terms * max_df`` others, whatever the corpus.
    chunk_size : int, default=2000
        Rows per sparse product; bounds memory.
    workers : int, default=1
        Threads sharing the chunks (same result whatever the number).

    Returns
    -------
    rows, cols, scores : numpy.ndarray
        Pair indices (``rows < cols``, each pair once) and their cosine, float32.

    Raises
    ------
    ValueError
        If ``threshold`` is outside (0, 1] or ``lengths`` has the wrong size.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    matrix.sort_indices()
    n = matrix.shape[0]
    lengths = np.ones(n) if lengths is None else np.asarray(lengths, dtype=np.float64)
    if lengths.shape != (n,):
        raise ValueError(f"lengths must have one entry per row, got {lengths.shape} for {n} rows")
    prefix = _prefixes(matrix, threshold, max_df, max_terms)
    postings = matrix.T.tocsr()  # term -> rows, read only for the prefix terms

    def chunk_pairs(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        block = (prefix[start : start + chunk_size] @ postings).tocsr()
        counts = np.diff(block.indptr)
        local = np.repeat(np.arange(block.shape[0], dtype=np.int64), counts)
        i, j, partial = local + start, block.indices.astype(np.int64), block.data
        keep = j != i  # a row is not its own partner
        if min_length_ratio > 0:
            own, other = np.repeat(lengths[start : start + block.shape[0]], counts), lengths[j]
            keep &= np.minimum(own, other) >= min_length_ratio * np.maximum(own, other)
        local, i, j, partial = local[keep], i[keep], j[keep], partial[keep]
        # The k best candidates of each row by partial cosine, ties in block order: one stable sort
        # of (row, descending partial) packed in a uint64 (a non-negative float32's bits order it
        # like the float; 6x faster than np.lexsort on the two keys, same order).
        descending = np.uint64(0xFFFFFFFF) - partial.astype(np.float32).view(np.uint32).astype(np.uint64)
        order = np.argsort((local.astype(np.uint64) << np.uint64(32)) | descending, kind="stable")
        i, j = i[order], j[order]
        row_start = np.concatenate([[0], np.cumsum(np.bincount(local, minlength=block.shape[0]))[:-1]])
        best = np.arange(len(i)) - row_start[i - start] < k
        i, j = i[best], j[best]
        exact = np.asarray(matrix[i].multiply(matrix[j]).sum(axis=1)).ravel()
        keep = exact >= threshold - 1e-6
        return i[keep], j[keep], exact[keep]

    # Chunks are independent and numpy / scipy release the GIL in their loops: threads share the
    # work, and the chunks are joined in order, so the result does not depend on ``workers``.
    with ThreadPoolExecutor(max(1, workers)) as pool:
        found = list(pool.map(chunk_pairs, range(0, n, chunk_size)))
    rows_out, cols_out, scores_out = [f[0] for f in found], [f[1] for f in found], [f[2] for f in found]
    if not rows_out:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=np.float32)
    rows, cols = np.concatenate(rows_out), np.concatenate(cols_out)
    scores = np.minimum(np.concatenate(scores_out), 1.0).astype(np.float32)
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    _, unique = np.unique(low * n + high, return_index=True)
    return low[unique], high[unique], scores[unique]


def _prefixes(matrix: sp.csr_matrix, threshold: float, max_df: int, max_terms: int) -> sp.csr_matrix:
    """Each row restricted to its rarest terms holding ``1 - threshold²`` of its squared weight, at
    most ``max_terms`` of them; terms of one row only (they pair nothing) or of more than ``max_df``
    rows left out."""
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    # One entry per stored weight in each array below (tens of millions at a million texts): int32
    # rows, and each array freed once read, so they do not all stand at once.
    row_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(matrix.indptr))
    order = np.lexsort((matrix.indices, df[matrix.indices], row_of))  # rarest first in each row
    # Sorted by row first, and rows already ascending: ``row_of[order]`` is ``row_of`` itself.
    squared = matrix.data[order].astype(np.float64) ** 2
    before = np.cumsum(squared)
    row_start = np.concatenate([[0.0], before])[matrix.indptr[:-1]][row_of]
    before -= squared
    before -= row_start  # weight of the rarer terms of the same row
    del squared, row_start
    sorted_df = df[matrix.indices[order]]
    keep = (before < 1 - threshold**2 + 1e-9) & (sorted_df >= 2) & (sorted_df <= max_df)
    del before, sorted_df
    kept_rows = row_of[keep]
    rank = np.arange(len(kept_rows)) - np.searchsorted(kept_rows, kept_rows)
    kept = order[keep][rank < max_terms]
    return sp.csr_matrix(
        (matrix.data[kept], (row_of[kept], matrix.indices[kept])), shape=matrix.shape, dtype=np.float32
    )


class CentredRows:
    """Rows of stored sentence vectors, centred on their mean and scaled to unit length on demand.

    ``rows[index]`` (an index array, a slice or one row) gives float32 rows bit-identical to the
    same rows of a centred, normalised float32 copy of ``stored[row_ids]`` (:func:`nlp.embeddings.corpus_mean`,
    then each row divided by its norm), without that copy: at a million texts it would hold 1.8 GB
    (plus as much again for a whole-array norm) next to the caller's own vectors. The mean and each
    row's norm are computed once; a row is converted, centred and scaled each time it is read (a
    neighbour search reads each about five times: tens of seconds of CPU at 1M).

    Parameters
    ----------
    stored : numpy.ndarray of shape (n_stored, d)
        The vectors as stored (float16 or float32); not modified.
    row_ids : numpy.ndarray of int
        The rows of ``stored`` to use, in order (the distinct texts).
    """

    _BLOCK = 8_192  # rows summed at a time for the mean

    def __init__(self, stored: np.ndarray, row_ids: np.ndarray):
        self.stored, self.row_ids = stored, np.asarray(row_ids, dtype=np.int64)
        n, d = len(self.row_ids), stored.shape[1]
        self.shape = (n, d)
        # The float32 sum of the rows in row order, as numpy's mean over axis 0 adds them (one row
        # after another): the previous total is the first row of each block, so the sums are identical.
        total = np.zeros(d, dtype=np.float32)
        for start in range(0, n, self._BLOCK):
            block = np.asarray(stored[self.row_ids[start : start + self._BLOCK]], dtype=np.float32)
            total = np.add.reduce(np.vstack([total[None], block]), axis=0)
        self.mean = embeddings.shrunk_mean(total / n, n) if n else total
        # Each row's norm once (4 bytes a row): a row's norm does not depend on the rows read with it.
        self.norms = np.ones((n, 1), dtype=np.float32)
        for start in range(0, n, self._BLOCK):
            norms = np.linalg.norm(self._centred(slice(start, start + self._BLOCK)), axis=1, keepdims=True)
            self.norms[start : start + self._BLOCK] = np.where(norms == 0, 1, norms)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, (int, np.integer)):
            return self[np.array([index])][0]
        block = self._centred(index)
        block /= self.norms[index]
        return block

    def _centred(self, index) -> np.ndarray:
        block = np.array(self.stored[self.row_ids[index]], dtype=np.float32)
        block -= self.mean
        return block


def dense_neighbours(
    vectors: np.ndarray | CentredRows,
    k: int,
    *,
    exact_below: int = 5_000,
    chunk_size: int = 2048,
    random_state: int = 0,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``k`` nearest other rows of each unit row (by dot product) and their scores.

    ``vectors`` is an (n, d) array or :class:`CentredRows` (rows computed when read).

    Up to ``exact_below`` rows the search is exact (chunked BLAS products, O(n²d) but in C).
    Above, an inverted file keeps it near-linear: k-means cells (about sqrt(n), fitted on a
    sample), each row compared only with the rows of its 4 nearest cells (recall of the true
    neighbours about 0.9 at 100,000 rows). Rows are their own non-neighbours. ``workers`` threads
    share the cells (same result whatever the number).

    Returns
    -------
    indices : (n, k) int64, scores : (n, k) float32
        Best first; when fewer than ``k`` other rows exist, missing slots hold -1 and -inf.
    """
    n = len(vectors)
    if not isinstance(vectors, CentredRows):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    k_eff = max(0, min(k, n - 1))
    indices = np.full((n, k), -1, dtype=np.int64)
    scores = np.full((n, k), -np.inf, dtype=np.float32)
    if k_eff == 0:
        return indices, scores
    if n <= exact_below:
        whole = vectors if isinstance(vectors, np.ndarray) else vectors[:]
        for start in range(0, n, chunk_size):
            block = whole[start : start + chunk_size] @ whole.T
            block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
            _top_k(block, np.arange(n), k_eff, indices[start : start + len(block)], scores[start : start + len(block)])
        return indices, scores
    cells, members = _inverted_file(vectors, random_state)
    n_probe = min(4, len(cells))

    def search_cell(cell: int) -> None:
        rows = members[cell]
        if len(rows) == 0:
            return
        nearest_cells = np.argsort(-(cells @ cells[cell]))[:n_probe]
        pool = np.concatenate([members[c] for c in nearest_cells])
        pool_vectors = vectors[pool]  # gathered once per cell, not once per chunk
        for start in range(0, len(rows), chunk_size):
            part = rows[start : start + chunk_size]
            block = vectors[part] @ pool_vectors.T
            block[part[:, None] == pool[None, :]] = -np.inf
            _top_k(
                block,
                pool,
                min(k_eff, len(pool) - 1),
                indices[part],
                scores[part],
                write_rows=part,
                out_indices=indices,
                out_scores=scores,
            )

    # Cells write disjoint rows, and BLAS, comparisons and partitions release the GIL: with
    # ``workers`` threads (one BLAS thread each) both cores share the search, same result.
    with threadpool_limits(1 if workers > 1 else None), ThreadPoolExecutor(max(1, workers)) as executor:
        list(executor.map(search_cell, range(len(cells))))
    return indices, scores


def _top_k(block, columns, k, indices, scores, *, write_rows=None, out_indices=None, out_scores=None):
    """Write the ``k`` best columns of each row of ``block`` (best first) into the outputs."""
    if k <= 0:
        return
    top = np.argpartition(-block, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(block, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top, top_scores = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)
    found = np.where(np.isfinite(top_scores), columns[top], -1)
    if write_rows is None:
        indices[:, :k], scores[:, :k] = found, top_scores
    else:
        out_indices[write_rows, :k], out_scores[write_rows, :k] = found, top_scores


def _inverted_file(vectors: np.ndarray | CentredRows, random_state: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Spherical k-means cells (about sqrt(n)) and the rows of each (nearest cell)."""
    n = len(vectors)
    n_cells = int(np.sqrt(n))
    rng = np.random.default_rng(random_state)
    sample = vectors[rng.choice(n, min(n, 50 * n_cells), replace=False)]
    cells = sample[rng.choice(len(sample), n_cells, replace=False)].copy()
    for _ in range(8):
        nearest = np.argmax(sample @ cells.T, axis=1)
        for c in range(n_cells):
            chosen = sample[nearest == c]
            if len(chosen):
                centre = chosen.sum(axis=0)
                cells[c] = centre / max(np.linalg.norm(centre), 1e-9)
    assignment = np.concatenate([np.argmax(vectors[s : s + 8192] @ cells.T, axis=1) for s in range(0, n, 8192)])
    order = np.argsort(assignment, kind="stable")
    bounds = np.searchsorted(assignment[order], np.arange(n_cells + 1))
    return cells, [order[bounds[c] : bounds[c + 1]] for c in range(n_cells)]
