"""PostgreSQL pg_trgm trigram similarity, in Python: Decidim's "similar proposals" baseline.

pg_trgm lower-cases the text, splits it into words of alphanumeric characters, pads each word
with two spaces before and one after, and takes the set of 3-character substrings; the
similarity of two texts is the Jaccard index of their trigram sets (0 if either is empty).
Decidim suggests a proposal as similar when this similarity is >= 0.25 on title/body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["DECIDIM_THRESHOLD", "trigram_pairs", "trigram_similarity", "trigrams"]

DECIDIM_THRESHOLD = 0.25
_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """Return the pg_trgm trigram set of ``text``.

    Examples
    --------
    >>> sorted(trigrams("Chat"))
    ['  c', ' ch', 'at ', 'cha', 'hat']
    """
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out


def trigram_similarity(a: str, b: str) -> float:
    """Return pg_trgm's ``similarity(a, b)``: Jaccard index of the trigram sets.

    Examples
    --------
    >>> round(trigram_similarity("word", "two words"), 6)
    0.363636
    """
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def trigram_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """Binary document × trigram matrix (float32), one row per text."""
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        indices.extend(vocabulary.setdefault(t, len(vocabulary)) for t in trigrams(text))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(texts), max(len(vocabulary), 1)))


def similarity_rows(queries: sp.csr_matrix, corpus: sp.csr_matrix) -> np.ndarray:
    """Dense trigram similarity of each query row against every corpus row."""
    inter = (queries @ corpus.T).toarray()
    size_q = np.asarray(queries.sum(axis=1)).reshape(-1, 1)
    size_c = np.asarray(corpus.sum(axis=1)).reshape(1, -1)
    union = size_q + size_c - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def trigram_pairs(texts: Sequence[str], threshold: float = DECIDIM_THRESHOLD, chunk_size: int = 500):
    """Return all pairs ``i < j`` with trigram similarity >= ``threshold``, and their scores."""
    matrix = trigram_matrix(texts)
    rows, cols, scores = [], [], []
    for start in range(0, matrix.shape[0], chunk_size):
        sims = similarity_rows(matrix[start : start + chunk_size], matrix)
        i, j = np.nonzero(sims >= threshold)
        i = i + start
        keep = j > i
        rows.append(i[keep])
        cols.append(j[keep])
        scores.append(sims[i[keep] - start, j[keep]])
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(scores)
