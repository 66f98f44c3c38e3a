"""The result of a run: clusters ordered and named, distinctive keywords, representatives, 2-D map."""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from nlp.clustering.assignment import key_order
from nlp.clustering.results import Cluster, ClusteringResult
from nlp.naming import keywords, name_clusters
from nlp.text import SurfaceCounts, display_forms

__all__ = ["build_result", "coordinates", "top_terms"]


def build_result(
    embedding, vectorizer, surface, *, ids, ids_kept, texts_kept, themes, kept, tfidf, labels, keys, k_scores,
    excluded, fit_rows, sample_size, n_top_terms, stemmer,
) -> ClusteringResult:  # fmt: skip
    """Assemble the :class:`ClusteringResult` of one run from its labels (-1: outlier) and keys."""
    clusters = []
    assignment: dict = {}
    mean_all = np.asarray(tfidf.mean(axis=0)).ravel()
    features = vectorizer.feature_names_
    used = sorted(set(labels.tolist()) - {-1})
    # Mean TF-IDF row of every cluster in one sparse product (cluster indicator x tfidf).
    members = labels >= 0
    indicator = sp.csr_matrix(
        (np.ones(int(members.sum()), dtype=np.float32), (labels[members], np.flatnonzero(members))),
        shape=(max(used, default=-1) + 1, len(labels)),
    )
    sums = np.asarray((indicator @ tfidf).todense()) if tfidf.shape[1] else None
    orders = {}
    for c in used:
        rows = np.flatnonzero(labels == c)
        centre = normalize(embedding[rows].mean(axis=0, keepdims=True))[0]
        orders[c] = rows[np.argsort(-(embedding[rows] @ centre), kind="stable")]
    names = dict(zip(used, name_clusters([[texts_kept[r] for r in orders[c][:200]] for c in used])))
    for c in used:
        order = orders[c]
        member_ids = tuple(ids_kept[r] for r in order)
        mean_cluster = sums[c] / len(order) if sums is not None else None
        terms = top_terms(mean_cluster, mean_all, features, order[:100], texts_kept, surface, n_top_terms, stemmer)
        mix: tuple[tuple[str, int], ...] = ()
        if themes is not None:
            counts = Counter(themes[kept[r]] for r in order if themes[kept[r]] is not None)
            mix = tuple(sorted(counts.items(), key=lambda tc: (-tc[1], tc[0])))
        clusters.append(
            Cluster(
                key=keys[c],
                label=names[c] or ", ".join(terms[:3]),
                top_terms=terms,
                ids=member_ids,
                representative_ids=member_ids[:3],
                theme_mix=mix,
            )
        )
        for id_ in member_ids:
            assignment[id_] = keys[c]
    outliers = tuple(ids_kept[r] for r in np.flatnonzero(labels == -1))
    for id_ in outliers:
        assignment[id_] = None
    clusters.sort(key=lambda cl: (-cl.size, key_order(cl.key)))
    map_rows = fit_rows[:sample_size] if fit_rows is not None and len(fit_rows) > 1 else None
    points = coordinates(embedding, map_rows)
    return ClusteringResult(
        clusters=tuple(clusters),
        assignment=assignment,
        outliers=outliers,
        excluded=tuple(id_ for id_ in ids if id_ in excluded),
        k_scores=k_scores,
        coordinates=dict(zip(ids_kept, map(tuple, np.round(points, 6).tolist()))),
    )


def top_terms(
    mean_cluster, mean_all, names, central_rows, texts_kept, surface, n_top_terms: int, stemmer: str
) -> tuple[str, ...]:
    """The cluster's most distinctive words, as the surface forms its central members use."""
    if mean_cluster is None:
        return ()
    # Distinctive = frequent here and rarer elsewhere; the product favours words that
    # are both, unlike a plain difference that picks generic frequent words.
    distinct = mean_cluster * np.log1p(mean_cluster / (mean_all + 1e-9))
    best = [i for i in np.argsort(-distinct, kind="stable")[: 4 * n_top_terms] if distinct[i] > 0]
    # Shown as the surface word most used by the 100 most central members (counted once
    # during tokenisation; n-gram features fall back to re-reading those texts).
    if isinstance(surface, SurfaceCounts):
        words = surface.display_forms(central_rows, best, [str(names[i]) for i in best])
    else:
        words = display_forms([texts_kept[r] for r in central_rows], [names[i] for i in best], stemmer)
    unique = list(dict.fromkeys(w for w in words if len(w) > 2 or w.isdigit()))
    return tuple(keywords(unique, [texts_kept[r] for r in central_rows])[:n_top_terms])


def coordinates(embedding: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """First two principal components of the rows, each scaled to [0, 1] (0.5 if flat).

    The axes are fitted on ``rows`` (default: all; at 100,000 texts of 562 dimensions the full
    covariance would cost seconds) and every row is projected. Deterministic:
    eigen-decomposition of the small covariance matrix, each axis oriented so that its
    largest loading is positive.
    """
    n = len(embedding)
    out = np.full((n, 2), 0.5)
    if n < 2 or embedding.shape[1] == 0:
        return out
    fitted = embedding if rows is None or len(rows) < 2 else embedding[rows]
    data = fitted.astype(np.float64)
    mean = data.mean(axis=0)
    centred = data - mean
    _, vectors = np.linalg.eigh(centred.T @ centred)
    axes = vectors[:, ::-1][:, :2]
    axes = axes * np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(axes.shape[1])])
    points = (embedding @ axes.astype(embedding.dtype)).astype(np.float64) - mean @ axes
    for j in range(points.shape[1]):
        low, high = points[:, j].min(), points[:, j].max()
        if high - low > 1e-9:
            out[:, j] = (points[:, j] - low) / (high - low)
    return out
