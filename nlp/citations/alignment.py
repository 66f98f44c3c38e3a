"""Alignment of a sentence's content words with the cited texts (same word, or close in the encoder's
space), and the sentence's closeness in meaning to the cited passages."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from nlp._polarity import (
    antonyms,
    in_family,
    is_action_word,
)
from nlp.citations.analysis import _Analysis, _is_agent, _same_form, _Word
from nlp.citations.rules.negation import _contradictions
from nlp.citations.thresholds import WORD_SIMILARITY

_WORD_VECTORS: dict[str, np.ndarray] = {}

_TEXT_VECTORS: dict[str, np.ndarray] = {}

_VECTOR_CACHE_LIMIT = 200_000


def _vectors(texts: Iterable[str], cache: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sentence-encoder vectors of ``texts``, computed once per distinct text."""
    from nlp.embeddings import embed

    texts = list(dict.fromkeys(texts))
    missing = [t for t in texts if t not in cache]
    if missing:
        if len(cache) > _VECTOR_CACHE_LIMIT:
            cache.clear()
        cache.update(zip(missing, embed(missing)))
    return {t: cache[t] for t in texts}


@dataclass
class _Alignment:
    """Which cited text aligns which content word of the sentence."""

    by_id: dict[int, set[int]]
    aligned: set[int]
    contradictions: list[tuple[int, int, _Word]]
    by_form: dict[int, set[int]] = dataclasses.field(default_factory=dict)
    """The words each cited text aligns by the same word (no near word vector)."""
    disagreeing: set[int] = dataclasses.field(default_factory=set)
    """The words found in the cited texts only with the other polarity or as an antonym (a contradiction
    or not: :attr:`contradictions` holds those the polarity rule refuses)."""


# The opposite families of a word, read for every content word of every sentence checked.
_antonyms = functools.lru_cache(maxsize=50_000)(antonyms)


@functools.lru_cache(maxsize=200_000)
def _opposite_form(a: str, b: str) -> bool:
    """True when ``b`` belongs to a family opposite to ``a``'s ("supprimer" / "maintenir"); cached, as
    :func:`nlp.citations.analysis._same_form`, for the word pairs that come back sentence after sentence."""
    return any(in_family(b, side) for side in _antonyms(a))


def _align(claim: _Analysis, sources: dict[int, _Analysis]) -> _Alignment:
    by_id: dict[int, set[int]] = {i: set() for i in sources}
    evidence: dict[int, list[tuple[int, _Word, bool, bool]]] = {}
    # Each claim word is compared with each distinct form of the cited texts once (a long source repeats
    # its words), then the source words are read in order against those forms.
    forms = {v.folded for source in sources.values() for v in source.words}
    for n, w in enumerate(claim.words):
        opposite = _antonyms(w.folded)
        same = {f for f in forms if _same_form(w.folded, f)}
        opposed = {f for f in forms - same if _opposite_form(w.folded, f)} if opposite else set()
        for id_, source in sources.items():
            for v in source.words:
                if v.folded in same:
                    by_id[id_].add(n)
                    evidence.setdefault(n, []).append((id_, v, v.polarity == w.polarity, False))
                elif v.folded in opposed:
                    evidence.setdefault(n, []).append((id_, v, v.polarity != w.polarity, True))
    # A stance ("supprimer", "obligatoire") or a judgement with an opposite ("fonctionne", "utile") is aligned by
    # its own family only: a near word vector would let the claim's predicate pass unsaid ("supprimer" /
    # "aides"), and a word's antonyms are among its nearest vectors ("fonctionne" / "inefficace").
    by_form = {i: set(ns) for i, ns in by_id.items()}
    unaligned = [
        n
        for n in range(len(claim.words))
        if not any(n in s for s in by_id.values())
        and not is_action_word(claim.words[n].folded)
        and not _antonyms(claim.words[n].folded)
    ]
    if unaligned:
        source_words = {v.folded for s in sources.values() for v in s.words}
        vectors = _vectors([claim.words[n].folded for n in unaligned] + sorted(source_words), _WORD_VECTORS)
        for id_, source in sources.items():
            if not source.words:
                continue
            matrix = np.vstack([vectors[v.folded] for v in source.words])
            agents = np.array([_is_agent(v.folded) for v in source.words])
            for n in unaligned:
                close = matrix @ vectors[claim.words[n].folded] >= WORD_SIMILARITY
                if np.any(close & (agents == _is_agent(claim.words[n].folded))):
                    by_id[id_].add(n)
    _align_acronyms(claim, sources, by_id)
    aligned = set().union(*by_id.values()) if by_id else set()
    disagreeing = {n for n, items in evidence.items() if not any(agrees for _, _, agrees, _ in items)}
    return _Alignment(by_id, aligned, _contradictions(claim, sources, by_id, evidence), by_form, disagreeing)


def _align_acronyms(claim: _Analysis, sources: dict[int, _Analysis], by_id: dict[int, set[int]]) -> None:
    """An acronym and its expansion align both ways (:mod:`nlp.citations.acronyms`): « PME » in the claim with
    « petites et moyennes entreprises » in a source, and each word of the expansion with « PME »."""
    from nlp.citations.acronyms import ACRONYMS, SAME_NAMES, _key, acronyms_written_out, expansion_in

    written_out = acronyms_written_out(claim.folded)
    acronyms = [n for n, w in enumerate(claim.words) if w.folded in ACRONYMS]
    names = [g for g in SAME_NAMES if any(re.search(rf"\b{name.replace(' ', '[ -]')}\b", claim.folded) for name in g)]
    if not (written_out or acronyms or names):
        return  # most sentences: nothing to read in the sources
    for id_, source in sources.items():
        for group in names:  # « France Travail » in the claim, « Pôle emploi » in the source
            mine = {
                p
                for name in group
                if re.search(rf"\b{name.replace(' ', '[ -]')}\b", claim.folded)
                for p in name.split()
            }
            if any(re.search(rf"\b{name.replace(' ', '[ -]')}\b", source.folded) for name in group):
                by_id[id_].update(n for n, w in enumerate(claim.words) if w.folded in mine)
        for n in acronyms:  # « PME » in the claim, written out in the source
            if expansion_in(claim.words[n].folded, source.folded):
                by_id[id_].add(n)
        held = [keys for a, keys in written_out.items() if re.search(rf"\b{a}\b", source.folded)]
        for n, w in enumerate(claim.words):  # written out in the claim, « PME » in the source
            if held and any(_key(w.folded) in keys for keys in held):
                by_id[id_].add(n)


_LETTERS = re.compile(r"[^\W\d_]+")


def _unshouted(text: str) -> str:
    """``text`` with its shouting lowered: a run of two words or more written in capitals, one of them of four
    letters or more ("HABITANT EN ZONE RURALE, JE CONSTATE …"). The encoder reads capitals as other words (cosine
    0.06 between that sentence and its lower-case copy's paraphrase, 0.59 once lowered); a lone word in capitals
    ("EDF", "NON", "PME et TPE") is kept as written."""
    words = list(_LETTERS.finditer(text))
    out, last, run = [], 0, []
    for m in [*words, None]:
        if m is not None and m.group().isupper():
            run.append(m)
            continue
        if len(run) >= 2 and any(len(w.group()) >= 4 for w in run):
            a, b = run[0].start(), run[-1].end()
            out += [text[last:a], text[a:b].lower()]
            last = b
        run = []
    return "".join(out) + text[last:] if out else text


def _squeeze(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class _Similarity:
    """Best cosine between the sentence and a passage (sentence, pair of sentences, whole text) of each source,
    ``[id]`` (``[0]``: all the sources joined, when there are several), encoded only when a rule asks.

    A source that holds the sentence word for word is as close in meaning as a passage can be (1.0, no
    encoding): checking a sentence quoted from one source with its reworded copies encodes the copies only.
    """

    def __init__(self, plain: str, sources: dict[int, _Analysis]):
        self.plain, self.sources = _unshouted(plain), sources
        quoted = _squeeze(plain)
        self.verbatim = {i for i, s in sources.items() if len(quoted) >= 20 and quoted in _squeeze(s.text)}
        if len(self.verbatim) == len(sources) > 1:
            self.verbatim.add(0)
        keys = [*sources, *([0] if len(sources) > 1 else [])]
        self.keys = sorted(keys, key=lambda i: i not in self.verbatim)  # the free values first
        self._values: dict[int, float] = {}

    def __getitem__(self, id_: int) -> float:
        if id_ not in self._values:
            if id_ in self.verbatim:
                self._values[id_] = 1.0
            else:
                if id_ == 0:
                    passages = [" ".join(s.text for s in self.sources.values())]
                else:
                    source = self.sources[id_]
                    sentences = source.sentences or [source.text]
                    passages = [source.text, *sentences, *(f"{a} {b}" for a, b in itertools.pairwise(sentences))]
                passages = [_unshouted(p) for p in passages]
                vectors = _vectors([self.plain, *passages], _TEXT_VECTORS)
                self._values[id_] = max(float(vectors[self.plain] @ vectors[p]) for p in passages)
        return self._values[id_]

    def reaches(self, threshold: float) -> bool:
        """True when some source (or all of them joined) is at least ``threshold`` close."""
        return any(self[i] >= threshold for i in self.keys)

    def best(self) -> float:
        return max(self[i] for i in self.keys)
