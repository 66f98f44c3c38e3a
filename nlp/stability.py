"""Compare two clustering runs: keep cluster identities and measure how much moved.

Both functions take plain mappings ``id -> cluster key`` (``None`` for the outlier bucket),
as the application stores them per clustering run.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["co_assignment_stability", "match_clusters"]


def _contingency(before: Mapping, after: Mapping) -> np.ndarray:
    common = [i for i, key in before.items() if key is not None and after.get(i) is not None]
    if not common:
        return np.zeros((0, 0), dtype=np.int64)
    before_keys = {k: n for n, k in enumerate(sorted({before[i] for i in common}, key=str))}
    after_keys = {k: n for n, k in enumerate(sorted({after[i] for i in common}, key=str))}
    table = np.zeros((len(before_keys), len(after_keys)), dtype=np.int64)
    np.add.at(table, ([before_keys[before[i]] for i in common], [after_keys[after[i]] for i in common]), 1)
    return table


def co_assignment_stability(before: Mapping[Hashable, str | None], after: Mapping[Hashable, str | None]) -> float:
    """Share of the pairs clustered together in ``before`` that are still together in ``after``.

    Only ids clustered (not outliers, not excluded) in both runs count; a pair is
    "together" when both ids have the same cluster key. Computed from the contingency
    table, never by enumerating pairs.

    Returns
    -------
    float
        In [0, 1]; 1.0 when ``before`` has no pair at all.

    Examples
    --------
    >>> co_assignment_stability({1: "a", 2: "a", 3: "b"}, {1: "x", 2: "x", 3: "x", 4: "y"})
    1.0
    """
    table = _contingency(before, after)
    pairs_before = (table.sum(axis=1) * (table.sum(axis=1) - 1) // 2).sum()
    if pairs_before == 0:
        return 1.0
    kept = (table * (table - 1) // 2).sum()
    return float(kept / pairs_before)


def match_clusters(
    previous: Mapping[Hashable, str | None], current: Mapping[Hashable, Hashable]
) -> dict[Hashable, str]:
    """Map each current cluster to the previous key it overlaps most (Hungarian matching).

    Parameters
    ----------
    previous : mapping id -> previous cluster key (None = outlier, ignored)
    current : mapping id -> current cluster label (any hashable)

    Returns
    -------
    dict
        ``current label -> previous key`` for matched clusters only (overlap > 0); each
        previous key is used at most once. Empty when nothing overlaps.
    """
    common = [i for i, key in previous.items() if key is not None and current.get(i) is not None]
    if not common:
        return {}
    prev_keys = sorted({previous[i] for i in common}, key=str)
    cur_keys = sorted({current[i] for i in common}, key=str)
    prev_index = {k: n for n, k in enumerate(prev_keys)}
    cur_index = {k: n for n, k in enumerate(cur_keys)}
    overlap = np.zeros((len(cur_keys), len(prev_keys)), dtype=np.int64)
    np.add.at(overlap, ([cur_index[current[i]] for i in common], [prev_index[previous[i]] for i in common]), 1)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {cur_keys[r]: prev_keys[c] for r, c in zip(rows, cols) if overlap[r, c] > 0}
