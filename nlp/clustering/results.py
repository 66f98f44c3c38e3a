"""What a clustering run takes and returns: moderator constraints, clusters, the result."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

__all__ = ["Cluster", "ClusteringResult", "Constraints"]


@dataclass(frozen=True)
class Constraints:
    """Moderator decisions every clustering run must respect.

    Attributes
    ----------
    pinned : mapping id -> cluster key
        Contributions a moderator placed in a cluster (a key of a previous run, or a new key).
    excluded : frozenset of ids
        Contributions left out of clustering entirely.
    must_link : tuple of (id, id)
        Pairs that must end up in the same cluster (or together in the outlier bucket).
    cannot_link : tuple of (id, id)
        Pairs that must never share a cluster.
    """

    pinned: Mapping[Hashable, str] = field(default_factory=dict)
    excluded: frozenset = frozenset()
    must_link: tuple[tuple[Hashable, Hashable], ...] = ()
    cannot_link: tuple[tuple[Hashable, Hashable], ...] = ()


@dataclass(frozen=True)
class Cluster:
    """One theme found in the contributions.

    Attributes
    ----------
    key : str
        Stable identity ("c1", "c2"...), kept across runs when ``previous`` is given.
    label : str
        French label: its three most distinctive words, comma-separated.
    top_terms : tuple of str
        Its most distinctive words (real words as written, not stems), best first.
    ids : tuple
        Member ids, most representative first.
    representative_ids : tuple
        Up to three members closest to the cluster centre.
    theme_mix : tuple of (str, int)
        Count of members per organiser theme, largest first (empty without themes).
    """

    key: str
    label: str
    top_terms: tuple[str, ...]
    ids: tuple
    representative_ids: tuple
    theme_mix: tuple[tuple[str, int], ...] = ()

    @property
    def size(self) -> int:
        """Number of member contributions."""
        return len(self.ids)


@dataclass(frozen=True)
class ClusteringResult:
    """The outcome of one clustering run.

    Attributes
    ----------
    clusters : tuple of Cluster
        Largest first.
    assignment : mapping id -> cluster key or None
        Every non-excluded id exactly once; ``None`` means the outlier bucket.
    outliers : tuple
        Ids too far from every cluster (empty texts, off-topic remarks).
    excluded : tuple
        Ids left out by the moderator, in input order.
    k_scores : tuple of (int, float)
        Silhouette (cosine, on the LSA space) of each k tried; empty when k was given.
    coordinates : mapping id -> (x, y)
        A 2-D map of every clustered (non-excluded) id, both axes in [0, 1]: the first two
        principal components of the LSA embedding (deterministic; nearby points have similar
        texts). Empty for an empty input.
    """

    clusters: tuple[Cluster, ...]
    assignment: Mapping[Hashable, str | None]
    outliers: tuple = ()
    excluded: tuple = ()
    k_scores: tuple[tuple[int, float], ...] = ()
    coordinates: Mapping[Hashable, tuple[float, float]] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        """Number of clusters (the outlier bucket excluded)."""
        return len(self.clusters)
