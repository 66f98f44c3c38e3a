"""What the checks know of one text (words with stem, lemma, clause and polarity; numbers; quantifiers),
and the scope a sentence may cite (:class:`SupportScorer`), each text analysed once."""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nlp._polarity import (
    Token,
    in_family,
    is_polarity_word,
    polarities,
    sans_complements,
    tokenize,
)
from nlp.citations.lexicons import _DISCOURSE_WORDS, _FRACTIONS, _MAJORITY, _NUMBER_WORDS, _PERIOD_UNITS, _UNIVERSAL
from nlp.citations.rules.numbers import _numbers
from nlp.citations.rules.quantifiers import _quantifiers
from nlp.citations.sentences import split_sentences
from nlp.stopwords import STOP_WORDS
from nlp.text import FrenchAnalyzer, fold

_ANALYZER = FrenchAnalyzer()


@dataclass
class _Word:
    folded: str
    stem: str
    lemma: str
    clause: int
    polarity: int
    start: int
    end: int
    unit: int = 0
    sans: bool = False  # the complement of a "sans", negated alone


@dataclass
class _Analysis:
    """What the checks need to know about one text (a sentence or a cited contribution)."""

    text: str
    folded: str
    tokens: list[Token]
    words: list[_Word]
    numbers: dict[tuple[str, object], str]
    negated: dict[int, bool]
    whole: set[int]
    quantifiers: dict[str, str] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    stems = _ANALYZER.stems(word)
    return stems[0] if stems else ""


@functools.lru_cache(maxsize=50_000)
def _lemma(word: str) -> str:
    import simplemma

    return fold(simplemma.lemmatize(word, lang="fr"))


# Judgements carry the claim's stance even when short and frequent: "un bon moyen" vs "un argument ridicule".
_EVALUATIVE = frozenset(["bon", "bonne", "bons", "bonnes", "mauvais", "mauvaise", "mauvaises"])


def _is_content(word: str) -> bool:
    if word in _EVALUATIVE:
        return True
    return (
        len(word) >= 3
        and not word.isdigit()
        and word not in STOP_WORDS
        and word not in _DISCOURSE_WORDS
        and word not in _NUMBER_WORDS
        and word not in _FRACTIONS
        and word not in _PERIOD_UNITS
        and word not in _UNIVERSAL
        and word not in _MAJORITY
        and not is_polarity_word(word)
    )


_FRAME = re.compile(r"\b(?:fon?t|faire|fait) etat d(?:e |')|\bporte(?:nt)? sur\b|\ba propos d(?:e |')")


_UNIT_CUT = re.compile(r"[,;:()]|\b(?:et|ou|mais)\b")


def _analyse(text: str) -> _Analysis:
    folded = _FRAME.sub(" ", fold(text).replace("’", "'"))
    tokens = tokenize(folded)
    polarity, negated, whole = polarities(tokens)
    local = sans_complements(tokens)
    words = [
        _Word(t.folded, _stem(t.folded) or t.folded, _lemma(t.folded), t.clause, p, t.start, t.end, sans=n in local)
        for n, (t, p) in enumerate(zip(tokens, polarity))
        if _is_content(t.folded)
    ]
    # Coverage units: clauses cut further at commas and "et" / "ou" / "mais" (the cuts before each word,
    # found in one pass over the text: counting them in each word's prefix was quadratic on long sources).
    cuts = [m.end() for m in _UNIT_CUT.finditer(folded)]
    for w in words:
        w.unit = bisect.bisect_right(cuts, w.start)
    analysis = _Analysis(text, folded, tokens, words, _numbers(tokens), negated, whole)
    analysis.quantifiers = _quantifiers(tokens)
    return analysis


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


_AGENT_SUFFIXES = ("eur", "eurs", "euse", "euses", "rice", "rices")

# Words in -eur that name no one: comparative adjectives and abstract or concrete feminine nouns.
_NOT_AGENTS = frozenset(
    [
        "meilleur",
        "superieur",
        "inferieur",
        "exterieur",
        "interieur",
        "majeur",
        "mineur",
        "anterieur",
        "posterieur",
        "ulterieur",
        "valeur",
        "secteur",
        "coeur",
        "couleur",
        "chaleur",
        "douleur",
        "hauteur",
        "largeur",
        "longueur",
        "faveur",
        "honneur",
        "peur",
        "erreur",
        "fleur",
        "odeur",
        "rigueur",
        "ampleur",
        "lenteur",
        "moteur",
        "vigueur",
        "humeur",
        "saveur",
        "grandeur",
        "profondeur",
        "epaisseur",
        "teneur",
        "lueur",
        "torpeur",
        "terreur",
        "horreur",
        "fraicheur",
        "blancheur",
        "noirceur",
    ]
)


@functools.lru_cache(maxsize=50_000)
def _is_agent(word: str) -> bool:
    """True for a noun naming who acts ("formateur", "employeuse", "agricultrice"), not for an adjective in
    -euse ("coûteuses": "coûteux") nor a word in -eur that names no one ("meilleure", "secteur")."""
    if not word.endswith(_AGENT_SUFFIXES):
        return False
    base = re.sub(r"(?:e|s|es)$", "", word)
    return base not in _NOT_AGENTS and not _lemma(word).endswith("eux")


def _same_word(w: _Word, v: _Word) -> bool:
    """Same word up to inflection or derivation ("obligatoire"/"obligation", "suppression"/"supprimer").

    An actor is not its activity: "formateur" is not "formation", "financeur" not "financement".
    """
    return _same_form(w.folded, v.folded)


@functools.lru_cache(maxsize=200_000)
def _same_form(a: str, b: str) -> bool:
    # On folded forms (a word's stem and lemma follow from them): the alignment compares every content
    # word of a sentence with every word of each cited text, and the same pairs come back sentence after sentence.
    if a == b:
        return True
    if _is_agent(a) != _is_agent(b):
        return False
    lemma_a, lemma_b = _lemma(a), _lemma(b)
    if (_stem(a) or a) == (_stem(b) or b) or lemma_a == lemma_b or _common_prefix(a, b) >= 7:
        return True
    for verb, other in ((lemma_a, b), (lemma_b, a)):  # "former" / "formation"
        if verb.endswith(("er", "ir")) and len(verb) >= 6 and other.startswith(verb[:-2]):
            return True
    return any(in_family(a, side) and in_family(b, side) for side in _families_of(a))


@functools.lru_cache(maxsize=20_000)
def _families_of(word: str) -> tuple[tuple[str, ...], ...]:
    from nlp._polarity.antonyms import _ANTONYM_FAMILIES

    return tuple(side for pair in _ANTONYM_FAMILIES for side in pair if in_family(word, side))


class SupportScorer:
    """The scope a text may cite, with each text analysed once (words, polarity, numbers, vectors).

    Parameters
    ----------
    texts : mapping of id to str
        Every text a sentence may cite.
    scope_size : int, optional
        Number of contributions the generated text speaks about, for "la majorité" / "tous".
    """

    def __init__(self, texts: Mapping[int, str], *, scope_size: int | None = None):
        self.texts = dict(texts)
        self.scope_size = scope_size
        self._analyses: dict[int, _Analysis] = {}
        self._discourse = {s for w in _DISCOURSE_WORDS for s in _ANALYZER.stems(w)}
        self.stems_ = {id_: frozenset(_ANALYZER.stems(text)) for id_, text in self.texts.items()}
        df = Counter(stem for stems in self.stems_.values() for stem in stems)
        n = max(1, len(self.stems_))
        self._idf = {stem: math.log((1 + n) / (1 + count)) + 1 for stem, count in df.items()}
        self._unknown_idf = math.log(1 + n) + 1

    def content_stems(self, sentence: str) -> set[str]:
        """The sentence's content stems (stop words and discourse words removed)."""
        return {s for s in _ANALYZER.stems(sentence) if s not in self._discourse}

    def score(self, sentence: str | set[str], ids: Iterable[int]) -> float:
        """Share (0–1) of the sentence's idf-weighted content stems found in texts ``ids``.

        A quick lexical score used to pick sentences (:mod:`nlp.synthesis`); the verdict on a
        citation is :func:`check_sentence`'s. A sentence without content stems scores 1.0.
        """
        stems = self.content_stems(sentence) if isinstance(sentence, str) else sentence
        if not stems:
            return 1.0
        found: set[str] = set()
        for id_ in ids:
            found |= self.stems_.get(id_, frozenset())
        weights = {s: self._idf.get(s, self._unknown_idf) for s in stems}
        return sum(w for s, w in weights.items() if s in found) / sum(weights.values())

    def __contains__(self, id_: int) -> bool:
        return id_ in self.texts

    def analysis(self, id_: int) -> _Analysis:
        """The analysis of text ``id_`` (computed on first use)."""
        if id_ not in self._analyses:
            analysis = _analyse(self.texts[id_])
            analysis.sentences = [s for s in split_sentences(self.texts[id_]) if len(s.split()) >= 3]
            self._analyses[id_] = analysis
        return self._analyses[id_]
