"""Theme clustering: French TF-IDF (LSA) and sentence vectors → spectral clustering, with moderator constraints.

The number of clusters is given by the moderator or chosen automatically (knee of the k-means inertia
curve, or the best cosine silhouette) over a range of k. Moderator decisions (pinned, excluded,
must-link, cannot-link) are plain data in :class:`Constraints` and are enforced by a constrained
assignment of every text to the clusters' centres, so every re-run respects them. Passing the
previous run's assignment seeds k-means with the previous clusters and keeps their keys (Hungarian matching on overlap).
"""

from __future__ import annotations

import re
import warnings
import zlib
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, SpectralClustering, kmeans_plusplus
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from nlp._validation import check_corpus, check_pairs
from nlp.embeddings import embed
from nlp.naming import is_filler, name_clusters
from nlp.stability import match_clusters
from nlp.text import FrenchVectorizer, SurfaceCounts, display_forms

_KMEANS_SAMPLE = 3000
_SPECTRAL_MIN_ROWS = 10  # below, k-means
_SPECTRAL_NEIGHBOURS = 15  # at most; fewer for small corpora (about half a cluster's expected size)

__all__ = ["Cluster", "ClusteringResult", "Constraints", "ThemeClusterer", "cluster_contributions"]


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
        vectors = _check_vectors(vectors, len(ids)) if self.semantic_weight > 0 else None
        constraints = constraints or Constraints()
        if self.n_clusters is not None and self.n_clusters < 1:
            raise ValueError(f"n_clusters must be at least 1, got {self.n_clusters}")
        rng = check_random_state(self.random_state)
        excluded = set(constraints.excluded)
        kept = [i for i, id_ in enumerate(ids) if id_ not in excluded]
        ids_kept = [ids[i] for i in kept]
        texts_kept = [texts[i] for i in kept]
        units, fixed, forbidden = _constraint_units(ids_kept, constraints, ids)
        if not ids_kept:
            self.result_ = ClusteringResult((), {}, excluded=tuple(i for i in ids if i in excluded))
            return self

        self.vectorizer_ = FrenchVectorizer(stemmer=self.stemmer, ngram_range=self.ngram_range)
        tfidf, self._surface = self.vectorizer_._fit_transform(texts_kept, surface=True)
        self._fit_rows = _fit_rows(tfidf, texts_kept, self.random_state) if self.dedup else None
        self.embedding_ = self._embed(tfidf, rng)
        if self.semantic_weight > 0:
            semantic = vectors[kept] if vectors is not None else embed(texts_kept)
            self.embedding_ = self._combine(self.embedding_, semantic)
        previous = {k: v for k, v in (previous or {}).items() if v is not None}
        seeds = _seed_centroids(self.embedding_, ids_kept, previous, constraints.pinned)
        k, k_scores = self._choose_k(len(ids_kept), seeds, rng)
        centroids, seed_keys = self._kmeans(k, seeds, rng)
        # Re-centring moves clusters; when they come from a previous run, one round keeps
        # them where moderators last saw them (measured on République numérique: 0.90 -> 0.93 of co-assignments kept).
        n_rounds = 1 if seeds and len(seeds) >= k else 3
        labels, index_of = _constrained_assignment(
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
        keys = _cluster_keys(labels, ids_kept, index_of, previous)
        self.result_ = self._result(ids, ids_kept, texts_kept, themes, kept, tfidf, labels, keys, k_scores, excluded)
        self._surface = None  # only needed for the labels
        return self

    def fit_predict(self, ids, texts, **kwargs) -> ClusteringResult:
        """Same as :meth:`fit` and return ``result_``."""
        return self.fit(ids, texts, **kwargs).result_

    def _embed(self, tfidf: sp.csr_matrix, rng) -> np.ndarray:
        n, n_features = tfidf.shape
        n_components = min(self.n_components, n_features - 1, n - 1)
        if n_features == 0:
            return np.zeros((n, 1), dtype=np.float32)
        if n_components < 2:
            return normalize(tfidf.toarray().astype(np.float32))
        svd = TruncatedSVD(
            n_components, algorithm="randomized", n_iter=self.svd_iter, random_state=rng.randint(2**31 - 1)
        )
        fit_rows = self._sample(n, self.sample_size, rng, minimum=n_components + 1)
        fit_matrix = tfidf if fit_rows is None else tfidf[fit_rows]
        # Words in fewer than two fitted texts cannot co-occur: leaving their columns out
        # changes the components little and shrinks the SVD's dense steps (features x dims).
        columns = np.flatnonzero(np.bincount(fit_matrix.indices, minlength=n_features) >= 2)
        if len(columns) <= n_components:
            columns = np.arange(n_features)
        self.svd_columns_ = columns
        self.svd_ = svd.fit(fit_matrix[:, columns])
        return normalize(svd.transform(tfidf[:, columns]).astype(np.float32))

    def _combine(self, lexical: np.ndarray, semantic: np.ndarray) -> np.ndarray:
        """Unit rows whose cosine is ``(1 - w) * lexical cosine + w * semantic cosine``.

        Built in place in one float32 array (at 100,000 texts every copy costs 200 MB). With
        ``centre_vectors`` the sentence vectors are first centred on the mean of the fitted
        (distinct) texts. A text without a vector (zero row) keeps its lexical row alone.
        """
        n, width = lexical.shape
        out = np.empty((n, width + semantic.shape[1]), dtype=np.float32)
        out[:, :width] = lexical
        out[:, :width] *= np.sqrt(1.0 - self.semantic_weight)
        part = out[:, width:]
        part[:] = semantic
        norms = np.sqrt(np.einsum("ij,ij->i", part, part))
        present = norms > 0
        if self.centre_vectors and present.any():
            rows = self._fit_rows if self._fit_rows is not None and len(self._fit_rows) else np.arange(n)
            rows = rows[present[rows]]
            part[present] -= part[rows if len(rows) else present].mean(axis=0)
            norms = np.sqrt(np.einsum("ij,ij->i", part, part))
            present = norms > 0
        part *= (np.sqrt(self.semantic_weight) / np.where(present, norms, 1.0))[:, None].astype(np.float32)
        if not present.all():
            out[~present] = normalize(out[~present])
        return out

    def _sample(self, n: int, size: int, rng, minimum: int = 2) -> np.ndarray | None:
        """Rows to fit on (sorted), or ``None`` for all rows.

        With ``dedup``: the distinct texts (one row per identical TF-IDF vector), and above
        ``size`` the ``size`` of them with the smallest hash of their text, so that a re-run
        with a few more texts fits on almost the same sample. Without: a random sample.
        Fewer than ``minimum`` distinct rows: all rows.
        """
        if self._fit_rows is not None and len(self._fit_rows) >= minimum:
            if len(self._fit_rows) == n and n <= size:
                return None
            return np.sort(self._fit_rows[:size])
        if n <= size:
            return None
        return np.sort(rng.choice(n, size, replace=False))

    def _choose_k(self, n: int, seeds: list[tuple[str, np.ndarray]], rng) -> tuple[int, tuple]:
        if n <= 1:
            return max(n, 1), ()
        if self.n_clusters is not None:
            return min(self.n_clusters, n), ()
        if seeds:
            return min(len(seeds), n), ()
        low, high = self.k_range
        high = min(high, n - 1)
        if high < max(low, 2):
            return 1 if n < 3 else min(2, n), ()
        rows = self._sample(len(self.embedding_), 3000, rng, minimum=high + 1)
        sample = self.embedding_ if rows is None else self.embedding_[rows]
        scores, inertias = [], []
        # The silhouette of every k is measured on the same 2,000 rows (the subsample
        # silhouette_score(sample_size=2000, random_state=0) would draw): their cosine
        # distances are computed once instead of once per k.
        sub = np.random.RandomState(0).permutation(len(sample))[:2000]
        distances = np.clip(1.0 - sample[sub] @ sample[sub].T, 0.0, 2.0)
        np.fill_diagonal(distances, 0.0)
        for k in range(max(low, 2), high + 1):
            model = KMeans(k, n_init=1, random_state=rng.randint(2**31 - 1)).fit(sample)
            labels = model.labels_
            if not 2 <= len(set(labels[sub].tolist())) < len(sub):
                continue
            score = silhouette_score(distances, labels[sub], metric="precomputed")
            scores.append((k, round(float(score), 4)))
            inertias.append(float(model.inertia_))
        if not scores:
            return 1, ()
        if self.k_criterion == "silhouette" or len(scores) < 3:
            best = max(scores, key=lambda ks: (ks[1], -ks[0]))[0]
        else:
            best = _knee([k for k, _ in scores], inertias)
        return best, tuple(scores)

    def _kmeans(self, k: int, seeds, rng) -> tuple[np.ndarray, list[str | None]]:
        data = self.embedding_
        n = len(data)
        if k <= 1 or n <= 1:
            centroid = normalize(data.mean(axis=0, keepdims=True)) if n else np.zeros((1, data.shape[1]))
            return centroid.astype(np.float32), [seeds[0][0] if seeds else None]
        seed_keys: list[str | None] = [key for key, _ in seeds][:k]
        init = np.array([c for _, c in seeds][:k], dtype=np.float32).reshape(-1, data.shape[1])
        # k-means on the LSA rows converges on a few thousand texts; the rest are assigned
        # to the nearest centre and the constrained assignment re-centres on every text
        # (measured at 50 dims, mean of 5 seeds: 3,000 vs 5,000 texts, NMI GDN 0.291 vs 0.291,
        # RN 0.133 vs 0.137, within seed noise; 0.06 s instead of 0.11 s at 10k).
        rows = self._sample(n, _KMEANS_SAMPLE, rng, minimum=k)
        fit_data = data if rows is None else data[rows]
        seed_keys += [None] * (k - len(seed_keys))
        if seeds and len(init) < k:
            # New clusters next to the previous ones: k-means++ for the missing centres only
            # (without seeds, KMeans runs its own k-means++ restarts).
            extra, _ = kmeans_plusplus(fit_data, k - len(init), random_state=rng.randint(2**31 - 1))
            init = np.vstack([init, extra]) if len(init) else extra
        seed = rng.randint(2**31 - 1)
        if len(seeds) >= k:
            # Previous clusters are kept as they are: a full k-means from them drifts and
            # breaks co-assignments; the constrained assignment still re-centres them.
            return init[:k], seed_keys
        if not seeds and self.algorithm == "spectral" and len(fit_data) >= _SPECTRAL_MIN_ROWS:
            return _spectral_centres(fit_data, k, seed), seed_keys
        if seeds:
            model = KMeans(k, init=init, n_init=1, random_state=seed)
        else:
            model = KMeans(k, n_init=self.n_init, random_state=seed)
        model.fit(fit_data)
        return normalize(model.cluster_centers_.astype(np.float32)), seed_keys

    def _result(self, ids, ids_kept, texts_kept, themes, kept, tfidf, labels, keys, k_scores, excluded):
        clusters = []
        assignment: dict = {}
        mean_all = np.asarray(tfidf.mean(axis=0)).ravel()
        features = self.vectorizer_.feature_names_
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
            centre = normalize(self.embedding_[rows].mean(axis=0, keepdims=True))[0]
            orders[c] = rows[np.argsort(-(self.embedding_[rows] @ centre), kind="stable")]
        names = dict(zip(used, name_clusters([[texts_kept[r] for r in orders[c][:200]] for c in used])))
        for c in used:
            order = orders[c]
            member_ids = tuple(ids_kept[r] for r in order)
            mean_cluster = sums[c] / len(order) if sums is not None else None
            top_terms = self._top_terms(mean_cluster, mean_all, features, order[:100], texts_kept)
            mix = ()
            if themes is not None:
                counts = Counter(themes[kept[r]] for r in order if themes[kept[r]] is not None)
                mix = tuple(sorted(counts.items(), key=lambda tc: (-tc[1], tc[0])))
            clusters.append(
                Cluster(
                    key=keys[c],
                    label=names[c] or ", ".join(top_terms[:3]),
                    top_terms=top_terms,
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
        clusters.sort(key=lambda cl: (-cl.size, _key_order(cl.key)))
        rows = self._fit_rows[: self.sample_size] if self._fit_rows is not None and len(self._fit_rows) > 1 else None
        points = _coordinates(self.embedding_, rows)
        return ClusteringResult(
            clusters=tuple(clusters),
            assignment=assignment,
            outliers=outliers,
            excluded=tuple(id_ for id_ in ids if id_ in excluded),
            k_scores=k_scores,
            coordinates=dict(zip(ids_kept, map(tuple, np.round(points, 6).tolist()))),
        )

    def _top_terms(self, mean_cluster, mean_all, names, central_rows, texts_kept) -> tuple[str, ...]:
        if mean_cluster is None:
            return ()
        # Distinctive = frequent here and rarer elsewhere; the product favours words that
        # are both, unlike a plain difference that picks generic frequent words.
        distinct = mean_cluster * np.log1p(mean_cluster / (mean_all + 1e-9))
        best = [i for i in np.argsort(-distinct, kind="stable")[: 4 * self.n_top_terms] if distinct[i] > 0]
        # Shown as the surface word most used by the 100 most central members (counted once
        # during tokenisation; n-gram features fall back to re-reading those texts).
        if isinstance(self._surface, SurfaceCounts):
            words = self._surface.display_forms(central_rows, best, [str(names[i]) for i in best])
        else:
            words = display_forms([texts_kept[r] for r in central_rows], [names[i] for i in best], self.stemmer)
        unique = list(dict.fromkeys(w for w in words if (len(w) > 2 or w.isdigit()) and not is_filler(w)))
        return tuple(unique[: self.n_top_terms])


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


def _spectral_centres(data: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Centres of a spectral clustering of ``data`` (k-nearest-neighbour graph, QR assignment).

    Themes are regions of texts close to each other rather than balls around a centre: the
    neighbour graph follows them where k-means cuts the largest theme in pieces.
    """
    neighbours = min(_SPECTRAL_NEIGHBOURS, max(5, len(data) // (2 * k)), len(data) - 1)
    model = SpectralClustering(
        k,
        affinity="nearest_neighbors",
        n_neighbors=neighbours,
        assign_labels="cluster_qr",
        eigen_solver="lobpcg",
        random_state=seed,
    )
    with warnings.catch_warnings():
        # Small corpora: "dense eigensolver instead of LOBPCG", "graph is not fully connected".
        warnings.simplefilter("ignore", UserWarning)
        labels = model.fit_predict(data)
    centres = [data[labels == c].mean(axis=0) for c in range(k) if (labels == c).any()]
    return normalize(np.asarray(centres, dtype=np.float32))


def _check_vectors(vectors, n: int) -> np.ndarray | None:
    """``vectors`` as a finite float32 (n, d) array, or ``None``; ``ValueError`` otherwise."""
    if vectors is None:
        return None
    array = np.asarray(vectors)
    if array.dtype not in (np.float16, np.float32):
        array = array.astype(np.float32)
    if array.ndim != 2 or array.shape[0] != n or array.shape[1] == 0:
        raise ValueError(f"vectors must have one row per text ({n}), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("vectors contain NaN or infinite values")
    return array


def _fit_rows(tfidf: sp.csr_matrix, texts: Sequence[str], random_state) -> np.ndarray:
    """Distinct non-empty rows of ``tfidf`` (first of each identical vector), by text hash.

    The order is a CRC-32 of each text salted with ``random_state``: deterministic, and
    independent of the other texts, so a sample of the first rows barely changes when a
    few texts are added. Identical vectors are found by two random projections (identical
    rows give bit-identical products; distinct rows colliding on both is negligible).
    """
    n = tfidf.shape[0]
    salt = zlib.crc32(str(random_state).encode())
    priority = np.fromiter(
        (zlib.crc32(t.encode("utf-8", "surrogatepass"), salt) for t in texts), dtype=np.int64, count=n
    )
    order = np.argsort(priority, kind="stable")
    order = order[tfidf.getnnz(axis=1)[order] > 0]
    if len(order) == 0:
        return order
    projection = np.random.default_rng(0).standard_normal((tfidf.shape[1], 2))
    signature = np.asarray(tfidf[order] @ projection)
    _, first = np.unique(signature, axis=0, return_index=True)
    return order[np.sort(first)]


def _coordinates(embedding: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
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


def _knee(ks: list[int], inertias: list[float]) -> int:
    """Kneedle on a decreasing inertia curve: the k that gains most over a linear decrease."""
    x = (np.asarray(ks, dtype=float) - ks[0]) / max(ks[-1] - ks[0], 1)
    y = np.asarray(inertias, dtype=float)
    span = y.max() - y.min()
    if span <= 0:
        return ks[0]
    gain = (y.max() - y) / span - x
    return int(ks[int(np.argmax(gain))])


def _key_order(key: str):
    match = re.fullmatch(r"c(\d+)", key)
    return (0, int(match.group(1)), "") if match else (1, 0, key)


def _constraint_units(ids_kept, constraints: Constraints, all_ids):
    """Group must-linked ids into units; return (units, fixed key per unit, forbidden unit pairs)."""
    position = {id_: i for i, id_ in enumerate(ids_kept)}
    known = set(all_ids)
    must = check_pairs(constraints.must_link, name="must_link")
    cannot = check_pairs(constraints.cannot_link, name="cannot_link")
    for id_ in [*constraints.pinned, *constraints.excluded, *(x for pair in must + cannot for x in pair)]:
        if id_ not in known:
            raise ValueError(f"constraints refer to an unknown id: {id_!r}")
    parent = list(range(len(ids_kept)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in must:
        if a in position and b in position:
            parent[find(position[b])] = find(position[a])
    members: dict[int, list[int]] = {}
    for i in range(len(ids_kept)):
        members.setdefault(find(i), []).append(i)
    units = list(members.values())
    unit_of = np.empty(len(ids_kept), dtype=np.int64)
    for u, rows in enumerate(units):
        unit_of[rows] = u
    fixed: dict[int, str] = {}
    for id_, key in constraints.pinned.items():
        if id_ not in position:
            continue
        u = int(unit_of[position[id_]])
        if fixed.get(u, key) != key:
            raise ValueError(f"must-linked contributions are pinned to different clusters: {fixed[u]!r} and {key!r}")
        fixed[u] = str(key)
    forbidden: dict[int, set[int]] = {}
    for a, b in cannot:
        if a not in position or b not in position:
            continue
        ua, ub = int(unit_of[position[a]]), int(unit_of[position[b]])
        if ua == ub:
            raise ValueError(f"{a!r} and {b!r} must be together (must_link) and apart (cannot_link)")
        if ua in fixed and fixed.get(ua) == fixed.get(ub):
            raise ValueError(f"{a!r} and {b!r} cannot be together but are both pinned to {fixed[ua]!r}")
        forbidden.setdefault(ua, set()).add(ub)
        forbidden.setdefault(ub, set()).add(ua)
    return units, fixed, forbidden


def _seed_centroids(embedding, ids_kept, previous, pinned) -> list[tuple[str, np.ndarray]]:
    """Centroids of the previous run's clusters and of pinned keys, in this run's space."""
    position = {id_: i for i, id_ in enumerate(ids_kept)}
    rows_by_key: dict[str, list[int]] = {}
    for source in (previous, pinned):
        for id_, key in source.items():
            if id_ in position:
                rows_by_key.setdefault(str(key), []).append(position[id_])
    seeds = []
    for key in sorted(rows_by_key, key=_key_order):
        centre = embedding[rows_by_key[key]].mean(axis=0, keepdims=True)
        if np.linalg.norm(centre) > 0:
            seeds.append((key, normalize(centre)[0]))
    return seeds


def _constrained_assignment(
    embedding,
    centroids,
    seed_keys,
    units,
    fixed,
    forbidden,
    outlier_threshold,
    n_rounds=3,
    previous_keys=None,
    keep_margin=0.0,
):
    """Assign whole must-link units, honour pins and cannot-links, send far texts to outliers.

    Pinned keys that are not among the k-means seeds become extra clusters appended after
    them, centred on their pinned members. A row whose previous key (``previous_keys``, one
    per row or None) is still a cluster stays there unless another centre is closer by more
    than ``keep_margin`` (cosine). Returns one label per row, -1 for outliers.
    """
    index_of = {key: c for c, key in enumerate(seed_keys) if key is not None}
    for key in sorted(set(fixed.values()) - set(index_of), key=_key_order):
        index_of[key] = len(centroids)
        rows = [r for u, k in fixed.items() if k == key for r in units[u]]
        centroids = np.vstack([centroids, normalize(embedding[rows].mean(axis=0, keepdims=True))])
    constrained = [u for u, rows in enumerate(units) if len(rows) > 1 or u in fixed or u in forbidden]
    free = [u for u in constrained if u not in fixed]
    empty = np.linalg.norm(embedding, axis=1) == 0
    before = np.array([index_of.get(k, -1) if k is not None else -1 for k in previous_keys or ()], dtype=np.int64)
    has_before = np.flatnonzero(before >= 0) if keep_margin > 0 and len(before) else np.zeros(0, dtype=np.int64)
    for _ in range(n_rounds):
        sims = embedding @ centroids.T
        best = np.argmax(sims, axis=1)
        if len(has_before):
            # Hysteresis: a contribution does not change cluster for a marginal difference.
            kept_sim = sims[has_before, before[has_before]]
            stay = (kept_sim >= sims[has_before, best[has_before]] - keep_margin) & (kept_sim >= outlier_threshold)
            best[has_before[stay]] = before[has_before[stay]]
        labels = np.where(sims[np.arange(len(best)), best] >= outlier_threshold, best, -1)
        labels[empty] = -1
        unit_label = {u: index_of[fixed[u]] for u in constrained if u in fixed}
        unit_sims = {u: sims[units[u]].mean(axis=0) for u in free}
        # Most confident units choose first; a cannot-link partner's cluster is skipped,
        # and a unit with no allowed cluster close enough goes to the outlier bucket.
        for u in sorted(free, key=lambda u: (-float(unit_sims[u].max()), u)):
            taken = {unit_label[v] for v in forbidden.get(u, ()) if v in unit_label}
            unit_label[u] = -1
            for c in np.argsort(-unit_sims[u], kind="stable"):
                if unit_sims[u][c] < outlier_threshold:
                    break
                if int(c) not in taken:
                    unit_label[u] = int(c)
                    break
        for u, label in unit_label.items():
            labels[units[u]] = label
        centroids = _recentre(embedding, labels, centroids)
    return labels, index_of


def _recentre(embedding, labels, centroids):
    out = centroids.copy()
    for c in range(len(centroids)):
        rows = labels == c
        if rows.any():
            out[c] = normalize(embedding[rows].mean(axis=0, keepdims=True))[0]
    return out


def _cluster_keys(labels, ids_kept, index_of, previous) -> dict[int, str]:
    """Key of each cluster index: seeded/pinned keys first, then previous keys by overlap, then new."""
    used = sorted(set(labels.tolist()) - {-1})
    keys = {c: key for key, c in index_of.items() if c in used}
    unkeyed = [c for c in used if c not in keys]
    if previous and unkeyed:
        free_previous = {i: k for i, k in previous.items() if k not in keys.values()}
        current = {ids_kept[r]: int(labels[r]) for r in np.flatnonzero(np.isin(labels, unkeyed))}
        keys.update(match_clusters(free_previous, current))
        unkeyed = [c for c in used if c not in keys]
    taken = [_key_order(k)[1] for k in [*keys.values(), *(previous or {}).values()] if _key_order(k)[0] == 0]
    next_number = max(taken, default=0) + 1
    sizes = np.bincount(labels[labels >= 0], minlength=max(used, default=-1) + 1)
    for c in sorted(unkeyed, key=lambda c: (-sizes[c], c)):
        keys[c] = f"c{next_number}"
        next_number += 1
    return keys
