"""French noun phrases for headings and names: read after a determiner ("le financement des
formations"), which marks the head word as a noun; a phrase is shown as the texts write it."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence

from nlp._sentences import (
    _FINITE,
    _FINITE_ENDING,
    _NOT_VERBS,
    _VERB_LEMMA,
    _WORD,
    _folded_token,
    _is_word,
    _lemma,
    _splits,
    words,
)
from nlp.stopwords import DETERMINERS, STOP_WORDS
from nlp.text import fold

__all__ = [
    "SurfaceFinder",
    "best_surface",
    "capitalise",
    "noun_phrases",
    "noun_phrases_in_tokens",
    "phrase_stems",
    "phrase_tokens",
]

_DETERMINERS = frozenset(fold(w) for w in DETERMINERS)
_LINKS = frozenset(fold(w) for w in ["de", "des", "du", "d'", "à", "au", "aux", "en", "pour", "sur"])
_LINK_ARTICLES = frozenset(fold(w) for w in ["la", "l'", "les"])
_WEAK_HEADS = frozenset(
    fold(w)
    for w in (
        [
            "chose",
            "choses",
            "fait",
            "faits",
            "cas",
            "part",
            "fois",
            "façon",
            "manière",
            "point",
            "points",
            "sujet",
            "sujets",
            "idée",
            "idées",
            "question",
            "questions",
            "problème",
            "problèmes",
            "moment",
            "temps",
            "exemple",
            "niveau",
            "plan",
            "place",
            "personne",
            "personnes",
            "gens",
            "monde",
            "ensemble",
            "type",
            "types",
            "sorte",
            "nombre",
            "tout",
            "tous",
            "autre",
            "autres",
            "même",
            "mêmes",
            # Words on the consultation itself: "la proposition", "cet article", "ma réponse" name no subject.
            "proposition",
            "propositions",
            "article",
            "articles",
            "texte",
            "textes",
            "réponse",
            "réponses",
            "débat",
            "débats",
            "contribution",
            "contributions",
            "consultation",
            "commentaire",
            "commentaires",
            "avis",
            "propos",
            "fond",
            "évidence",
            # Adjectives read after a determiner ("la meilleure", "le petit poil"): a heading's head is a noun.
            "meilleur",
            "meilleure",
            "meilleurs",
            "meilleures",
            "petit",
            "petite",
            "petits",
            "petites",
            "grand",
            "grande",
            "grands",
            "grandes",
            "nouveau",
            "nouvelle",
            "nouveaux",
            "nouvelles",
            "seul",
            "seule",
            "seuls",
            "seules",
            "premier",
            "première",
            "premiers",
            "premières",
            "dernier",
            "dernière",
            "derniers",
            "dernières",
            "bon",
            "bonne",
            "bons",
            "bonnes",
            "mauvais",
            "mauvaise",
            "mauvaises",
            "vrai",
            "vraie",
            "vrais",
            "vraies",
            "certain",
            "certaine",
            "certains",
            "certaines",
            "différents",
            "différentes",
            "plupart",
        ]
    )
)


def _content(token: str) -> bool:
    return _is_word(token) and len(token) > 2 and token not in STOP_WORDS and token not in _FINITE


def _is_verbal(token: str) -> bool:
    lemma = _lemma(token)
    return (
        token not in _NOT_VERBS
        and bool(_VERB_LEMMA.search(lemma))
        and (lemma == token or bool(_FINITE_ENDING.search(token)))
    )


_CONTENT, _MODIFIER, _HEAD = 1, 2, 4


@functools.lru_cache(maxsize=100_000)
def _role(token: str) -> int:
    """What a word may be in a noun phrase, as bits: a content word, a modifier (a content word that is
    not a verb form) and a head (a content word, not a weak noun such as "chose", and not a verb form
    unless it ends like a noun: "financement", "formation"). Read once per distinct word."""
    if not _content(token):
        return 0
    verbal = _is_verbal(token)
    role = _CONTENT | (0 if verbal else _MODIFIER)
    if token not in _WEAK_HEADS and not (verbal and not token.endswith(("ment", "tion", "ure", "age"))):
        role |= _HEAD
    return role


def phrase_tokens(text: str) -> list[str]:
    """The folded word and punctuation tokens :func:`noun_phrases` reads, elisions split ("l'", "etat")."""
    return _splits(words(text))


def noun_phrases(texts: Iterable[str], *, max_words: int = 5) -> Counter:
    """Noun phrases read after a determiner, counted once per text: ``{surface: n_texts}``.

    A phrase is a noun (a content word after a determiner), an optional adjective, then optionally
    a complement "de/des/à/en/pour (la) noun (adjective)": "financement des formations longues".
    """
    return noun_phrases_in_tokens((phrase_tokens(text) for text in texts), max_words=max_words)


def noun_phrases_in_tokens(token_lists: Iterable[Sequence[str]], *, max_words: int = 5) -> Counter:
    """:func:`noun_phrases` on texts already read by :func:`phrase_tokens` (a caller that reads them often)."""
    counts: Counter = Counter()
    for tokens in token_lists:
        found = set()
        for n in range(1, len(tokens)):
            if tokens[n - 1] not in _DETERMINERS or not _role(tokens[n]) & _HEAD:
                continue
            span = [tokens[n]]
            found.add(tuple(span))
            k = n + 1
            if k < len(tokens) and _role(tokens[k]) & _MODIFIER:
                span.append(tokens[k])
                found.add(tuple(span))
                k += 1
            if k < len(tokens) and tokens[k] in _LINKS:
                rest = [tokens[k]]
                k += 1
                if k < len(tokens) and tokens[k] in _LINK_ARTICLES:
                    rest.append(tokens[k])
                    k += 1
                if k < len(tokens) and _role(tokens[k]) & _CONTENT and len(span) + len(rest) < max_words:
                    rest.append(tokens[k])
                    found.add(tuple(span + rest))
                    if k + 1 < len(tokens) and _role(tokens[k + 1]) & _MODIFIER and len(span) + len(rest) < max_words:
                        found.add(tuple(span + rest + [tokens[k + 1]]))
        counts.update(" ".join(p).replace("' ", "'") for p in found)
    return counts


def phrase_stems(phrase: str, stem) -> set[str]:
    """Stems of the content words of ``phrase`` (``stem`` maps one word to its stem)."""
    return {stem(t) for t in _splits(words(phrase)) if _content(t)}


def capitalise(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def best_surface(phrase: str, texts: Sequence[str]) -> str:
    """The phrase as written in the texts (accents, case), found by its folded form."""
    return SurfaceFinder(texts).find(phrase)


_SPELLINGS_READ = 8  # occurrences of a phrase read to choose its spelling (each text read once)
_ACRONYM = 4  # letters: a longer word in capitals is shouted ("SECURITE"), not an acronym ("CNIL", "OPCO")


class SurfaceFinder:
    """:func:`best_surface` for several phrases of the same texts: each text is read once, when first searched."""

    def __init__(self, texts: Sequence[str]):
        self.texts = texts
        self._read: list[tuple[str, str] | None] = []

    def _joined(self, n: int) -> tuple[str, str] | None:
        """Text ``n`` folded and as written, tokens joined by spaces; None when the two differ in length."""
        while len(self._read) <= n:
            tokens = _WORD.findall(self.texts[len(self._read)])
            joined = " ".join(map(_folded_token, tokens)).replace("' ", "'")
            surface = " ".join(tokens).replace("' ", "'").replace("’ ", "’")
            self._read.append((joined, surface) if len(surface) == len(joined) else None)
        return self._read[n]

    def find(self, phrase: str) -> str:
        """How the texts write ``phrase`` (folded), first letter lower-cased but for an acronym; else ``phrase``.

        The spelling most texts use among the first occurrences wins ("dépenses" over "depenses"), and one in
        capitals (a word of more than four letters: an acronym is shorter, "CNIL") only when every text writes it
        so (never a shouted "DROIT à la FIBRE").
        """
        spellings: dict[str, int] = {}
        for n in range(len(self.texts)):
            read = self._joined(n)
            if read is None:
                continue
            joined, surface = read
            at = joined.find(phrase)
            if at < 0:
                continue
            # Map back by position in the joined folded string (same length as the surface string joined).
            found = surface[at : at + len(phrase)]
            first = found.split()[0]
            found = found if first.isupper() and len(first) > 1 else found[:1].lower() + found[1:]
            spellings[found] = spellings.get(found, 0) + 1
            if sum(spellings.values()) >= _SPELLINGS_READ:
                break
        if not spellings:
            return phrase
        quiet = [f for f in spellings if not any(w.isupper() and len(w) > _ACRONYM for w in f.split())]
        return max(quiet or spellings, key=lambda f: spellings[f])
