"""Clustering figures: NMI / ARI against the organisers' themes, and stability on re-runs."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.clustering import ThemeClusterer
from nlp.evaluate_data import Dataset, timed
from nlp.stability import co_assignment_stability

__all__ = ["clustering_scores", "stability_scores"]


def clustering_scores(data: Dataset, random_state: int, vectors) -> dict:
    """NMI / ARI / seconds; ``vectors`` are the texts' sentence embeddings, computed once (as the app stores them)."""
    k = len(set(data.themes))
    fit_k, fit_auto = ThemeClusterer(k, random_state=random_state), ThemeClusterer(random_state=random_state)
    ours, t_ours = timed(fit_k.fit_predict, data.ids, data.texts, vectors=vectors)
    auto, t_auto = timed(fit_auto.fit_predict, data.ids, data.texts, vectors=vectors)

    def baseline():
        matrix = TfidfVectorizer().fit_transform(data.texts)
        return KMeans(k, n_init=10, random_state=0).fit_predict(matrix)

    base, t_base = timed(baseline)
    out = {}
    for name, labels, seconds in (
        ("ours (k=themes)", [ours.assignment[i] or "outliers" for i in data.ids], t_ours),
        (f"ours (auto k={auto.n_clusters})", [auto.assignment[i] or "outliers" for i in data.ids], t_auto),
        ("baseline tfidf+kmeans", list(base), t_base),
    ):
        out[name] = (
            normalized_mutual_info_score(data.themes, labels),
            adjusted_rand_score(data.themes, labels),
            seconds,
        )
    return out


def stability_scores(data: Dataset, random_state: int, vectors) -> tuple[float, float]:
    """Co-assignment kept after adding 5% new texts: with and without the previous run."""
    rng = np.random.default_rng(random_state)
    n = len(data.ids)
    old = np.sort(rng.choice(n, n - max(1, n // 20), replace=False))
    k = len(set(data.themes))
    first = ThemeClusterer(k, random_state=random_state).fit_predict(
        [data.ids[i] for i in old], [data.texts[i] for i in old], vectors=vectors[old]
    )
    again = ThemeClusterer(random_state=random_state).fit_predict(
        data.ids, data.texts, previous=first.assignment, vectors=vectors
    )
    fresh = ThemeClusterer(k, random_state=random_state).fit_predict(data.ids, data.texts, vectors=vectors)
    return co_assignment_stability(first.assignment, again.assignment), co_assignment_stability(
        first.assignment, fresh.assignment
    )
