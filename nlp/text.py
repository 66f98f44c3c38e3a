"""French preprocessing: folding, tokenisation, stemming and the TF-IDF vectoriser.

Matching works on a folded form (Unicode NFKC, case-folded, accents stripped, ``œ`` → ``oe``);
the original text is never modified, and labels are shown with the surface forms people wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from nlp.stopwords import ELIDED_PREFIXES, STOP_WORDS

__all__ = [
    "DEFAULT_DOMAIN_WORDS",
    "FrenchAnalyzer",
    "FrenchVectorizer",
    "fold",
    "normalize_key",
    "surface_tokens",
]

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

_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("’", "'"), ("ʼ", "'"))
_WORD = re.compile(r"[^\W_]+")
_NON_ALNUM = re.compile(r"[\W_]+")
# Combining marks left by NFKD (accents, cedilla, diaeresis) in Latin, Greek, Cyrillic...
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_STEMMERS = ("snowball", "lemma", "none")
# Token -> feature caches shared by every analyser with the same stemmer: the French
# vocabulary is bounded, so the cache stays small and makes tokenisation ~5x faster.
_FEATURE_CACHE: dict[str, dict[str, str | None]] = {name: {} for name in _STEMMERS}
_CACHE_LIMIT = 2_000_000


def fold(text: str) -> str:
    """Return ``text`` case-folded, NFKC-normalised, with accents and ligatures removed.

    Parameters
    ----------
    text : str
        Any text; emojis and punctuation are kept as they are.

    Returns
    -------
    str
        The folded text ("" for an empty input).

    Examples
    --------
    >>> fold("L’ÉCOLE Cœur")
    "l'ecole coeur"
    """
    text = _replace_ligatures(unicodedata.normalize("NFKC", text).casefold())
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _replace_ligatures(text: str) -> str:
    # str.replace is ~100x faster than str.translate with a dict on long texts.
    for old, new in _LIGATURES:
        if old in text:
            text = text.replace(old, new)
    return text


def normalize_key(text: str) -> str:
    """Return the exact-duplicate key of ``text``: folded, punctuation runs → one space.

    This is the normalisation of the labelled ``dup_group`` column, so two texts with the
    same key are "identique" for a moderator (case, accents, emojis, bullets ignored).

    Examples
    --------
    >>> normalize_key("  Santé, ÉDUCATION !! 😀")
    'sante education'
    """
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def surface_tokens(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text``, accents kept, elided clitics dropped.

    Apostrophes split words (``l'école`` → ``école``); emojis, bullets and punctuation
    are separators.

    Examples
    --------
    >>> surface_tokens("L'école, c'est 🎉 l’AVENIR")
    ['école', 'est', 'avenir']
    """
    text = _replace_ligatures(unicodedata.normalize("NFKC", text).lower())
    return [tok for tok in _WORD.findall(text) if tok not in ELIDED_PREFIXES]


class FrenchAnalyzer:
    """Turn a text into TF-IDF features: content-word stems and optional stem bigrams.

    Parameters
    ----------
    stemmer : {"snowball", "lemma", "none"}, default="snowball"
        ``"snowball"``: Snowball French stemmer (PyStemmer); ``"lemma"``: simplemma
        lemmatiser; ``"none"``: folded words. Chosen by measurement, see ``nlp/README.md``.
    ngram_range : tuple of int, default=(1, 1)
        Word n-gram sizes, counted on content words (stop words removed first).

    Examples
    --------
    >>> FrenchAnalyzer()("Les formations d'apprentis")
    ['format', 'apprent']
    """

    def __init__(self, stemmer: str = "snowball", ngram_range: tuple[int, int] = (1, 1)):
        self.stemmer = stemmer
        self.ngram_range = ngram_range

    def __call__(self, text: str) -> list[str]:
        return self.features(text)

    def stems(self, text: str) -> list[str]:
        """Return the content-word features of ``text`` in reading order."""
        cache = _FEATURE_CACHE[self._checked_stemmer()]
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out = []
        for token in surface_tokens(text):
            feature = cache.get(token, "")
            if feature == "":
                feature = cache[token] = self._feature(token)
            if feature is not None:
                out.append(feature)
        return out

    def features(self, text: str) -> list[str]:
        """Return the unigram (and n-gram) features of ``text``."""
        stems = self.stems(text)
        low, high = self.ngram_range
        if high <= 1:
            return stems
        out = list(stems) if low <= 1 else []
        for n in range(max(2, low), high + 1):
            out.extend(" ".join(stems[i : i + n]) for i in range(len(stems) - n + 1))
        return out

    def _checked_stemmer(self) -> str:
        if self.stemmer not in _STEMMERS:
            raise ValueError(f"stemmer must be one of {_STEMMERS}, got {self.stemmer!r}")
        return self.stemmer

    def _fill_cache(self, tokens: list[str], cache: dict[str, str | None]) -> None:
        """Compute the features of many new tokens at once (one fold, one C stemming call)."""
        if not tokens:
            return
        if self.stemmer != "snowball":
            for token in tokens:
                cache[token] = self._feature(token)
            return
        # Folding never creates or removes a newline, so the joined string splits back
        # into one folded form per token.
        folded = fold("\n".join(tokens)).split("\n")
        if len(folded) != len(tokens):  # defensive: fall back to one token at a time
            for token in tokens:
                cache[token] = self._feature(token)
            return
        stems = _snowball().stemWords(folded)
        for token, word, stem in zip(tokens, folded, stems):
            ok = len(word) >= 2 and word not in STOP_WORDS and len(stem) >= 2 and stem not in STOP_WORDS
            cache[token] = stem if ok else None

    def _feature(self, token: str) -> str | None:
        folded = fold(token)
        if len(folded) < 2 or folded in STOP_WORDS:
            return None
        # Stemming the folded token, not the accented one, so that "fiscalite" typed
        # without accents gets the same feature as "fiscalité".
        if self.stemmer == "snowball":
            folded = _snowball().stemWord(folded)
        elif self.stemmer == "lemma":
            folded = fold(_lemmatize(token))
        return folded if len(folded) >= 2 and folded not in STOP_WORDS else None


def _snowball():
    global _SNOWBALL
    if _SNOWBALL is None:
        import Stemmer

        _SNOWBALL = Stemmer.Stemmer("french")
    return _SNOWBALL


_SNOWBALL = None


def _lemmatize(token: str) -> str:
    import simplemma

    return simplemma.lemmatize(token, lang="fr")


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
        matrix = sp.csr_matrix(matrix @ sp.diags(self.vectorizer_.idf_.astype(np.float32)))
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

    def _finish(self, matrix: sp.spmatrix) -> sp.csr_matrix:
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        if self._scale is not None:
            matrix = sp.csr_matrix(matrix @ sp.diags(self._scale))
            matrix = normalize(matrix, copy=False)
        return matrix


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


def display_forms(texts: Iterable[str], features: Sequence[str], stemmer: str = "snowball") -> list[str]:
    """Return, for each feature (stem or stem n-gram), the surface form most used in ``texts``.

    Labels must be real words ("fiscalité", not "fiscal"): each stem is shown as the
    lower-cased accented word that produced it most often; a stem never seen falls back to
    itself.
    """
    analyzer = FrenchAnalyzer(stemmer)
    wanted = {part for f in features for part in f.split(" ")}
    counts: dict[str, Counter] = {stem: Counter() for stem in wanted}
    cache = _FEATURE_CACHE[stemmer]
    for text in texts:
        for token in surface_tokens(text):
            stem = cache.get(token)
            if stem is None and token not in cache:
                analyzer.stems(token)
                stem = cache.get(token)
            if stem in counts:
                counts[stem][token] += 1
    best = {stem: (c.most_common(1)[0][0] if c else stem) for stem, c in counts.items()}
    return [" ".join(best[part] for part in f.split(" ")) for f in features]
