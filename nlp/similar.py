"""Index for "similar contributions while typing": fit once, add incrementally, query fast.

Hybrid ranking: the score of an indexed text is a weighted sum of its TF-IDF cosine with the
query (precise where words are shared) and of the cosine of their sentence embeddings after
centring on the corpus mean (:mod:`nlp.embeddings`; finds reworded ideas sharing no word).

The vocabulary and idf are learned by :meth:`SimilarIndex.fit`; :meth:`SimilarIndex.add`
projects new texts in that space and appends them (words unseen at fit time are ignored by the
lexical part until :meth:`SimilarIndex.refit`; the semantic part sees them at once). Lexical
scores read only the postings of the query's words; semantic scores are one dense product with
the stored (n, 512) float32 matrix of centred unit vectors (205 MB at 100,000 texts).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from nlp import embeddings
from nlp._validation import check_corpus
from nlp.text import FrenchAnalyzer, FrenchVectorizer

__all__ = ["SEMANTIC_WEIGHT", "SimilarIndex"]

#: Share of the semantic cosine in the hybrid score (the rest is the TF-IDF cosine); chosen on
#: the tuning half of dev_paraphrases.csv, see nlp/README.md.
SEMANTIC_WEIGHT = 0.5


class SimilarIndex:
    """Hybrid TF-IDF + sentence-embedding search over contributions.

    Parameters
    ----------
    stemmer : str, default="snowball"
    merge_every : int, default=5000
        Rows added since the last merge are kept in a small side matrix; past this many they
        are merged into the inverted index (a sparse transpose, not a refit).
    semantic : bool, default=True
        Include meaning (sentence embeddings). False gives the former TF-IDF-only ranking.
    semantic_weight : float, default=SEMANTIC_WEIGHT
        Share of the semantic cosine in the score.
    encoder : nlp.embeddings.Encoder, optional
        The sentence encoder (the shipped default when None).

    Attributes
    ----------
    vectorizer_ : FrenchVectorizer
    ids_ : list
        Indexed ids, in row order.
    n_indexed_ : int

    Examples
    --------
    >>> index = SimilarIndex().fit([1, 2], ["pistes cyclables en ville", "baisser la TVA"])
    >>> [id_ for id_, _ in index.query("plus de pistes cyclables")]
    [1]
    """

    def __init__(
        self,
        stemmer: str = "snowball",
        merge_every: int = 5000,
        *,
        semantic: bool = True,
        semantic_weight: float = SEMANTIC_WEIGHT,
        encoder: embeddings.Encoder | None = None,
    ):
        self.stemmer = stemmer
        self.merge_every = merge_every
        self.semantic = semantic
        self.semantic_weight = semantic_weight
        self.encoder = encoder

    def fit(self, ids: Sequence[Hashable], texts: Sequence[str], vectors=None) -> SimilarIndex:
        """Learn vocabulary, idf and corpus centre from ``texts`` and index them; return ``self``.

        ``vectors``: the texts' stored embeddings ((n, 512) array or float16 ``bytes`` per text);
        computed with the encoder when None.

        Raises
        ------
        ValueError
            On invalid ids/texts (see :func:`nlp._validation.check_corpus`) or vectors.
        """
        ids, texts, _ = check_corpus(ids, texts)
        raw = self._vectors_of(texts, vectors)
        self.vectorizer_ = FrenchVectorizer(stemmer=self.stemmer, domain_words=())
        matrix = self.vectorizer_.fit_transform(texts)
        self._texts = list(texts)
        self.ids_ = list(ids)
        self._row_of = {id_: r for r, id_ in enumerate(ids)}
        self._postings = matrix.T.tocsr()
        self._pending: list[sp.csr_matrix] = []
        self._n_merged = len(ids)
        if raw is not None:  # semantic
            self._mean = embeddings.corpus_mean(raw)
            self._dense = np.empty((max(16, len(ids)), raw.shape[1]), dtype=np.float32)
            self._norms = np.empty(len(self._dense), dtype=np.float32)
            self._store(0, raw)
        return self

    def _store(self, start: int, raw: np.ndarray) -> None:
        """Write the centred unit rows of ``raw`` from row ``start`` (growing the matrix by 25 %).

        Only the centred rows and their norms are kept (raw = row * norm + mean, for refit): at
        100,000 texts the index holds 205 MB of vectors, 256 MB at most after growth.
        """
        stop = start + len(raw)
        if stop > len(self._dense):
            capacity = max(stop, len(self._dense) + len(self._dense) // 4, 1024)
            grown = np.empty((capacity, self._dense.shape[1]), dtype=np.float32)
            grown[:start] = self._dense[:start]
            norms = np.empty(capacity, dtype=np.float32)
            norms[:start] = self._norms[:start]
            self._dense, self._norms = grown, norms
        shifted = np.asarray(raw, dtype=np.float32) - self._mean
        self._norms[start:stop] = np.linalg.norm(shifted, axis=1)
        self._dense[start:stop] = embeddings.normalise(shifted)

    @property
    def n_indexed_(self) -> int:
        return len(self.ids_)

    @property
    def vector_bytes_(self) -> int:
        """Memory held by the embedding matrix and its row norms."""
        return self._dense.nbytes + self._norms.nbytes if self.semantic else 0

    def add(self, ids: Sequence[Hashable], texts: Sequence[str], vectors=None) -> SimilarIndex:
        """Index more texts in the fitted space, without refitting; return ``self``.

        Raises
        ------
        ValueError
            On invalid input or an id already indexed.
        RuntimeError
            If the index has not been fitted.
        """
        self._check_fitted()
        ids, texts, _ = check_corpus(ids, texts)
        already = [id_ for id_ in ids if id_ in self._row_of]
        if already:
            raise ValueError(f"ids already indexed: {already[:5]!r}")
        raw = self._vectors_of(texts, vectors)
        start = len(self.ids_)
        for id_ in ids:
            self._row_of[id_] = len(self.ids_)
            self.ids_.append(id_)
        self._texts.extend(texts)
        self._pending.append(self.vectorizer_.transform(texts))
        if sum(m.shape[0] for m in self._pending) >= self.merge_every:
            self._merge_pending()
        if raw is not None:  # semantic
            self._store(start, raw)
        return self

    def refit(self) -> SimilarIndex:
        """Relearn vocabulary, idf and centre on everything indexed so far; return ``self``."""
        self._check_fitted()
        raw = None
        if self.semantic:
            n = self.n_indexed_
            raw = self._dense[:n] * self._norms[:n, None] + self._mean
        return self.fit(list(self.ids_), list(self._texts), raw)

    def _vectors_of(self, texts: list[str], vectors) -> np.ndarray | None:
        if not self.semantic:
            return None
        if vectors is not None:
            return embeddings.as_matrix(vectors, len(texts))
        return embeddings.embed(texts, self.encoder)

    def query(
        self,
        text: str,
        *,
        k: int = 5,
        min_score: float = 0.2,
        exclude_ids: Iterable[Hashable] = (),
        restrict_ids: Iterable[Hashable] | None = None,
        vector=None,
    ) -> list[tuple[Hashable, float]]:
        """Return the ``k`` indexed contributions most similar to ``text``.

        Parameters
        ----------
        text : str
            The text being typed.
        k : int, default=5
        min_score : float, default=0.2
            Cosine below which a contribution is not suggested.
        exclude_ids : iterable of ids
            Never returned (the contribution being edited, hidden ones).
        restrict_ids : iterable of ids, optional
            Only these may be returned (e.g. the contributions of one process).
        vector : array of 512 floats, optional
            The embedding of ``text`` when the caller already has it (else it is computed).

        Returns
        -------
        list of (id, float)
            Best first, scores rounded to 4 decimals; empty when nothing reaches ``min_score``
            or when ``text`` has no content word.

        Raises
        ------
        ValueError
            If ``text`` is not a string or ``k`` < 1.
        """
        self._check_fitted()
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__}")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not FrenchAnalyzer(self.stemmer).stems(text):
            return []
        scores = self._scores(self.vectorizer_.transform([text]))
        if self.semantic:
            raw = embeddings.as_matrix([vector], 1) if vector is not None else embeddings.embed([text], self.encoder)
            meaning = self._dense[: self.n_indexed_] @ embeddings.centred(raw, self._mean)[0]
            lexical = 0.0 if scores is None else scores
            scores = self.semantic_weight * np.maximum(meaning, 0.0) + (1 - self.semantic_weight) * lexical
        if scores is None:
            return []
        if restrict_ids is not None:
            allowed = np.zeros(scores.size, dtype=bool)
            rows = [self._row_of[i] for i in restrict_ids if i in self._row_of]
            allowed[rows] = True
            scores = np.where(allowed, scores, 0.0)
        for id_ in exclude_ids:
            row = self._row_of.get(id_)
            if row is not None:
                scores[row] = 0.0
        candidates = np.flatnonzero(scores >= max(min_score, 1e-9))
        if candidates.size > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        return [(self.ids_[r], round(float(scores[r]), 4)) for r in order]

    def _scores(self, query: sp.csr_matrix) -> np.ndarray | None:
        if query.nnz == 0:
            return None
        terms, weights = query.indices, query.data
        scores = np.zeros(self.n_indexed_, dtype=np.float32)
        # Only the postings of the query's terms are read: a slice of the inverted index.
        scores[: self._n_merged] = self._postings[terms].T @ weights
        offset = self._n_merged
        for block in self._pending:
            scores[offset : offset + block.shape[0]] = block[:, terms] @ weights
            offset += block.shape[0]
        return scores

    def _merge_pending(self) -> None:
        if not self._pending:
            return
        added = sp.vstack(self._pending, format="csr").T.tocsr()
        self._postings = sp.hstack([self._postings, added], format="csr")
        self._n_merged += sum(m.shape[0] for m in self._pending)
        self._pending = []

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectorizer_"):
            raise RuntimeError("SimilarIndex is not fitted: call fit() first")
