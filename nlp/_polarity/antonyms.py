"""Opposite word families ("supprimer" / "maintenir", "augmenter" / "réduire"), written as folded prefixes.

An antonym counts as the same word with the other polarity; an action word ("supprimer", "généraliser") is a
claim's stance, which its sources must say.
"""

from __future__ import annotations

import functools

# Pairs of opposite word families, written as folded prefixes: a word of one side in the
# sentence and only words of the other side in the source is a contradiction.
# Action families first: a claim's action word ("supprimer", "généraliser") must be in its sources.
_ACTION_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("supprim", "suppression", "aboli", "abolition", "retir"),
        ("maintien", "maintenir", "maintenu", "garder", "conserv", "preserv", "perenn"),
    ),
    (
        ("augment", "hausse", "accroi", "accroissement", "renforc", "davantage", "relev", "alourd"),
        ("redui", "reduction", "baiss", "diminu", "restrein", "rabot", "allege", "alleger", "allegement"),
    ),
    (("generalis", "etendr", "etendu", "extension", "elargi"), ("limit", "restrein", "restrict")),
    (("oblig",), ("facultati", "volontai", "encourag", "incit")),
    (("permet", "permis", "facilit", "favoris"), ("empech", "entrav", "frein", "bloqu")),
    (("creer", "creation", "instaur", "introdui"), ("supprim", "suppression")),
    (("exoner", "exempt", "dispens"), ("taxer", "taxee", "taxees", "taxent", "assujett")),
    (("embauch", "recrut"), ("licenci",)),
    (("autoris",), ("interdi",)),
    (("gratuit",), ("payant",)),
    (("regroup", "fusionn", "fusion", "rassembl"), ("separ", "scind", "dissoci")),
)
_QUALITY_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("fondamental", "essentiel", "primordial", "indispensable", "prioritai", "crucial", "vital"),
        ("secondaire", "accessoire", "superflu", "negligeable"),
    ),
    (("favorable",), ("defavorable", "hostile")),
    (("souple", "flexib"), ("rigide",)),
    (("facile", "simplifi"), ("difficile", "complique", "complexe", "complexifi")),
    (("succes", "reussi", "reussite", "fonctionn"), ("echec", "echou", "inefficac", "dysfonctionn")),
    (("juste",), ("injuste",)),
    (
        ("bon", "bonne", "bons", "bonnes", "pertinent", "excellent"),
        ("mauvais", "ridicule", "absurde", "aberrant", "insense"),
    ),
    (("bien",), ("mal",)),
    (("suffisant", "suffisante", "suffit", "suffire"), ("insuffisant", "insuffisante")),
    (("utile", "utiles"), ("inutile", "inutiles")),
    (("efficace", "efficaces"), ("inefficace", "inefficaces")),
    (("adapte", "adaptee", "adaptes", "adaptees"), ("inadapte", "inadaptee", "inadaptes", "inadaptees")),
    (("interess",), ("desinteress",)),
    (("accept",), ("refus", "rejet", "rejett")),
    (("ouvr", "ouvert"), ("ferm",)),
    (("gratuit",), ("payer", "paient", "payent", "factur")),  # not actions: "payer" is no stance of its own
    # "un revenu qui s'ajouterait aux aides" against "qui remplacerait / supprimerait les aides"
    (("ajout", "cumul", "additionn"), ("supprim", "suppression", "remplac")),
)
_ANTONYM_FAMILIES = _ACTION_FAMILIES + _QUALITY_FAMILIES


def _in_family(word: str, family: tuple[str, ...]) -> bool:
    # Short entries ("bien", "mal", "juste") are whole words: "malade" is not "mal".
    whole, prefixes = _family_index(family)
    return word in whole or word.startswith(prefixes)


@functools.lru_cache(maxsize=4096)
def _family_index(family: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """A family's entries as whole words, and its entries of five letters or more as prefixes: one set look-up
    and one ``startswith`` instead of a loop (every content word of every checked text is read against them)."""
    return frozenset(family), tuple(p for p in family if len(p) >= 5)


def antonyms(word: str) -> tuple[tuple[str, ...], ...]:
    """The word families opposite to ``word`` (empty when it has no listed antonym)."""
    out = []
    for left, right in _ANTONYM_FAMILIES:
        if _in_family(word, left) and not _in_family(word, right):
            out.append(right)
        elif _in_family(word, right) and not _in_family(word, left):
            out.append(left)
    return tuple(out)


def is_action_word(word: str) -> bool:
    """True for a word of an action family ("supprimer", "réduire", "généraliser", "obligatoire"…)."""
    return any(_in_family(word, side) for pair in _ACTION_FAMILIES for side in pair)


def in_family(word: str, family: tuple[str, ...]) -> bool:
    """True when ``word`` belongs to the antonym family ``family`` (as returned by :func:`antonyms`)."""
    return _in_family(word, family)
