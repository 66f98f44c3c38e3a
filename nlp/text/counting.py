"""Counting features of many texts at once, without a Python loop per token.

Used by :class:`nlp.text.FrenchVectorizer` for unigram TF-IDF and by cluster labels (surface
words counted in the same pass). Same tokens as :func:`nlp.text.surface_tokens` on each text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from nlp.stopwords import ELIDED_PREFIXES
from nlp.text.words import _CACHE_LIMIT, _FEATURE_CACHE, _WORD, FrenchAnalyzer, _replace_ligatures

_DOC_SEPARATOR = "\x1e"
_TOKENISE_CHUNK = 2000
# Byte table for the fast path: ASCII letters and digits are word bytes (lower-cased), every
# other ASCII byte separates words, except the document separator; bytes >= 0x80 (UTF-8 of
# accented letters, emojis, typographic apostrophes...) stay inside the raw token, which is
# then split exactly like ``surface_tokens`` once per distinct raw token.
_ASCII_WORDS = bytes(
    b if b >= 0x80 or b == 0x1E else ord(chr(b).lower()) if chr(b).isalnum() else 0x20 for b in range(256)
)
_RAW_SEPARATOR = -2
_RAW_NOTHING = -1


class _RawIndex(dict):
    """bytes token -> index in order of first sight; new tokens are listed in ``pending``."""

    __slots__ = ("pending",)
    pending: list[bytes]

    def __missing__(self, key: bytes) -> int:
        index = self[key] = len(self)
        self.pending.append(key)
        return index


@dataclass(frozen=True)
class SurfaceCounts:
    """How often each surface word (lower-cased, accents kept) occurs in each document.

    ``matrix`` is documents x ``forms`` (float32 counts); ``feature`` gives the column of
    each form in the vectoriser's vocabulary (-1 when the form has no kept feature). Used to
    label clusters with real words without tokenising the texts again.
    """

    matrix: sp.csr_matrix
    forms: tuple[str, ...]
    feature: np.ndarray

    def display_forms(self, rows: np.ndarray, columns: Sequence[int], fallback: Sequence[str]) -> list[str]:
        """Most frequent surface form among ``rows`` of each feature column (else ``fallback``)."""
        totals = np.asarray(self.matrix[rows].sum(axis=0)).ravel()
        order, sorted_features = self._by_feature()
        out = []
        for column, name in zip(columns, fallback):
            low, high = (
                np.searchsorted(sorted_features, column, "left"),
                np.searchsorted(sorted_features, column, "right"),
            )
            forms = order[low:high]
            if len(forms) == 0 or totals[forms].max() <= 0:
                out.append(name)
                continue
            # Ties go to the form seen first in the corpus (stable argmax).
            out.append(self.forms[forms[int(np.argmax(totals[forms]))]])
        return out

    def _by_feature(self) -> tuple[np.ndarray, np.ndarray]:
        """Form indices sorted by feature column (then by first appearance) and those columns, once."""
        cached = self.__dict__.get("_order")
        if cached is None:
            order = np.argsort(self.feature, kind="stable")
            cached = (order, self.feature[order])
            object.__setattr__(self, "_order", cached)
        return cached


def _count_features(
    texts, analyzer: FrenchAnalyzer, vocabulary: dict[str, int] | None = None, *, surface: bool = False
):
    """Return (document x feature count matrix, feature names[, SurfaceCounts]) of ``texts``.

    Each chunk of texts is joined, encoded to UTF-8 and split on ASCII separators by
    ``bytes.translate`` + ``bytes.split`` (C, ~3x faster than a Unicode regex over the whole
    corpus). Each distinct raw token is then split with the Unicode word regex once (accents,
    typographic apostrophes, emojis) and mapped to surface words and features through the
    token cache; every occurrence is mapped to its ids with ``map`` (C) and counted by scipy.
    Only words never seen before go through Python (stemming). Same tokens as
    ``surface_tokens`` on each text. With ``vocabulary`` (feature -> column), unknown features
    are ignored. With ``surface=True``, also return the surface-word counts.
    """
    n_docs = len(texts)
    cache = _FEATURE_CACHE[analyzer._checked_stemmer()]
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    column: dict[str, int] = {} if vocabulary is None else vocabulary
    features: list[str] = []
    # Every distinct raw token gets an index on first sight (``_RawIndex.__missing__``, the
    # only Python call per new token; known tokens are looked up in C). ``raw_code`` maps that
    # index to a surface word index (>= 0), _RAW_SEPARATOR, _RAW_NOTHING, or <= -3 for a raw
    # token holding several words (an index into ``multi``).
    raw_index = _RawIndex()
    raw_index[_DOC_SEPARATOR.encode()] = 0
    raw_code: list[int] = [_RAW_SEPARATOR]
    multi: list[list[int]] = []
    form_index: dict[str, int] = {}
    forms: list[str] = []
    form_column: list[int] = []
    docs, form_ids = [], []

    def form_of(word: str) -> int:
        index = form_index.get(word)
        if index is None:
            feature = None if word in ELIDED_PREFIXES else cache[word]
            col = -1
            if feature is not None:
                col = column.get(feature, -1)
                if col < 0 and vocabulary is None:
                    col = column[feature] = len(features)
                    features.append(feature)
            if col < 0:
                index = form_index[word] = -1
            else:
                index = form_index[word] = len(forms)
                forms.append(word)
                form_column.append(col)
        return index

    for start in range(0, n_docs, _TOKENISE_CHUNK):
        chunk = texts[start : start + _TOKENISE_CHUNK]
        # Most texts are already NFKC: the quick check is ~7x cheaper than normalising.
        chunk = [t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t) for t in chunk]
        joined = f" {_DOC_SEPARATOR} ".join(chunk)
        if joined.count(_DOC_SEPARATOR) != len(chunk) - 1:
            joined = f" {_DOC_SEPARATOR} ".join(t.replace(_DOC_SEPARATOR, " ") for t in chunk)
        raw = joined.encode("utf-8", "surrogatepass").translate(_ASCII_WORDS).split()
        raw_index.pending = []
        indices = np.fromiter(map(raw_index.__getitem__, raw), dtype=np.int64, count=len(raw))
        # New tokens in first-occurrence order (not set order, which varies with the hash
        # seed between processes): surface forms get deterministic indices.
        words_of: dict[bytes, list[str]] = {}
        for token in raw_index.pending:
            if token.isascii():
                words_of[token] = [token.decode("ascii")]
            else:
                text = _replace_ligatures(token.decode("utf-8", "surrogatepass").lower())
                words_of[token] = _WORD.findall(text)
        new_words = dict.fromkeys(w for words in words_of.values() for w in words)
        analyzer._fill_cache([w for w in new_words if w not in cache and w not in ELIDED_PREFIXES], cache)
        for words in words_of.values():
            ids = [i for i in map(form_of, words) if i >= 0]
            if not ids:
                raw_code.append(_RAW_NOTHING)
            elif len(ids) == 1:
                raw_code.append(ids[0])
            else:
                raw_code.append(-3 - len(multi))
                multi.append(ids)
        codes = np.asarray(raw_code, dtype=np.int64)[indices]
        doc = np.cumsum(codes == _RAW_SEPARATOR) + start
        keep = codes >= 0
        docs.append(doc[keep])
        form_ids.append(codes[keep])
        several = np.flatnonzero(codes <= -3)
        if len(several):
            groups = [multi[-3 - c] for c in codes[several].tolist()]
            docs.append(np.repeat(doc[several], [len(g) for g in groups]))
            form_ids.append(np.fromiter((i for g in groups for i in g), dtype=np.int64))
    doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    token_forms = np.concatenate(form_ids) if form_ids else np.zeros(0, dtype=np.int64)
    del docs, form_ids  # the per-chunk pieces: one token stream is enough (hundreds of MB at 1M texts)
    n_features = len(features) if vocabulary is None else len(vocabulary)
    form_column_arr = np.asarray(form_column, dtype=np.int64)
    counts = sp.csr_matrix(
        (
            np.ones(len(token_forms), dtype=np.float32),
            (doc, form_column_arr[token_forms] if len(token_forms) else token_forms),
        ),
        shape=(n_docs, n_features),
    )
    counts.sum_duplicates()
    if not surface:
        return counts, features
    matrix = sp.csr_matrix(
        (np.ones(len(token_forms), dtype=np.float32), (doc, token_forms)), shape=(n_docs, len(forms))
    )
    matrix.sum_duplicates()
    return counts, features, SurfaceCounts(matrix, tuple(forms), form_column_arr)
