"""French noun phrases for headings and names: read after a determiner ("le financement des
formations"), which marks the head word as a noun; a phrase is shown as the texts write it."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress

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
from nlp.stopwords import DETERMINERS, MONTHS, STOP_WORDS
from nlp.text import fold

__all__ = [
    "SurfaceFinder",
    "best_surface",
    "capitalise",
    "is_prenominal",
    "lone_heads",
    "noun_phrases",
    "noun_phrases_in_tokens",
    "of_phrase",
    "phrase_stems",
    "phrase_tokens",
    "phrases_in_text",
    "read_text",
]

_DETERMINERS = frozenset(fold(w) for w in DETERMINERS)
_LINKS = frozenset(fold(w) for w in ["de", "des", "du", "d'", "à", "au", "aux", "en", "pour", "sur", "par", "contre"])
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
            # Time words ("dès le printemps", "chaque année") date what is said; they name no subject.
            "jour",
            "jours",
            "semaine",
            "semaines",
            "mois",
            "an",
            "ans",
            "année",
            "années",
            "printemps",
            "été",
            "automne",
            "hiver",
            *MONTHS,
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
            "argument",
            "arguments",
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


# Adjectives and participles that need their complement ("représentants issus de…", "frais liés à…"): a phrase
# never ends on one ("Représentants issus" headed a cluster).
_NEEDS_COMPLEMENT = frozenset(
    fold(f"{stem}{ending}")
    for stem, endings in [
        ("issu", ("", "e", "s", "es")),
        ("lié", ("", "e", "s", "es")),
        ("relati", ("f", "ve", "fs", "ves")),
        ("destiné", ("", "e", "s", "es")),
        ("consacré", ("", "e", "s", "es")),
        ("dédié", ("", "e", "s", "es")),
        ("soumis", ("", "e", "es")),
        ("chargé", ("", "e", "s", "es")),
        ("susceptible", ("", "s")),
        ("apte", ("", "s")),
        ("capable", ("", "s")),
        ("conforme", ("", "s")),
    ]
    for ending in endings
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


def read_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The word and punctuation tokens of ``text`` as written and folded: what :func:`phrase_tokens` and
    :class:`SurfaceFinder` read, for a caller that reads the same text for both."""
    written = tuple(_WORD.findall(text))
    return written, tuple(map(_folded_token, written))


def phrase_tokens(text: str, read: tuple[Sequence[str], Sequence[str]] | None = None) -> list[str]:
    """The folded word and punctuation tokens :func:`noun_phrases` reads, elisions split ("l'", "etat").

    ``read``: the text's :func:`read_text`, when the caller has it.
    """
    return _splits(read[1] if read is not None else words(text))


def noun_phrases(texts: Iterable[str], *, max_words: int = 5) -> Counter:
    """Noun phrases read after a determiner, counted once per text: ``{surface: n_texts}``.

    A phrase is a noun (a content word after a determiner), an optional adjective, then optionally
    a complement "de/des/à/en/pour/sur/par/contre (la) noun (adjective)", and a second one when
    ``max_words`` allows: "financement des formations longues", "financement des formations par les opco".
    """
    return noun_phrases_in_tokens((phrase_tokens(text) for text in texts), max_words=max_words)


def _complement(tokens: Sequence[str], k: int) -> tuple[list[str], int]:
    """The complement opening at ``k`` ("des formations", "par les opco", "de la formation continue"):
    its tokens, the optional adjective last, and the index after it; ``([], k)`` when none opens there."""
    if k >= len(tokens) or tokens[k] not in _LINKS:
        return [], k
    rest = [tokens[k]]
    k += 1
    if k < len(tokens) and tokens[k] in _LINK_ARTICLES:
        rest.append(tokens[k])
        k += 1
    if k >= len(tokens) or not _role(tokens[k]) & _MODIFIER:  # a noun, not a verb ("la formation a changé")
        return [], k
    rest.append(tokens[k])
    return rest, k + 1


def noun_phrases_in_tokens(
    token_lists: Iterable[Sequence[str]], *, max_words: int = 5, articles: dict | None = None
) -> Counter:
    """:func:`noun_phrases` on texts already read by :func:`phrase_tokens` (a caller that reads them often).

    ``articles`` (optional): filled with the determiners read before each phrase, ``{phrase: Counter}``
    (to write "du financement", "de la formation", "des OPCO").
    """
    counts: Counter = Counter()
    for tokens in token_lists:
        phrases = phrases_in_text(tokens, max_words=max_words)
        counts.update(phrases.keys())
        if articles is not None:
            for phrase, determiner in phrases.items():
                articles.setdefault(phrase, Counter())[determiner] += 1
    return counts


def _after_determiners(tokens: Sequence[str]) -> Iterable[int]:
    """The positions of the tokens that follow a determiner, in order (the scan runs in C: most words follow none)."""
    return compress(range(1, len(tokens)), map(_DETERMINERS.__contains__, tokens))


def phrases_in_text(tokens: Sequence[str], *, max_words: int = 5) -> dict[str, str]:
    """The noun phrases of one text read by :func:`phrase_tokens`, each with the determiner read before its
    first occurrence (prefixed with :data:`COMPLEMENT` when it is a contracted "de" after a noun)."""
    found: dict[tuple, str] = {}
    for n in _after_determiners(tokens):
        if not _role(tokens[n]) & _HEAD:
            continue
        determiner = tokens[n - 1]
        if determiner in _CONTRACTED and n >= 2 and _role(tokens[n - 2]) & _MODIFIER:
            determiner = COMPLEMENT + determiner  # "langue des signes": "signes" completes a noun
        span = [tokens[n]]
        found.setdefault(tuple(span), determiner)
        k = n + 1
        if k < len(tokens) and _role(tokens[k]) & _MODIFIER:
            span.append(tokens[k])
            if tokens[k] not in _NEEDS_COMPLEMENT:
                found.setdefault(tuple(span), determiner)
            k += 1
        for _ in range(2):  # up to two complements: "financement des formations par les opco"
            rest, k = _complement(tokens, k)
            if not rest or len(span) + len(rest) > max_words:
                break
            span += rest
            found.setdefault(tuple(span), determiner)
            if k < len(tokens) and _role(tokens[k]) & _MODIFIER and len(span) < max_words:
                span.append(tokens[k])
                if tokens[k] not in _NEEDS_COMPLEMENT:
                    found.setdefault(tuple(span), determiner)
                k += 1
    return {" ".join(p).replace("' ", "'"): d for p, d in found.items()}


_CONTRACTED = frozenset(["des", "du", "au", "aux"])
COMPLEMENT = "+"  # marks a determiner that is a contracted link after a noun ("+des"), in ``articles``

# French adjectives placed before the noun ("la présente loi", "un excellent outil"): a heading never opens on one.
PRENOMINAL = (
    frozenset(
        fold(w)
        for w in [
            "présent",
            "présente",
            "présents",
            "présentes",
            "excellent",
            "excellente",
            "excellents",
            "excellentes",
            "simple",
            "simples",
            "véritable",
            "véritables",
            "ancien",
            "ancienne",
            "anciens",
            "anciennes",
            "futur",
            "future",
            "futurs",
            "futures",
            "prochain",
            "prochaine",
            "prochains",
            "prochaines",
            "principal",
            "principale",
            "principaux",
            "principales",
            "nombreux",
            "nombreuses",
            "divers",
            "diverses",
            "tel",
            "telle",
            "tels",
            "telles",
            "même",
            "mêmes",
            "autre",
            "autres",
            "énorme",
            "énormes",
            "vaste",
            "vastes",
            "large",
            "larges",
            "long",
            "longue",
            "longs",
            "longues",
            "faible",
            "faibles",
            "fort",
            "forte",
            "forts",
            "fortes",
            "double",
            "doubles",
            "triple",
            "seul",
            "seule",
            "seuls",
            "seules",
        ]
    )
    | _WEAK_HEADS
)


def is_prenominal(word: str) -> bool:
    """A French adjective placed before its noun (folded): "présente", "excellent", an ordinal ("deuxième")."""
    return word in PRENOMINAL or (word.endswith(("ieme", "iemes")) and len(word) > 5)


def lone_heads(token_lists: Iterable[Sequence[str]]) -> set[str]:
    """Words read as a noun on their own: after a determiner and before no other content word ("la loi.",
    "le service de"). A word only ever read before another noun is a prenominal adjective ("la présente loi",
    "un excellent outil"): a heading does not open on it."""
    out: set[str] = set()
    for tokens in token_lists:
        for n in _after_determiners(tokens):  # the determiner first: the roles of the other words are not read
            if not _role(tokens[n]) & _HEAD:
                continue
            if not (n + 1 < len(tokens) and _role(tokens[n + 1]) & _CONTENT):
                out.add(tokens[n])
    return out


_PLURAL = frozenset(
    fold(w)
    for w in [
        "les",
        "des",
        "aux",
        "ces",
        "mes",
        "tes",
        "ses",
        "nos",
        "vos",
        "leurs",
        "certains",
        "certaines",
        "plusieurs",
        "quelques",
        "tous",
        "toutes",
    ]
)
_MASCULINE = frozenset(fold(w) for w in ["le", "du", "au", "un", "ce", "mon", "ton", "son", "aucun", "tout"])
_FEMININE = frozenset(fold(w) for w in ["la", "une", "cette", "ma", "ta", "sa", "aucune", "toute"])
_VOWELS = tuple("aeiouy")


def of_phrase(phrase: str, determiners: Counter | None) -> str:
    """``phrase`` after "de", with the article its texts use: "du financement", "de la formation",
    "de l'État", "des OPCO" (number and gender read from the determiners written before it).

    Plural only when the head is written as one (a final s, x or z, or an acronym); before a vowel the singular
    elides ("de l'ordinateur"), before an "h" only when the texts write "l'" ("du handicap"); without a
    reading, "de" and the phrase.
    """
    votes: Counter = Counter()
    folded = fold(phrase)
    head = phrase.split()[0] if phrase.split() else ""
    plural = head.isupper() or fold(head).endswith(("s", "x", "z"))
    for determiner, n in (determiners or {}).items():
        determiner = determiner.removeprefix(COMPLEMENT)
        if determiner in _PLURAL:
            if plural:
                votes["des"] += n
        elif determiner == "l'" or determiner == "cet":
            votes["l'"] += n
        elif determiner in _MASCULINE:
            votes["du"] += n
        elif determiner in _FEMININE:
            votes["de la"] += n
    if not votes:
        return f"de {phrase}"
    article = max(sorted(votes), key=lambda a: votes[a])
    if article != "des" and folded.startswith(_VOWELS):
        article = "l'"
    return f"de l'{phrase}" if article == "l'" else f"{article} {phrase}"


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

    def __init__(self, texts: Sequence[str], reads: Sequence[tuple[Sequence[str], Sequence[str]]] | None = None):
        self.texts = texts
        self.reads = reads  # each text's read_text(), when the caller has them
        self._read: list[tuple[str, str] | None] = []

    def _joined(self, n: int) -> tuple[str, str] | None:
        """Text ``n`` folded and as written, tokens joined by spaces; None when the two differ in length."""
        while len(self._read) <= n:
            k = len(self._read)
            tokens, folded = self.reads[k] if self.reads is not None else read_text(self.texts[k])
            joined = " ".join(folded).replace("' ", "'")
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
