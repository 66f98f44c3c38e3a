"""Cluster names a moderator would write: a short French noun phrase from the members' own words.

A light part-of-speech heuristic replaces a tagger: a noun is a content word that follows a
determiner, a preposition or the start of a sentence and is not a verb form (simplemma's French
dictionary: a lemma with many inflected forms is a verb); adjectives and participles may follow
it, then up to two complements linked by de / du / des / d' / à / au / aux / sur (« Financement
du temps de préparation des formateurs »). Candidate phrases are scored per cluster by
distinctiveness (share of the cluster's texts using the phrase, times the log ratio to its share
in every cluster's texts: a phrase-level c-TF-IDF) and the best one is extended while its longer
form stays common enough.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from nlp.stopwords import DETERMINERS, FILLERS, STOP_WORDS
from nlp.text import fold

__all__ = ["is_filler", "keywords", "name_clusters"]

# A word (letters/digits, inner hyphens), an elided clitic (l', d', qu'...) or a punctuation run.
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*['’]?|[.!?;:,()\[\]«»\"…/]+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PREPOSITIONS = frozenset(
    [
        "de",
        "d'",
        "du",
        "des",
        "à",
        "au",
        "aux",
        "sur",
        "pour",
        "par",
        "avec",
        "contre",
        "sans",
        "dans",
        "en",
        "entre",
        "vers",
        "chez",
        "sous",
    ]
)
# Words after which a noun may start: determiners, prepositions, and coordinations (« X et Y »).
_BEFORE_NOUN = DETERMINERS | _PREPOSITIONS | {"et", "ou", "ni"}
# Links allowed inside a name, and the articles that may follow them (« impôt sur le revenu »).
_LINKS = frozenset(["de", "d'", "du", "des", "à", "au", "aux", "sur"])
_LINK_ARTICLES = frozenset(["la", "l'", "le", "les"])
_PRENOMINAL = frozenset(
    [
        "grand",
        "grande",
        "grands",
        "grandes",
        "petit",
        "petite",
        "petits",
        "petites",
        "nouveau",
        "nouvel",
        "nouvelle",
        "nouveaux",
        "nouvelles",
        "meilleur",
        "meilleure",
        "meilleurs",
        "meilleures",
        "premier",
        "première",
        "premiers",
        "premières",
        "seul",
        "seule",
        "seuls",
        "seules",
        "vrai",
        "vraie",
        "vrais",
        "vraies",
        "bon",
        "bonne",
        "bons",
        "bonnes",
        "mauvais",
        "mauvaise",
        "mauvaises",
        "gros",
        "grosse",
        "grosses",
        "haut",
        "haute",
        "hauts",
        "hautes",
        "jeune",
        "jeunes",
        "vieux",
        "vieille",
        "vieilles",
    ]
)
# Verb forms in simplemma's dictionary that are common nouns in consultations.
_NOUN_VERBS = frozenset(["pouvoir", "pouvoirs", "devoir", "devoirs", "vote", "votes", "avenir", "souvenir"])
_VERB_FORMS_MIN = 8  # a lemma with this many inflected forms is a verb (nouns have 1-3, adjectives 4-5)
_MAX_LINKS = 3
_SAMPLE = 200  # most central texts read per cluster
_MAX_TOKENS = 200  # tokens read per text
_EXTEND_RATIO = 0.3  # a longer phrase replaces a shorter one used at least this share as often


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(verb forms, known forms) of simplemma's French dictionary, lower-case with accents."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory().get_dictionary("fr")
    # simplemma keeps a bytes -> bytes dict behind a decoding view: read it directly when it is
    # there (0.3 s instead of 3 s for its 250,000 forms).
    raw = getattr(dictionary, "_dict", None)
    pairs: list[tuple[bytes, bytes]] = list(
        raw.items() if isinstance(raw, dict) else ((k.encode(), v.encode()) for k, v in dictionary.items())
    )
    n_forms = Counter(lemma for _, lemma in pairs)
    verbs = frozenset(form.decode() for form, lemma in pairs if n_forms[lemma] >= _VERB_FORMS_MIN)
    return verbs - _NOUN_VERBS, frozenset(form.decode() for form, _ in pairs)


def is_filler(word: str) -> bool:
    """True for words that name no theme: stop words, fillers (« oui », « chose »), adverbs in -ment."""
    folded = fold(word)
    if folded in STOP_WORDS or folded in FILLERS or (len(folded) < 3 and not word.isupper()):
        return True
    return folded.endswith("ment") and word.lower() not in _lexicon()[1]


# Determiners that are never object pronouns (« le payer », « leur proposer » say nothing).
_NOUN_DETERMINERS = DETERMINERS - {"le", "la", "les", "l'", "l", "leur", "leurs"}
# Pieces of web addresses that tokenisation leaves as words.
_URL_PARTS = frozenset(["http", "https", "www", "com", "org", "net", "html", "htm", "php", "pdf"])


def keywords(words: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Keep the ``words`` a moderator would list as a cluster's keywords, in order.

    Fillers and pieces of web addresses go; so do verbs (« semble », « payer »): a word that is a
    verb form in the dictionary is kept only if ``texts`` (the cluster's central members) use it
    after a determiner at least once (« les aides », « la taxe », « le vote »: nouns that share
    their spelling with a verb form).
    """
    verbs, _known = _lexicon()
    candidates = [w for w in words if not is_filler(w) and fold(w) not in _URL_PARTS]
    undecided = {_normal(w) for w in candidates if _normal(w) in verbs}
    as_noun: set[str] = set()
    if undecided:
        for text in texts:
            tokens = [_normal(t) for t in _TOKEN.findall(text[:4000])]
            as_noun.update(b for a, b in itertools.pairwise(tokens) if b in undecided and a in _NOUN_DETERMINERS)
    return [w for w in candidates if _normal(w) not in undecided or _normal(w) in as_noun]


def _is_participle(word: str) -> bool:
    return fold(word).endswith(("e", "es", "ee", "ees", "is", "ie", "ies", "u", "us", "ue", "ues")) and len(word) > 4


def _key(word: str) -> str:
    folded = fold(word)
    return folded[:-1] if len(folded) > 3 and folded[-1] in "sx" else folded


def _normal(word: str) -> str:
    return word.lower().replace("’", "'")


def _phrases(text: str) -> dict[tuple, str]:
    """Candidate noun phrases of ``text``: key (word keys and links) -> surface form."""
    tokens = _TOKEN.findall(_URL.sub(" . ", unicodedata.normalize("NFKC", text)[:4000]))[:_MAX_TOKENS]
    verbs, _known = _lexicon()
    lower = [_normal(t) for t in tokens]
    kinds = []  # "c" content, "p" participle-like content, "f" function word, "b" boundary
    for token, low in zip(tokens, lower):
        if not token[0].isalnum():
            kinds.append("b")
        elif low in DETERMINERS or low in _PREPOSITIONS or low in _LINK_ARTICLES or is_filler(token):
            kinds.append("f")
        elif low in verbs:
            kinds.append("p" if _is_participle(low) else "v")
        else:
            kinds.append("c")
    out: dict[tuple, str] = {}
    for i, kind in enumerate(kinds):
        if kind != "c":
            continue
        previous = lower[i - 1] if i else ""
        if i and kinds[i - 1] != "b" and previous not in _BEFORE_NOUN:
            continue  # a noun follows a determiner, a preposition, a coordination or a sentence start
        if lower[i] in _PRENOMINAL and i + 1 < len(kinds) and kinds[i + 1] == "c":
            continue  # « grandes entreprises »: the phrase starts here but is headed by the next word
        start = i - 1 if i and lower[i - 1] in _PRENOMINAL and kinds[i - 1] == "c" else i
        _extend(tokens, lower, kinds, start, i, out)
    return out


def _extend(tokens, lower, kinds, start, head, out) -> None:
    """Add the phrase headed at ``head`` and each longer form (adjectives, complements) to ``out``."""
    key: list[str] = [_key(t) for t in tokens[start : head + 1]]
    j = head + 1
    links = 0
    while True:
        out.setdefault(tuple(key), " ".join(tokens[start:j]).replace("' ", "'").replace("’ ", "’"))
        if j < len(kinds) and kinds[j] in "cp" and lower[j] not in _PRENOMINAL:
            key.append(_key(tokens[j]))
            j += 1
            continue
        if links >= _MAX_LINKS or j >= len(kinds) or lower[j] not in _LINKS:
            return
        k = j + 1
        link = {"d'": "de", "du": "de", "des": "de", "au": "à", "aux": "à"}.get(lower[j], lower[j])
        if k < len(kinds) and lower[k] in _LINK_ARTICLES and lower[j] in ("de", "à", "sur"):
            k += 1
        if k < len(kinds) and lower[k] in _PRENOMINAL and k + 1 < len(kinds) and kinds[k + 1] == "c":
            k += 1
        if k >= len(kinds) or kinds[k] != "c":
            return
        key += [link, _key(tokens[k])]
        links += 1
        j = k + 1


def name_clusters(cluster_texts: Sequence[Sequence[str]]) -> list[str]:
    """One French noun-phrase name per cluster, from its texts (most central first); "" when none.

    Each cluster reads its first 200 texts. Names are distinct across clusters when possible.
    """
    samples = [list(texts[:_SAMPLE]) for texts in cluster_texts]
    found: list[Counter] = []
    surfaces: dict[tuple, Counter] = {}
    for texts in samples:
        counts: Counter = Counter()
        for text in texts:
            for key, surface in _phrases(text).items():
                counts[key] += 1
                surfaces.setdefault(key, Counter())[surface] += 1
        found.append(counts)
    total: Counter = Counter()
    for counts in found:
        total.update(counts)
    n_total = max(sum(len(texts) for texts in samples), 1)
    used: set[tuple] = set()
    chosen: dict[int, str] = {}
    for c in sorted(range(len(samples)), key=lambda c: -len(samples[c])):  # larger clusters choose first
        n = max(len(samples[c]), 1)
        counts = found[c]

        def score(key, counts=counts, n=n):
            share = counts[key] / n
            return share * math.log1p(share / (total[key] / n_total)) if len(samples) > 1 else share

        ranked = sorted((k for k in counts if counts[k] >= 2 or n < 4), key=lambda k: (-score(k), -len(k), k))
        forms = (_longest_common_form(k, counts) for k in ranked)
        best = next((k for k in forms if k not in used), None)
        if best is not None:
            used.add(best)
        chosen[c] = _display(surfaces[best]) if best is not None else ""
    return [chosen[c] for c in range(len(samples))]


def _longest_common_form(key: tuple, counts: Counter) -> tuple:
    """Extend ``key`` to its most used longer form while that form keeps enough of its uses."""
    while True:
        # Longer forms holding the phrase, right (« données publiques ») or left (« droit d'auteur »).
        longer = [k for k in counts if len(k) > len(key) and _contains(k, key)]
        if not longer:
            return key
        best = max(longer, key=lambda k: (counts[k], -len(k), k))
        if counts[best] < max(2, _EXTEND_RATIO * counts[key]):
            return key
        key = best


def _contains(longer: tuple, key: tuple) -> bool:
    """``key`` is a run of ``longer`` starting at a word (links sit at odd offsets after the head)."""
    n = len(key)
    return any(longer[i : i + n] == key for i in range(len(longer) - n + 1))


def _display(surfaces: Counter) -> str:
    """The most used wording (case aside), as most often written unless shouted; first letter upper-case."""
    by_words: Counter = Counter()
    for surface, count in surfaces.items():
        by_words[surface.lower()] += count
    words = min(by_words, key=lambda w: (-by_words[w], w))
    variants = [(surface, count) for surface, count in surfaces.items() if surface.lower() == words]
    text = min(variants, key=lambda sc: (sc[0].isupper() and len(sc[0]) > 5, -sc[1], sc[0]))[0]
    return text[:1].upper() + text[1:]
