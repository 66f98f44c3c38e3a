"""The words that negate ("ne … pas", "sans", "refuser", "injuste") and when one does not (litotes, questions).

:func:`_negates` decides for one token of a clause; :mod:`nlp._polarity.scope` turns the decisions into the
polarity of every word.
"""

from __future__ import annotations

from nlp._polarity.clauses import Token

# Particles that complete "ne"/"n'" into a negation ("ne ... que" is a restriction, not one).
NE_PARTICLES = frozenset(
    ["pas", "plus", "jamais", "rien", "aucun", "aucune", "guere", "nullement", "personne", "point", "ni"]
)
# Negators that stand alone ("pas pour les publics en insertion", "sans succès", "aucun effet").
BARE_NEGATORS = frozenset(["pas", "jamais", "aucun", "aucune", "rien", "sans", "non", "nullement", "guere"])
# Verbs and nouns that negate their complement: "refuse d'installer" = "n'installe pas".
_NEGATIVE_PREFIXES = (
    "refus",
    "cess",
    "dout",
    "oppos",
    "empech",
    "renonc",
    "interdi",
    "evit",
    "arret",
    "manqu",
    "abandon",
)
# Nouns of lack or difficulty: negative words whose reach is their complement (see nlp._polarity.scope).
_LACK_NOUNS = frozenset(
    [
        "difficulte",
        "difficultes",
        "probleme",
        "problemes",
        "obstacle",
        "obstacles",
        "penurie",
        "absence",
        "absences",
    ]
)
# Words negative by themselves, nouns of lack and adjectives; the positive form may be written with "ne ... pas".
_NEGATIVE_WORDS = _LACK_NOUNS | frozenset(
    [
        "injuste",
        "injustes",
        "insuffisant",
        "insuffisante",
        "insuffisants",
        "insuffisantes",
        "inutile",
        "inutiles",
        "impossible",
        "impossibles",
        "inefficace",
        "inefficaces",
        "inadapte",
        "inadaptee",
        "inadaptes",
        "inadaptees",
        "inadequat",
        "inadequate",
        "incapable",
        "incapables",
        "inaccessible",
        "inaccessibles",
        "illisible",
        "illisibles",
        "defavorable",
        "defavorables",
        "mecontent",
        "mecontents",
        "mecontente",
        "mecontentes",
        "inacceptable",
        "inacceptables",
        "contre",
        "peinent",
        "peiner",
        "peinant",
    ]
)


def is_negative_word(word: str) -> bool:
    """True for a word negative by itself ("refusent", "empêcher", "injuste", "insuffisant")."""
    return word in _NEGATIVE_WORDS or word.startswith(_NEGATIVE_PREFIXES)


def is_polarity_word(word: str) -> bool:
    """True for the grammatical negators ("ne", "pas", "sans", "peu", "moins"…), which carry no content."""
    return word in BARE_NEGATORS or word in ("ne", "n", "faute", "peu", "moins", "plutot", "contre")


_LITOTES_NOUNS = frozenset(
    ["probleme", "problemes", "souci", "soucis", "difficulte", "difficultes", "doute", "hesitation", "inconvenient"]
)
"""Nouns of difficulty or doubt that a negation cancels: "sans problème", "je n'aurais pas de soucis à payer",
"aucun doute" affirm."""

_LITOTES_LINKS = frozenset(["de", "d", "du", "le", "la", "aucun", "aucune", "moindre", "grand", "gros"])
_LITOTES_NEGATORS = frozenset(["sans", "pas", "aucun", "aucune", "nul", "nulle", "jamais", "plus", "point"])


def _litotes_after(tokens: list[Token], i: int) -> bool:
    """True when the word denied by the negator at ``i`` is a noun of difficulty ("pas de soucis")."""
    for j in range(i + 1, min(i + 5, len(tokens))):
        if tokens[j].clause != tokens[i].clause:
            return False
        word = tokens[j].folded
        if word in _LITOTES_NOUNS:
            return True
        if word not in _LITOTES_LINKS and word not in NE_PARTICLES:
            return False
    return False


def _litotes_before(tokens: list[Token], i: int) -> bool:
    """True when the noun of difficulty at ``i`` is itself denied ("sans problème", "aucun doute")."""
    for j in range(i - 1, max(i - 4, -1), -1):
        if tokens[j].clause != tokens[i].clause:
            return False
        word = tokens[j].folded
        if word in _LITOTES_NEGATORS:
            return True
        if word not in _LITOTES_LINKS:
            return False
    return False


def _negates(tokens: list[Token], i: int, consumed: set[int]) -> bool:
    word = tokens[i].folded
    prev = tokens[i - 1].folded if i else ""
    nxt = tokens[i + 1].folded if i + 1 < len(tokens) else ""
    if tokens[i].compared:
        return True
    if word in _LITOTES_NOUNS and _litotes_before(tokens, i):
        return False  # "sans problème", "pas de soucis": the two negations cancel
    if word in _LITOTES_NEGATORS and word != "sans" and _litotes_after(tokens, i):
        consumed.add(i)
        return False
    if word in ("ne", "n"):
        if _rhetorical(tokens, i):
            for j in range(i + 1, min(i + 6, len(tokens))):
                if tokens[j].folded in NE_PARTICLES:
                    consumed.add(j)
                    break
            return False  # "Ne faut-il pas laisser … ?", "Pourquoi ne pas en faire une obligation ?" propose it
        for j in range(i + 1, min(i + 6, len(tokens))):
            if tokens[j].folded in NE_PARTICLES:
                consumed.add(j)
                return not _litotes_after(tokens, j)  # "je n'aurais pas de soucis à payer plus" affirms
        return prev in ("personne", "rien", "nul", "nulle")  # "personne ne fait le lien"
    if word in BARE_NEGATORS:
        return i not in consumed
    if word == "faute":
        return nxt in ("de", "d")
    if word == "peu":
        return prev != "un" and nxt != "a"
    if word == "moins":
        return prev not in ("au", "du", "a", "fois")  # "deux fois moins" is a ratio
    if word == "plutot":
        return nxt in ("que", "qu")  # "X plutôt qu'une obligation": the obligation is not wanted
    if word == "lieu":
        return prev == "au" and nxt in ("de", "d", "du", "des")  # "au lieu de la calculer sur le loyer"
    if word == "contre":
        return prev != "par"
    return is_negative_word(word)


def _rhetorical(tokens: list[Token], i: int) -> bool:
    """True for a negation that proposes: "Pourquoi ne pas …", or a negative question opening its
    clause with the subject after the verb ("Ne faut-il pas … ?", "N'est-ce pas … ?")."""
    if i and tokens[i - 1].folded == "pourquoi":
        return True
    if not tokens[i].question or (i and tokens[i - 1].clause == tokens[i].clause):
        return False
    inverted = {"il", "elle", "on", "ils", "elles", "ce", "t"}
    return any(t.folded in inverted for t in tokens[i + 1 : i + 4])
