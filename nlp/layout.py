"""2-D positions for a map of the contributions: TF-IDF → TruncatedSVD(2), pulled towards groups.

A pure function for the moderators' map: deterministic for a given ``random_state``, every
position in [0, 1] × [0, 1]. The two SVD axes alone spread a corpus as one blob; pulling each
point part of the way towards its group's centre (the clusters of a run) makes the clusters
readable as patches while keeping their relative placement.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.utils import check_random_state

from nlp.text import FrenchVectorizer

__all__ = ["layout_2d"]

_JITTER = 0.01


def layout_2d(
    texts: Sequence[str],
    *,
    groups: Sequence[Hashable | None] | None = None,
    pull: float = 0.6,
    random_state: int = 0,
) -> np.ndarray:
    """Place each text on a plane, similar texts close together.

    Parameters
    ----------
    texts : sequence of str
    groups : sequence of hashable, optional
        Group (cluster key) of each text; ``None`` for texts in no group. Members of a group
        are pulled towards the group's centre.
    pull : float, default=0.6
        Share of the distance to its group's centre each point travels, in [0, 1].
    random_state : int, default=0
        Seed of the randomized SVD and of a small jitter that separates identical texts.

    Returns
    -------
    numpy.ndarray of shape (n_texts, 2)
        Positions scaled to [0, 1] on each axis (0.5 when an axis has no spread).

    Raises
    ------
    ValueError
        If a text is not a string, ``groups`` has another length, or ``pull`` is outside [0, 1].

    Examples
    --------
    >>> layout_2d(["vélo en ville", "pistes de vélo", "impôt juste"]).shape
    (3, 2)
    """
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"texts must be strings, got {type(text).__name__} at position {position}")
    if groups is not None and len(groups) != len(texts):
        raise ValueError(f"groups must have one entry per text, got {len(groups)} for {len(texts)} texts")
    if not 0.0 <= pull <= 1.0:
        raise ValueError(f"pull must be within [0, 1], got {pull}")
    n = len(texts)
    if n == 0:
        return np.zeros((0, 2))
    rng = check_random_state(random_state)
    coords = _project(texts, rng)
    if groups is not None:
        coords = _pull_towards_groups(coords, list(groups), pull)
    coords = coords + rng.uniform(-_JITTER, _JITTER, size=coords.shape)
    return _scale(coords)


def _project(texts: list[str], rng) -> np.ndarray:
    n = len(texts)
    tfidf = FrenchVectorizer().fit_transform(texts) if n > 1 else None
    if tfidf is None or tfidf.shape[1] < 3 or n < 3:
        # Too little to project: spread the texts evenly on a circle, in input order.
        angles = 2 * np.pi * np.arange(n) / max(n, 1)
        return np.column_stack([np.cos(angles), np.sin(angles)])
    svd = TruncatedSVD(2, algorithm="randomized", n_iter=4, random_state=rng.randint(2**31 - 1))
    coords = svd.fit_transform(tfidf).astype(float)
    # An SVD axis is defined up to its sign: fix it so the same corpus always faces the same way.
    signs = np.sign(coords.sum(axis=0))
    signs[signs == 0] = 1
    return coords * signs


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
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = high - low
    scaled = np.full(coords.shape, 0.5)
    moving = span > 0
    scaled[:, moving] = (coords[:, moving] - low[moving]) / span[moving]
    return np.clip(scaled, 0.0, 1.0)
