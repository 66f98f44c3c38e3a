"""French words: folding, tokens and stems (the analyser every vectoriser and matcher shares).

Matching works on a folded form (Unicode NFKC, case-folded, accents stripped, ``œ`` → ``oe``);
the original text is never modified, and labels are shown with the surface forms people wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from nlp.stopwords import ELIDED_PREFIXES, STOP_WORDS

__all__ = ["FrenchAnalyzer", "display_forms", "fold", "normalize_key", "surface_tokens"]

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
