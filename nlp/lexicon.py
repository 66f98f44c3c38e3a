"""The vocational-training field's vocabulary, for reading a question as the field reads it.

Participants of a consultation on vocational training name the same people and the same money in several ways:
« les publics fragiles », « les personnes les plus éloignées de l'emploi », « les jeunes en difficulté », « les
salariés peu qualifiés »… Nobody writes all of them, and the sentence encoder does not bring them close enough
(a question on « publics fragiles » missed « les publics les plus éloignés de l'emploi »). This module writes the
field's usage down, from the CPOF's own documents (``../shared/context``: « les publics les plus fragiles »,
« les personnes les plus en difficulté », « des jeunes en difficulté », « prise en charge des coûts ») and general
knowledge of the field (the usual wording of calls for tenders and regional programmes: « publics prioritaires »,
« bas niveaux de qualification », « sans qualification »), never from the rows of an evaluation file.

Two kinds of entries:

- :data:`SYNONYMS`: expressions that name the same thing, each finding the others (symmetric). They are read as
  phrases, in order (a few words may come between: « les publics *les plus* éloignés de l'emploi »), never as
  loose words: « fragiles » alone is « des partenariats fragiles » as often as people.
- :data:`GLOSSARY`: a general word and the narrower terms a question on it also means (one way: a question on
  « les financements » finds the CPF and the OPCO, a question on the CPF does not find every financing), and the
  acronyms the encoder does not know (« VAE » and « validation des acquis »). Read word by word, by stem.

Used by :mod:`nlp.synthesis.answer` to widen a question's subject when retrieving sentences.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from itertools import product

from nlp.text import FrenchAnalyzer, fold

__all__ = ["GLOSSARY", "SYNONYMS", "expressions_in", "read_stems", "related_words", "synonym_families"]

_ANALYZER = FrenchAnalyzer()

# People the field speaks of, and what makes them a priority of its policies ("publics fragiles").
_PEOPLE = ("publics", "public", "personnes", "jeunes", "adultes", "stagiaires", "salariés", "bénéficiaires")
_FRAGILE = (
    "fragiles",
    "vulnérables",
    "précaires",
    "défavorisés",
    "en difficulté",
    "en difficultés",
    "en situation de précarité",
    "éloignés de l'emploi",
    "éloignées de l'emploi",
    "peu qualifiés",
    "peu qualifiées",
    "sans qualification",
    "sans diplôme",
    "prioritaires",
)

#: Families of expressions naming the same thing in the field (each finds the others).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    (
        *(f"{who} {what}" for who, what in product(_PEOPLE, _FRAGILE)),
        # Distinctive without the noun: "les plus éloignés de l'emploi", "un bas niveau de qualification".
        "éloignés de l'emploi",
        "éloignées de l'emploi",
        "bas niveau de qualification",
        "bas niveaux de qualification",
        "demandeurs d'emploi peu qualifiés",
        "demandeurs d'emploi de longue durée",
        "chômeurs de longue durée",
    ),
    (
        # Who pays what is left of a training's cost: the field's words for funding a person's training.
        "prise en charge",
        "prises en charge",
        "reste à charge",
        "cofinancement",
        "cofinancements",
    ),
)

#: A general word (or an acronym) and the narrower terms a question on it also means (one way).
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "financement financements financer financé financeur financeurs payer paiement coût budget",
        "CPF OPCO prise en charge reste à charge taux horaire rémunération",
    ),
    ("financeur financeurs", "OPCO Région État France Travail"),
    ("VAE", "validation des acquis de l'expérience jury"),
    ("qualité certification", "Qualiopi audit référentiel"),
    ("apprentissage alternance", "apprentis alternants AFEST tuteur"),
)

# Words that tie an expression together without naming anything: skipped when reading it.
_TIES = frozenset(["de", "d", "l", "la", "le", "les", "des", "du", "en", "a", "au", "aux", "et"])
_GAP = 3  # words that may come between two words of an expression ("les publics les plus éloignés de l'emploi")
_PREFIX = 5  # a stem this long matches a longer one it opens ("eloign" / "eloigne": éloignés, éloignées)
_TOKEN = re.compile(r"\w+")


@functools.lru_cache(maxsize=100_000)
def _stem(token: str) -> str:
    stems = _ANALYZER.stems(token)
    return stems[0] if stems else token


def read_stems(text: str) -> tuple[str, ...]:
    """The folded words of ``text`` as stems, stop words kept as written: what :func:`expressions_in` reads (a
    caller reading the same text for several questions keeps it)."""
    return tuple(_stem(t) for t in _TOKEN.findall(fold(text).replace("’", "'")))


@functools.cache
def _expression(expression: str) -> tuple[str, ...]:
    """The stems an expression is read by, ties left out (« éloignés de l'emploi » -> eloign, emploi)."""
    return tuple(_stem(t) for t in _TOKEN.findall(fold(expression)) if t not in _TIES)


def _same(stem: str, wanted: str) -> bool:
    return stem == wanted or (len(wanted) >= _PREFIX and stem.startswith(wanted))


def _holds(stems: Sequence[str], expression: tuple[str, ...]) -> bool:
    """``expression``'s stems in order in ``stems``, at most :data:`_GAP` words between two of them."""
    for start, stem in enumerate(stems):
        if not _same(stem, expression[0]):
            continue
        at, found = start, True
        for wanted in expression[1:]:
            following = next(
                (k for k in range(at + 1, min(len(stems), at + _GAP + 2)) if _same(stems[k], wanted)), None
            )
            if following is None:
                found = False
                break
            at = following
        if found:
            return True
    return False


@functools.cache
def _by_first(family: tuple[str, ...]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The expressions of ``family`` by their first stem: a text is searched only where one opens."""
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for expression in family:
        stems = _expression(expression)
        if stems:
            out.setdefault(stems[0], []).append((expression, stems))
    return out


@functools.cache
def _opening_lengths(family: tuple[str, ...]) -> tuple[int, ...]:
    """The lengths of the first stems of ``family`` that a longer stem may open (:data:`_PREFIX` letters or more)."""
    return tuple(sorted({len(first) for first in _by_first(family) if len(first) >= _PREFIX}))


def expressions_in(text: str | Sequence[str], family: Sequence[str]) -> list[str]:
    """The expressions of ``family`` that ``text`` holds, as phrases (in order, a few words apart at most).

    ``text``: a text, or its :func:`read_stems`.
    """
    stems = read_stems(text) if isinstance(text, str) else text
    openings = _by_first(tuple(family))
    lengths = _opening_lengths(tuple(family))
    found: dict[str, None] = {}
    for start, stem in enumerate(stems):
        for key in (stem, *(stem[:n] for n in lengths if n < len(stem))):
            for expression, wanted in openings.get(key, ()):
                if expression not in found and _holds(stems[start:], wanted):
                    found[expression] = None
    return list(found)


def synonym_families(text: str) -> list[tuple[tuple[str, ...], set[str]]]:
    """The :data:`SYNONYMS` families an expression of which ``text`` holds, each with the stems of ``text`` that
    expression is made of (what the family stands for in ``text``).

    Examples
    --------
    >>> [sorted(stems) for _, stems in synonym_families("Comment financer les formations des publics fragiles ?")]
    [['fragil', 'public']]
    """
    stems = read_stems(text)
    out = []
    for family in SYNONYMS:
        found = expressions_in(stems, family)
        if found:
            out.append((family, {s for expression in found for s in _expression(expression)}))
    return out


def related_words(stems: Sequence[str]) -> list[str]:
    """The narrower terms of the :data:`GLOSSARY` entries one of whose words has a stem in ``stems``."""
    wanted = set(stems)
    return [related for words, related in GLOSSARY if wanted & set(_ANALYZER.stems(words))]
