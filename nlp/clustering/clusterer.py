"""Theme clustering: French TF-IDF (LSA) and sentence vectors → spectral clustering, with moderator constraints.

The number of clusters is given by the moderator or chosen automatically (knee of the k-means inertia
curve, or the best cosine silhouette) over a range of k. Moderator decisions (pinned, excluded,
must-link, cannot-link) are plain data in :class:`Constraints` and are enforced by a constrained
assignment of every text to the clusters' centres, so every re-run respects them. Passing the
previous run's assignment seeds k-means with the previous clusters and keeps their keys (Hungarian matching on overlap).

The steps live in ``features`` (LSA + sentence vectors), ``centres`` (k, spectral / k-means),
``assignment`` (constraints, hysteresis, keys) and ``labels`` (names, keywords, 2-D map).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from nlp._validation import check_corpus
from nlp.clustering.assignment import cluster_keys, constrained_assignment, constraint_units, seed_centroids
from nlp.clustering.centres import choose_k, initial_centres
from nlp.clustering.features import check_vectors, combine, distinct_rows, lsa_rows
from nlp.clustering.labels import build_result
from nlp.clustering.results import ClusteringResult, Constraints
from nlp.embeddings import embed
from nlp.text import FrenchVectorizer

__all__ = ["ThemeClusterer", "cluster_contributions"]


class ThemeClusterer:
    """Cluster contributions into themes; deterministic for a given ``random_state``.

    Parameters
    ----------
    n_clusters : int, optional
        Number of clusters set by the moderator. ``None``: as many as the previous run
        when one is given, otherwise the best silhouette within ``k_range``.
    k_range : tuple of int, default=(2, 20)
        Inclusive range searched when choosing k automatically.
    n_components : int, default=50
        LSA dimensions (TruncatedSVD). 50 rather than 100: NMI at k = #themes on Grand Débat
        0.196 -> 0.291, République numérique 0.136 -> 0.137 (mean of 5 seeds), and half the
        SVD and k-means time; see ``nlp/README.md``.
    outlier_threshold : float, default=0.15
        Texts whose cosine to their cluster centre (LSA space) is below this go to the
        outlier bucket.
    sample_size : int, default=5000
        The SVD is fitted on at most this many distinct texts (see ``dedup``) and every text
        is projected; k-means is fitted on at most 3,000 distinct texts and every text assigned.
    stemmer : str, default="snowball"
    ngram_range : tuple of int, default=(1, 1)
    random_state : int, default=0
    n_threads : int or None, default=1
        BLAS/OpenMP threads for the SVD and k-means (``None``: the libraries' default).
    svd_iter : int, default=4
        Power iterations of the randomized SVD. 2 halves the SVD time but, at 50 dims, lowers
        NMI (GDN 0.291 -> 0.246) and re-runs drift: stability after +5% texts on RN falls from
        0.967 to 0.897, under the 0.90 target, so 4 stays the default.
    n_init : int, default=4
        k-means++ restarts (the best inertia is kept).
    k_criterion : {"knee", "silhouette"}, default="knee"
        Automatic k: the knee of the k-means inertia curve over ``k_range`` (Kneedle: the k
        farthest above the straight line between the curve's ends, both axes scaled to
        [0, 1]), or the best silhouette (which keeps rising with k on these corpora and so
        always picked the top of the range). ``k_scores`` reports silhouettes either way.
    dedup : bool, default=True
        Fit the SVD and k-means on distinct texts only (one row per identical TF-IDF vector;
        every copy is still assigned). A text pasted 70 times is one opinion, not a mass
        that pulls a centre to itself (measured: NMI at k = #themes on Grand Débat
        0.13 -> 0.22, République numérique unchanged). Samples, when needed, are then taken
        by a hash of the text, so a re-run with a few more texts fits on almost the same rows.
    keep_margin : float, default=0.05
        With ``previous``: a contribution stays in its previous cluster unless another
        cluster's centre is closer by more than this cosine margin (hysteresis, so that a
        re-run does not move texts for a marginal difference). 0 disables it.

    Attributes
    ----------
    vectorizer_ : FrenchVectorizer
    embedding_ : numpy.ndarray of shape (n_clustered, n_components)
        L2-normalised LSA rows of the clustered (non-excluded) texts.
    result_ : ClusteringResult
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: tuple[int, int] = (2, 20),
        n_components: int = 50,
        outlier_threshold: float = 0.15,
        sample_size: int = 5000,
        stemmer: str = "snowball",
        ngram_range: tuple[int, int] = (1, 1),
        n_top_terms: int = 5,
        random_state: int = 0,
        n_threads: int | None = 1,
        svd_iter: int = 4,
        n_init: int = 4,
        k_criterion: str = "knee",
        dedup: bool = True,
        keep_margin: float = 0.05,
        semantic_weight: float = 0.7,
        centre_vectors: bool = False,
        algorithm: str = "spectral",
    ):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.n_components = n_components
        self.outlier_threshold = outlier_threshold
        self.sample_size = sample_size
        self.stemmer = stemmer
        self.ngram_range = ngram_range
        self.n_top_terms = n_top_terms
        self.random_state = random_state
        self.n_threads = n_threads
        self.svd_iter = svd_iter
        self.n_init = n_init
        if k_criterion not in ("knee", "silhouette"):
            raise ValueError(f"k_criterion must be 'knee' or 'silhouette', got {k_criterion!r}")
        self.k_criterion = k_criterion
        self.dedup = dedup
        self.keep_margin = keep_margin
        if not 0.0 <= semantic_weight <= 1.0:
            raise ValueError(f"semantic_weight must be within [0, 1], got {semantic_weight}")
        self.semantic_weight = semantic_weight
        self.centre_vectors = centre_vectors
        if algorithm not in ("spectral", "kmeans"):
            raise ValueError(f"algorithm must be 'spectral' or 'kmeans', got {algorithm!r}")
        self.algorithm = algorithm

    def fit(
        self,
        ids: Sequence[Hashable],
        texts: Sequence[str],
        *,
        themes: Sequence[str | None] | None = None,
        constraints: Constraints | None = None,
        previous: Mapping[Hashable, str | None] | None = None,
        vectors: np.ndarray | None = None,
    ) -> ThemeClusterer:
        """Cluster ``texts`` and store the outcome in ``result_``; return ``self``.

        ``vectors``: sentence embeddings of ``texts`` (one row per text, e.g. the stored ones);
        computed with :func:`nlp.embeddings.embed` when ``None`` and ``semantic_weight > 0``.
        A zero row (no vector yet) leaves that text to its lexical features.

        Raises
        ------
        ValueError
            On invalid input, an unknown id in ``constraints``, or contradictory
            constraints (a must-link group pinned to two clusters, a cannot-link pair
            inside a must-link group or pinned to the same cluster).
        """
        # One BLAS/OpenMP thread by default: the SVD and k-means are small, and on a busy
        # 2-core server (web workers, tests) extra threads oversubscribe the CPU and made
        # the SVD 5x slower (measured: 0.4 s with 1 thread vs 2.8 s with 2 under load).
        with threadpool_limits(self.n_threads):
            return self._fit(ids, texts, themes=themes, constraints=constraints, previous=previous, vectors=vectors)

    def _fit(self, ids, texts, *, themes, constraints, previous, vectors) -> ThemeClusterer:
        ids, texts, themes = check_corpus(ids, texts, themes)
        vectors = check_vectors(vectors, len(ids)) if self.semantic_weight > 0 else None
        constraints = constraints or Constraints()
        if self.n_clusters is not None and self.n_clusters < 1:
            raise ValueError(f"n_clusters must be at least 1, got {self.n_clusters}")
        rng = check_random_state(self.random_state)
        excluded = set(constraints.excluded)
        kept = [i for i, id_ in enumerate(ids) if id_ not in excluded]
        ids_kept = [ids[i] for i in kept]
        texts_kept = [texts[i] for i in kept]
        units, fixed, forbidden = constraint_units(ids_kept, constraints, ids)
        if not ids_kept:
            self.result_ = ClusteringResult((), {}, excluded=tuple(i for i in ids if i in excluded))
            return self

        self.vectorizer_ = FrenchVectorizer(stemmer=self.stemmer, ngram_range=self.ngram_range)
        tfidf, surface = self.vectorizer_._fit_transform(texts_kept, surface=True)
        fit_rows = distinct_rows(tfidf, texts_kept, self.random_state) if self.dedup else None
        self.embedding_ = lsa_rows(tfidf, self.n_components, self.svd_iter, fit_rows, self.sample_size, rng)
        if self.semantic_weight > 0:
            if vectors is None:
                semantic = embed(texts_kept)
            elif len(kept) == len(ids):
                semantic = vectors  # no copy when nothing is excluded (1 GB of float16 at a million texts)
            else:
                semantic = vectors[kept]
            self.embedding_ = combine(
                self.embedding_, semantic, self.semantic_weight, centre=self.centre_vectors, fit_rows=fit_rows
            )
        previous = {k: v for k, v in (previous or {}).items() if v is not None}
        seeds = seed_centroids(self.embedding_, ids_kept, previous, constraints.pinned)
        k, k_scores = choose_k(self.embedding_, self.n_clusters, seeds, self.k_range, self.k_criterion, fit_rows, rng)
        centroids, seed_keys = initial_centres(self.embedding_, k, seeds, self.algorithm, self.n_init, fit_rows, rng)
        # Re-centring moves clusters; when they come from a previous run, one round keeps
        # them where moderators last saw them (measured on République numérique: 0.90 -> 0.93 of co-assignments kept).
        n_rounds = 1 if seeds and len(seeds) >= k else 3
        labels, index_of = constrained_assignment(
            self.embedding_,
            centroids,
            seed_keys,
            units,
            fixed,
            forbidden,
            self.outlier_threshold,
            n_rounds,
            previous_keys=[previous.get(i) for i in ids_kept] if previous else None,
            keep_margin=self.keep_margin,
        )
        keys = cluster_keys(labels, ids_kept, index_of, previous)
        self.result_ = build_result(
            self.embedding_,
            self.vectorizer_,
            surface,
            ids=ids,
            ids_kept=ids_kept,
            texts_kept=texts_kept,
            themes=themes,
            kept=kept,
            tfidf=tfidf,
            labels=labels,
            keys=keys,
            k_scores=k_scores,
            excluded=excluded,
            fit_rows=fit_rows,
            sample_size=self.sample_size,
            n_top_terms=self.n_top_terms,
            stemmer=self.stemmer,
        )
        return self

    def fit_predict(self, ids, texts, **kwargs) -> ClusteringResult:
        """Same as :meth:`fit` and return ``result_``."""
        return self.fit(ids, texts, **kwargs).result_


def cluster_contributions(
    ids: Sequence[Hashable],
    texts: Sequence[str],
    *,
    themes: Sequence[str | None] | None = None,
    n_clusters: int | None = None,
    constraints: Constraints | None = None,
    previous: Mapping[Hashable, str | None] | None = None,
    random_state: int = 0,
    vectors: np.ndarray | None = None,
) -> ClusteringResult:
    """Cluster contributions into labelled themes; see :class:`ThemeClusterer` for the details.

    Parameters
    ----------
    ids : sequence of hashable
        Unique contribution ids.
    texts : sequence of str
        Their texts.
    themes : sequence of str, optional
        Organiser theme of each text, reported as each cluster's ``theme_mix``.
    n_clusters : int, optional
        Set by the moderator; chosen automatically when ``None``.
    constraints : Constraints, optional
        Moderator decisions, always respected.
    previous : mapping id -> cluster key, optional
        Assignment of the previous run: its clusters seed this run and keep their keys.
    random_state : int, default=0
    vectors : array of shape (n_texts, d), optional
        Stored sentence embeddings of ``texts`` (:func:`nlp.embeddings.embed`), in the same
        order; computed here when ``None``. A zero row means "no vector yet".

    Returns
    -------
    ClusteringResult
        Empty clusters and assignment for an empty input.

    Raises
    ------
    ValueError
        On invalid input or contradictory constraints.

    Examples
    --------
    >>> texts = ["vélo en ville", "pistes de vélo", "impôt juste", "impôt progressif"]
    >>> result = cluster_contributions([1, 2, 3, 4], texts, n_clusters=2)
    >>> sorted(len(c.ids) for c in result.clusters)
    [2, 2]
    """
    clusterer = ThemeClusterer(n_clusters, random_state=random_state)
    return clusterer.fit_predict(ids, texts, themes=themes, constraints=constraints, previous=previous, vectors=vectors)
