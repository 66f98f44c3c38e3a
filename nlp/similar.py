"""Index for "similar contributions while typing": fit once, add incrementally, query fast.

Hybrid ranking: the score of an indexed text is a weighted sum of its TF-IDF cosine with the
query (precise where words are shared) and of the cosine of their sentence embeddings after
centring on the corpus mean (:mod:`nlp.embeddings`; finds reworded ideas sharing no word).

The vocabulary and idf are learned by :meth:`SimilarIndex.fit`; :meth:`SimilarIndex.add`
projects new texts in that space and appends them (words unseen at fit time are ignored by the
lexical part until :meth:`SimilarIndex.refit`; the semantic part sees them at once). Lexical
scores read only the postings of the query's words. The vectors are kept as stored, float16
(100 MB at 100,000 texts; float32 on a small index), with the inverse norm of each row once
centred. Up to
``EXACT_BELOW`` texts a query is compared with every row; above, with the rows of the
``n_probe`` k-means cells nearest to it (an inverted file, about sqrt(n) cells) and with the
best lexical matches, so a query reads a few thousand rows instead of all of them.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from nlp import embeddings
from nlp._validation import check_corpus
from nlp.text import FrenchAnalyzer, FrenchVectorizer

__all__ = ["SEMANTIC_WEIGHT", "SimilarIndex"]

#: Share of the semantic cosine in the hybrid score (the rest is the TF-IDF cosine); chosen on
#: the tuning half of dev_paraphrases.csv, see nlp/README.md.
SEMANTIC_WEIGHT = 0.5
#: Corpus size from which meaning is searched in the nearest cells only (exact below).
EXACT_BELOW = 8192
#: Cells probed per query above ``EXACT_BELOW`` (of about sqrt(n); 16 of 316 at 100,000 texts).
N_PROBE = 16
#: Best lexical matches whose meaning is always scored, wherever their cell.
LEXICAL_CANDIDATES = 200
_CHUNK = 8192


@functools.cache
def _blas() -> ThreadpoolController:
    """The process's BLAS libraries, found once (a lookup per query would cost more than the query)."""
    return ThreadpoolController()


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
    n_probe : int, default=N_PROBE
        Cells searched per query when the index has more than ``exact_below`` texts (set it to
        ``n_cells_`` for an exact search).
    exact_below : int, default=EXACT_BELOW
        Up to this many texts (at fit or refit), every row is compared with the query.

    Attributes
    ----------
    vectorizer_ : FrenchVectorizer
    ids_ : list
        The id of each row, in row order (a replaced text's old row keeps its id, never returned).
    n_indexed_ : int
        Distinct ids indexed.

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
        n_probe: int = N_PROBE,
        exact_below: int = EXACT_BELOW,
    ):
        self.stemmer = stemmer
        self.merge_every = merge_every
        self.semantic = semantic
        self.semantic_weight = semantic_weight
        self.encoder = encoder
        self.n_probe = n_probe
        self.exact_below = exact_below

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
        self._retired: list[int] = []  # rows whose text was replaced
        # the last text's analysis, see _analysed
        self._last_analysed: tuple[tuple[str, int], tuple[np.ndarray | None, np.ndarray | None]] | None = None
        self._postings = matrix.T.tocsr()
        self._pending: list[sp.csr_matrix] = []
        self._n_merged = len(ids)
        self._cells: np.ndarray | None = None
        if raw is not None:  # semantic
            self._mean = embeddings.corpus_mean(raw)
            # float16 as stored on a large index; float32 on a small one, where it costs little and
            # spares the conversion (numpy has no float16 product) on every query.
            dtype = np.float16 if len(ids) > self.exact_below else np.float32
            self._dense = np.empty((max(16, len(ids)), raw.shape[1]), dtype=dtype)
            self._inverse_norms = np.empty(len(self._dense), dtype=np.float32)
            self._store(0, raw)
            if len(ids) > self.exact_below:
                self._build_cells()
        return self

    def _store(self, start: int, raw: np.ndarray) -> None:
        """Write ``raw`` (float16, as stored) from row ``start``, growing the matrix by 25 %.

        A row's meaning score is ``(row - mean) . q / |row - mean|`` for a centred unit query
        ``q``: only the inverse norms are kept besides the rows, so ``refit`` has the vectors
        exactly as stored. 100 MB at 100,000 texts, 125 MB at most after growth.
        """
        stop = start + len(raw)
        if stop > len(self._dense):
            capacity = max(stop, len(self._dense) + len(self._dense) // 4, 1024)
            grown = np.empty((capacity, self._dense.shape[1]), dtype=self._dense.dtype)
            grown[:start] = self._dense[:start]
            inverse_norms = np.empty(capacity, dtype=np.float32)
            inverse_norms[:start] = self._inverse_norms[:start]
            self._dense, self._inverse_norms = grown, inverse_norms
        self._dense[start:stop] = raw
        for chunk in range(start, stop, _CHUNK):
            shifted = np.asarray(self._dense[chunk : min(stop, chunk + _CHUNK)], dtype=np.float32) - self._mean
            norms = np.linalg.norm(shifted, axis=1)
            self._inverse_norms[chunk : chunk + len(norms)] = 1 / np.where(norms == 0, np.inf, norms)
            if self._cells is not None:
                self._assign(chunk, embeddings.normalise(shifted))

    def _build_cells(self, iterations: int = 8, random_state: int = 0) -> None:
        """Spherical k-means cells (about sqrt(n), fitted on a sample) and the rows of each."""
        n = self._n_rows
        n_cells = int(np.sqrt(n))
        rng = np.random.default_rng(random_state)
        sample = self._centred_rows(np.sort(rng.choice(n, min(n, 50 * n_cells), replace=False)))
        cells = sample[rng.choice(len(sample), n_cells, replace=False)].copy()
        for _ in range(iterations):
            nearest = np.argmax(sample @ cells.T, axis=1)
            sums = np.zeros_like(cells)
            np.add.at(sums, nearest, sample)
            filled = np.linalg.norm(sums, axis=1) > 0
            cells[filled] = embeddings.normalise(sums[filled])
        self._cells = cells
        self._members = [np.zeros(0, dtype=np.int64) for _ in range(n_cells)]
        for chunk in range(0, n, _CHUNK):
            self._assign(chunk, self._centred_rows(np.arange(chunk, min(n, chunk + _CHUNK))))

    def _assign(self, start: int, centred: np.ndarray) -> None:
        """Add rows ``start``.. (their centred unit vectors given) to their nearest cells."""
        assert self._cells is not None
        nearest = np.argmax(centred @ self._cells.T, axis=1)
        order = np.argsort(nearest, kind="stable")
        bounds = np.searchsorted(nearest[order], np.arange(len(self._cells) + 1))
        for cell in np.flatnonzero(np.diff(bounds)):
            rows = start + order[bounds[cell] : bounds[cell + 1]]
            self._members[cell] = np.concatenate([self._members[cell], rows])

    def _centred_rows(self, rows: np.ndarray) -> np.ndarray:
        return (np.asarray(self._dense[rows], dtype=np.float32) - self._mean) * self._inverse_norms[rows, None]

    @property
    def n_cells_(self) -> int:
        """Cells of the inverted file (0 when every query is compared with every row)."""
        return 0 if self._cells is None else len(self._cells)

    @property
    def n_indexed_(self) -> int:
        return len(self._row_of)

    @property
    def _n_rows(self) -> int:
        return len(self.ids_)

    @property
    def vector_bytes_(self) -> int:
        """Memory held by the embedding matrix and its row norms."""
        if not self.semantic:
            return 0
        cells = 0 if self._cells is None else self._cells.nbytes + sum(m.nbytes for m in self._members)
        return self._dense.nbytes + self._inverse_norms.nbytes + cells

    def add(self, ids: Sequence[Hashable], texts: Sequence[str], vectors=None) -> SimilarIndex:
        """Index more texts in the fitted space, without refitting; return ``self``.

        Raises
        ------
        ValueError
            On invalid input or an id already indexed.
        RuntimeError
            If the index has not been fitted.
        """
        ids, texts = self._checked(ids, texts, indexed=False)
        self._append(ids, texts, self._vectors_of(texts, vectors))
        return self

    def replace(self, ids: Sequence[Hashable], texts: Sequence[str], vectors=None) -> SimilarIndex:
        """Index new texts for ids already indexed (edited contributions), without refitting; return
        ``self``. The old rows stay in the matrices but are never returned again.

        Raises
        ------
        ValueError
            On invalid input or an id not indexed.
        RuntimeError
            If the index has not been fitted.
        """
        ids, texts = self._checked(ids, texts, indexed=True)
        raw = self._vectors_of(texts, vectors)
        self._retired.extend(self._row_of.pop(id_) for id_ in ids)
        self._append(ids, texts, raw)
        return self

    def _checked(self, ids, texts, *, indexed: bool) -> tuple[list, list[str]]:
        """Valid ``ids`` and ``texts``, each id already indexed (``indexed``) or not."""
        self._check_fitted()
        ids, texts, _ = check_corpus(ids, texts)
        wrong = [id_ for id_ in ids if (id_ in self._row_of) is not indexed]
        if wrong:
            raise ValueError(f"ids {'not' if indexed else 'already'} indexed: {wrong[:5]!r}")
        return ids, texts

    def _append(self, ids: list, texts: list[str], raw: np.ndarray | None) -> None:
        self._last_analysed = None
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

    def refit(self) -> SimilarIndex:
        """Relearn vocabulary, idf and centre on everything indexed so far; return ``self``."""
        self._check_fitted()
        rows = sorted(self._row_of.values())
        raw = self._dense[rows].copy() if self.semantic else None
        return self.fit([self.ids_[r] for r in rows], [self._texts[r] for r in rows], raw)

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
        scores, centred = self._analysed(text, vector)
        if restrict_ids is not None:
            known = (row for row in map(self._row_of.get, restrict_ids) if row is not None)
            restricted = np.unique(np.fromiter(known, np.int64))
            return self._best(
                restricted, self._restricted_scores(restricted, scores, centred), k, min_score, exclude_ids
            )
        if self.semantic:
            assert centred is not None  # a semantic index always encodes the text
            rows = self._meaning_rows(centred, scores)
            hybrid = np.zeros(self._n_rows, np.float32) if scores is None else (1 - self.semantic_weight) * scores
            # One thread: a product of a few thousand rows gains nothing from a second one, and
            # on a busy host OpenBLAS's threads spin (measured: 5 ms instead of 13 ms at 30,000 texts).
            with _blas().limit(limits=1, user_api="blas"):
                meaning = np.maximum(self._meaning(centred, rows), 0.0)
            hybrid[slice(None) if rows is None else rows] += self.semantic_weight * meaning
            scores = hybrid
        elif scores is not None:
            scores = scores.copy()  # kept for the next query of this text
        return self._best(None, scores, k, min_score, exclude_ids)

    def _analysed(self, text: str, vector) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(lexical score of every row or None, the centred embedding of ``text`` or None) — the same for
        two queries of one text on an unchanged index (a search ranks the whole process, then its word
        hits): the last text's are kept, and the index's changes forget them. Not to be modified."""
        key = (text, self._n_rows)
        if vector is None and self._last_analysed is not None and self._last_analysed[0] == key:
            return self._last_analysed[1]
        scores = self._scores(self.vectorizer_.transform([text]))
        centred = None
        if self.semantic:
            raw = embeddings.as_matrix([vector], 1) if vector is not None else embeddings.embed([text], self.encoder)
            centred = embeddings.centred(raw, self._mean)[0]
        if vector is None:
            self._last_analysed = (key, (scores, centred))
        return scores, centred

    def _restricted_scores(self, rows: np.ndarray, lexical: np.ndarray | None, centred) -> np.ndarray | None:
        """The hybrid scores of ``rows`` only (a search's word hits: a thousand rows, not the whole index)."""
        if not self.semantic:
            return None if lexical is None else lexical[rows]
        hybrid = np.zeros(len(rows), np.float32) if lexical is None else (1 - self.semantic_weight) * lexical[rows]
        with _blas().limit(limits=1, user_api="blas"):
            meaning = np.maximum(self._meaning(centred, rows), 0.0)
        hybrid += self.semantic_weight * meaning
        return hybrid

    def _best(self, rows: np.ndarray | None, scores: np.ndarray | None, k: int, min_score: float, exclude_ids):
        """The ``k`` best of ``scores`` (of ``rows``, or of every row when None) at ``min_score`` or more,
        retired and excluded rows left out, best first (ties: the earlier row first)."""
        if scores is None:
            return []
        excluded = [self._row_of[id_] for id_ in exclude_ids if id_ in self._row_of]
        if rows is None:
            scores[self._retired] = 0.0
            scores[excluded] = 0.0
        else:
            scores[np.isin(rows, self._retired)] = 0.0
            scores[np.isin(rows, excluded)] = 0.0
        candidates = np.flatnonzero(scores >= max(min_score, 1e-9))
        if candidates.size > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        row_of = candidates if rows is None else rows[candidates]
        order = np.lexsort((row_of, -scores[candidates]))
        # Python numbers at once (``tolist``), not one numpy scalar at a time: a search ranks 1,000 hits.
        ids = self.ids_
        return [
            (ids[row], round(score, 4))
            for row, score in zip(row_of[order].tolist(), scores[candidates[order]].tolist())
        ]

    def _meaning_rows(self, centred: np.ndarray, lexical: np.ndarray | None) -> np.ndarray | None:
        """Rows whose meaning is scored: all (None) on a small index, else the members of the
        ``n_probe`` nearest cells and the best lexical matches."""
        if self._cells is None or self.n_probe >= len(self._cells):
            return None
        probed = np.argpartition(-(self._cells @ centred), self.n_probe - 1)[: self.n_probe]
        rows = [self._members[cell] for cell in probed]
        if lexical is not None:
            matched = np.flatnonzero(lexical)
            if matched.size > LEXICAL_CANDIDATES:
                matched = matched[np.argpartition(-lexical[matched], LEXICAL_CANDIDATES - 1)[:LEXICAL_CANDIDATES]]
            rows.append(matched)
        return np.unique(np.concatenate(rows))

    def _meaning(self, centred: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Cosine of the centred query with the centred ``rows`` (all when None), in float16 chunks."""
        n = self._n_rows
        out = np.empty(n if rows is None else len(rows), dtype=np.float32)
        offset = float(self._mean @ centred)
        for start in range(0, len(out), _CHUNK):
            stop = min(len(out), start + _CHUNK)
            block = slice(start, stop) if rows is None else rows[start:stop]
            rows_f32 = np.asarray(self._dense[block], dtype=np.float32)
            out[start:stop] = (rows_f32 @ centred - offset) * self._inverse_norms[block]
        return out

    def _scores(self, query: sp.csr_matrix) -> np.ndarray | None:
        if query.nnz == 0:
            return None
        terms, weights = query.indices, query.data
        scores = np.zeros(self._n_rows, dtype=np.float32)
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
