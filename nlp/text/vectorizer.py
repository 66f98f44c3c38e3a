"""The French TF-IDF vectoriser: sublinear tf, float32, L2 rows, domain words down-weighted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from nlp.text.counting import SurfaceCounts, _count_features
from nlp.text.words import FrenchAnalyzer

__all__ = ["DEFAULT_DOMAIN_WORDS", "FrenchVectorizer"]

DEFAULT_DOMAIN_WORDS: tuple[str, ...] = (
    "formation",
    "proposition",
    "contribution",
    "article",
    "sujet",
    "accord",
    "avis",
    "idée",
)
"""Words present in almost every CPOF contribution or consultation reply: kept, down-weighted."""


class FrenchVectorizer:
    """French TF-IDF vectoriser: sublinear tf, float32, L2 rows, domain words down-weighted.

    Parameters
    ----------
    stemmer : {"snowball", "lemma", "none"}, default="snowball"
        See :class:`FrenchAnalyzer`.
    ngram_range : tuple of int, default=(1, 1)
        Word n-grams on content words.
    min_df : int, default=2
        Minimum document frequency; lowered to 1 automatically on tiny corpora.
    max_df : float, default=0.5
        Terms in more than this share of texts are dropped (they separate nothing).
    domain_words : iterable of str, default=DEFAULT_DOMAIN_WORDS
        Words that appear everywhere in the domain ("formation"): their weight is multiplied
        by ``domain_weight`` instead of being removed.
    domain_weight : float, default=0.3

    Attributes
    ----------
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted scikit-learn vectoriser (vocabulary and idf).
    feature_names_ : numpy.ndarray of str
        The feature (stem) of each column.
    n_features_ : int
        Number of columns; 0 when the corpus has no content word at all.
    """

    def __init__(
        self,
        stemmer: str = "snowball",
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 2,
        max_df: float = 0.5,
        domain_words: Iterable[str] = DEFAULT_DOMAIN_WORDS,
        domain_weight: float = 0.3,
    ):
        self.stemmer = stemmer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.domain_words = domain_words
        self.domain_weight = domain_weight

    def fit(self, texts: Sequence[str]) -> FrenchVectorizer:
        """Learn the vocabulary and idf of ``texts``; return ``self``."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Fit on ``texts`` and return their L2-normalised float32 TF-IDF rows."""
        return self._fit_transform(texts)[0]

    def _fit_transform(self, texts: Sequence[str], surface: bool = False) -> tuple[sp.csr_matrix, SurfaceCounts | None]:
        """Fit and return (TF-IDF rows, surface-word counts when asked and unigrams, else None)."""
        analyzer = FrenchAnalyzer(self.stemmer, self.ngram_range)
        n_docs = len(texts)
        # On small corpora (tests, a new process) df filters would empty the vocabulary.
        min_df = self.min_df if n_docs >= 50 else 1
        max_df = self.max_df if n_docs >= 50 else 1.0
        self.vectorizer_ = None
        self.feature_names_ = np.array([], dtype=object)
        self.n_features_ = 0
        self._scale = None
        self._columns = None
        if tuple(self.ngram_range) == (1, 1):
            return self._fit_transform_unigrams(texts, analyzer, min_df, max_df, surface)
        docs = [analyzer(t) for t in texts]
        for attempt in ((min_df, max_df), (1, 1.0)):
            vec = _tfidf(*attempt)
            try:
                matrix = vec.fit_transform(docs)
            except ValueError:  # empty vocabulary after df filtering
                continue
            self.vectorizer_ = vec
            self.feature_names_ = vec.get_feature_names_out()
            self.n_features_ = len(self.feature_names_)
            self._scale = self._domain_scale(analyzer)
            return self._finish(matrix), None
        return sp.csr_matrix((n_docs, 0), dtype=np.float32), None

    def _fit_transform_unigrams(self, texts, analyzer, min_df, max_df, surface=False):
        # Same result as TfidfVectorizer(analyzer=stems, sublinear_tf=True), but counted by
        # numpy over one token stream of the whole corpus instead of a Python loop per token.
        n_docs = len(texts)
        counts, features, *rest = _count_features(texts, analyzer, surface=surface)
        df = np.bincount(counts.indices, minlength=len(features))
        for low, high in ((min_df, max_df), (1, 1.0)):
            max_count = high * n_docs if isinstance(high, float) else high
            keep = np.flatnonzero((df >= low) & (df <= max_count) & (df > 0))
            if len(keep):
                break
        else:
            return sp.csr_matrix((n_docs, 0), dtype=np.float32), None
        names = np.array(features, dtype=object)[keep]
        order = np.argsort(names.astype(str), kind="stable")
        keep, names = keep[order], names[order]
        vec = _tfidf(1, 1.0)
        vec.vocabulary_ = {str(f): i for i, f in enumerate(names)}
        vec.idf_ = (np.log((1 + n_docs) / (1 + df[keep].astype(np.float64))) + 1).astype(np.float32)
        self.vectorizer_ = vec
        self.feature_names_ = names
        self.n_features_ = len(names)
        self._scale = self._domain_scale(analyzer)
        surface_counts = None
        if rest:
            new_column = np.full(len(features) + 1, -1, dtype=np.int64)
            new_column[keep] = np.arange(len(keep))
            raw = rest[0]
            surface_counts = SurfaceCounts(raw.matrix, raw.forms, new_column[raw.feature])
        return self._finish(self._tfidf_rows(counts[:, keep])), surface_counts

    def _tfidf_rows(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        assert self.vectorizer_ is not None  # fitted
        matrix = sp.csr_matrix(counts, dtype=np.float32)
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1
        matrix = sp.csr_matrix(matrix @ self._diagonal("idf", self.vectorizer_.idf_, np.float32))
        return normalize(matrix, copy=False)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return TF-IDF rows of ``texts`` in the fitted space (unknown words ignored).

        Raises
        ------
        RuntimeError
            If the vectoriser has not been fitted.
        """
        if not hasattr(self, "n_features_"):
            raise RuntimeError("FrenchVectorizer is not fitted: call fit() first")
        if self.vectorizer_ is None:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        analyzer = FrenchAnalyzer(self.stemmer, self.ngram_range)
        if tuple(self.ngram_range) == (1, 1):
            counts, _ = _count_features(texts, analyzer, self.vectorizer_.vocabulary_)
            return self._finish(self._tfidf_rows(counts))
        return self._finish(self.vectorizer_.transform([analyzer(t) for t in texts]))

    def _domain_scale(self, analyzer: FrenchAnalyzer) -> np.ndarray | None:
        assert self.vectorizer_ is not None  # fitted
        vocabulary = self.vectorizer_.vocabulary_
        columns = {vocabulary[f] for w in self.domain_words for f in analyzer.stems(w) if f in vocabulary}
        if not columns:
            return None
        scale = np.ones(self.n_features_, dtype=np.float32)
        scale[sorted(columns)] = self.domain_weight
        return scale

    def _diagonal(self, name: str, factors: np.ndarray, dtype=None) -> sp.csr_matrix:
        """``sp.diags(factors)`` in CSR, kept while ``factors`` is the same array: built again per
        transform, it cost 2–3 ms at 100,000 words for a query of a few words (the conversion is linear
        in the vocabulary); the product with it is the same computation as with a new one."""
        cache = self.__dict__.setdefault("_diagonals", {})
        cached = cache.get(name)
        if cached is None or cached[0] is not factors:
            cached = cache[name] = (factors, sp.diags(factors if dtype is None else factors.astype(dtype)).tocsr())
        return cached[1]

    def _finish(self, matrix: sp.spmatrix) -> sp.csr_matrix:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        if self._scale is not None:
            matrix = sp.csr_matrix(matrix @ self._diagonal("scale", self._scale))
            matrix = normalize(matrix, copy=False)
        return matrix


def _tfidf(min_df: int, max_df: float) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_identity,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _identity(doc: list[str]) -> list[str]:
    return doc
