"""2-D positions for the moderators' map, from points the clustering already computed.

``ClusteringResult.coordinates`` holds the first two principal components of the clusterer's own
embedding: the texts are not vectorised a second time. Those two axes alone spread a corpus as one
blob; pulling each point part of the way towards its group's centre (the clusters of a run) makes
the clusters readable as patches while keeping their relative placement. A pure function:
deterministic for a given ``random_state``, every position in [0, 1] × [0, 1].
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["layout_2d"]

_JITTER = 0.01


def layout_2d(
    points: Sequence[Sequence[float]] | np.ndarray,
    *,
    groups: Sequence[Hashable | None] | None = None,
    pull: float = 0.6,
    random_state: int = 0,
) -> np.ndarray:
    """Arrange 2-D points for a map: groups pulled together, identical points separated, scaled.

    Parameters
    ----------
    points : array-like of shape (n, 2)
        Starting positions, e.g. ``[result.coordinates[id_] for id_ in ids]``.
    groups : sequence of hashable, optional
        Group (cluster key) of each point; ``None`` for points in no group. Members of a group
        are pulled towards the group's centre.
    pull : float, default=0.6
        Share of the distance to its group's centre each point travels, in [0, 1].
    random_state : int, default=0
        Seed of a small jitter that separates identical points (copies of one text).

    Returns
    -------
    numpy.ndarray of shape (n, 2)
        Positions in [0, 1] × [0, 1], both axes scaled by the same factor (the narrower one
        centred, 0.5 when it has no spread).

    Raises
    ------
    ValueError
        If ``points`` is not of shape (n, 2) or not finite, ``groups`` has another length, or
        ``pull`` is outside [0, 1].

    Examples
    --------
    >>> layout_2d([[0.0, 0.0], [1.0, 1.0], [0.9, 1.0]], groups=["a", "b", "b"]).shape
    (3, 2)
    """
    coords = np.asarray(points, dtype=float)
    if coords.size == 0:
        coords = coords.reshape(0, 2)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {coords.shape}")
    if not np.all(np.isfinite(coords)):
        raise ValueError("points must be finite numbers")
    if groups is not None and len(groups) != len(coords):
        raise ValueError(f"groups must have one entry per point, got {len(groups)} for {len(coords)} points")
    if not 0.0 <= pull <= 1.0:
        raise ValueError(f"pull must be within [0, 1], got {pull}")
    if len(coords) == 0:
        return np.zeros((0, 2))
    if groups is not None:
        coords = _pull_towards_groups(coords, list(groups), pull)
    coords = coords + check_random_state(random_state).uniform(-_JITTER, _JITTER, size=coords.shape)
    return _scale(coords)


def _pull_towards_groups(coords: np.ndarray, groups: list, pull: float) -> np.ndarray:
    out = coords.copy()
    members: dict = {}
    for row, group in enumerate(groups):
        if group is not None:
            members.setdefault(group, []).append(row)
    for rows in members.values():
        centre = coords[rows].mean(axis=0)
        out[rows] = centre + (1.0 - pull) * (coords[rows] - centre)
    return out


def _scale(coords: np.ndarray) -> np.ndarray:
    """Fit into the unit square with one factor for both axes (distances keep their proportions),
    the narrower axis centred; 0.5 on an axis without spread."""
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = high - low
    widest = span.max()
    if widest <= 0:
        return np.full(coords.shape, 0.5)
    scaled = (coords - low) / widest + (1.0 - span / widest) / 2
    return np.clip(scaled, 0.0, 1.0)
