"""The reach of each negation: the polarity of every word of a tokenized text (:func:`polarities`).

A negation reaches the rest of its clause up to a circumstance ("dans nos formations"); a noun of lack, "non"
and "sans" reach only the word they govern (:func:`sans_complements`); a clause ending in "sans succès" is
negated as a whole.
"""

from __future__ import annotations

from nlp._polarity.clauses import Token
from nlp._polarity.negators import _LACK_NOUNS, NE_PARTICLES, _negates

# "sans succès" at the end of a clause says its whole action failed ("nous recrutons … sans succès").
_FAILED_OUTCOMES = frozenset(["succes", "resultat", "resultats", "suite", "reponse", "effet", "issue"])


def polarities(tokens: list[Token]) -> tuple[list[int], dict[int, bool], set[int]]:
    """(polarity of each token, {clause: has a negation}, clauses negated as a whole).

    A token's polarity is the parity of the negations written before it in its clause ("Il ne
    faut pas supprimer": ``supprimer`` 1, ``faut`` 0); a clause ending in "sans succès" and the
    clause before "ce qui n'est plus le cas" are negated as a whole.
    """
    flips = [0] * len(tokens)
    negated: dict[int, bool] = {}
    consumed: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.folded == "sans" and i not in consumed:
            continue  # its complement alone is negated (sans_complements)
        if _negates(tokens, i, consumed):
            flips[i] = 1
            if tok.folded != "non" or not _is_local_negator(tokens, i):
                negated[tok.clause] = True  # "difficultés à …" still says the clause is about a lack
    by_clause: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        by_clause.setdefault(tok.clause, []).append(i)
    whole: set[int] = set()
    clauses = sorted(by_clause)
    for n, clause in enumerate(clauses):
        members = by_clause[clause]
        words = [tokens[i].folded for i in members]
        if len(words) >= 3 and words[-2] == "sans" and words[-1] in _FAILED_OUTCOMES:
            whole.add(clause)  # "… depuis huit mois sans succès"; "des personnes sans qualification" is no outcome
            negated[clause] = True
        if "cas" in words and len(words) <= 7 and negated.get(clause) and n:
            whole.add(clauses[n - 1])  # "… adaptés à la demande. Ce qui n'est plus le cas."
            negated[clauses[n - 1]] = not negated.get(clauses[n - 1], False)
    local = sans_complements(tokens)
    local_flips = {
        j
        for i, tok in enumerate(tokens)
        if flips[i] and _is_local_negator(tokens, i)
        for j in [_local_scope(tokens, i)]
        if j is not None
    }
    out = []
    parity = 0
    current = None
    since = 0  # words read since the last negation of the clause
    for i, tok in enumerate(tokens):
        if tok.clause != current:
            current, parity = tok.clause, 0
        if parity and since >= 2 and tok.folded in _FRAME_PREPOSITIONS:
            parity = 0  # "n'a pas tenu ses promesses | dans nos formations": the frame is not denied
        out.append((parity + (tok.clause in whole) + (i in local) + (i in local_flips)) % 2)
        if flips[i] and not _is_local_negator(tokens, i):
            parity, since = (parity + 1) % 2, 0
        else:
            since += 1
    return out, negated, whole


# Prepositions that open a circumstance (place, time, frame) after the negated predicate and its object:
# "la réalité virtuelle n'a pas tenu ses promesses dans nos formations" does not deny the formations.
_FRAME_PREPOSITIONS = frozenset(
    ["dans", "pendant", "depuis", "lors", "chez", "selon", "malgre", "grace", "durant", "pour"]
)
# Nouns of lack or difficulty negate their complement ("difficultés à lire", "absence de suivi"), not the clause.
_NOMINAL_NEGATORS = _LACK_NOUNS | {"manque"}


_COMPLEMENT_PREPOSITIONS = frozenset(["de", "d", "du", "des", "a", "au", "aux", "pour"])


def _local_scope(tokens: list[Token], i: int) -> int | None:
    """The word a local negator negates: the complement of a noun of lack ("difficultés à lire", not the
    adjective of "problèmes sociaux"), the word after "non"."""
    if tokens[i].folded in _NOMINAL_NEGATORS:
        nxt = i + 1
        if (
            nxt >= len(tokens)
            or tokens[nxt].clause != tokens[i].clause
            or tokens[nxt].folded not in _COMPLEMENT_PREPOSITIONS
        ):
            return None
        return _next_word(tokens, nxt)
    return _next_word(tokens, i)


def _is_local_negator(tokens: list[Token], i: int) -> bool:
    """True for a negator whose scope is the next word only: a noun of lack before its complement
    ("difficultés à lire"), or "non" before an adjective ("emplois non subventionnés")."""
    word = tokens[i].folded
    nxt = tokens[i + 1].folded if i + 1 < len(tokens) and tokens[i + 1].clause == tokens[i].clause else ""
    if word in _NOMINAL_NEGATORS:
        return True
    if word == "non":
        prev = tokens[i - 1].folded if i and tokens[i - 1].clause == tokens[i].clause else ""
        return (
            bool(prev)
            and prev not in ("et", "ou", "mais", "que", "qu", "si")
            and nxt not in ("pas", "plus", "seulement", "")
        )
    return False


_COMPLEMENT_SKIP = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "de",
        "d",
        "du",
        "leur",
        "leurs",
        "son",
        "sa",
        "ses",
        "notre",
        "nos",
        "votre",
        "vos",
        "ce",
        "cet",
        "cette",
        "ces",
        "avoir",
        "etre",
        "ete",
        "y",
        "en",
        "se",
        "s",
        "me",
        "m",
        "nous",
    ]
)


def sans_complements(tokens: list[Token]) -> set[int]:
    """Indexes of the words negated by a "sans" before them: its complement only ("les personnes sans
    qualification", "sans consulter les organismes": ``qualification``, ``consulter``), not the
    clause's verb nor the words after the complement; "ne … pas sans" is left to the clause's negation."""
    out = set()
    for i, tok in enumerate(tokens):
        if tok.folded != "sans" or (i and tokens[i - 1].folded in NE_PARTICLES):
            continue
        j = _next_word(tokens, i)
        if j is not None:
            out.add(j)
    return out


def _next_word(tokens: list[Token], i: int) -> int | None:
    """The next word of ``tokens[i]``'s clause after determiners and pronouns, if any."""
    j = i + 1
    while j < len(tokens) and tokens[j].clause == tokens[i].clause and tokens[j].folded in _COMPLEMENT_SKIP:
        j += 1
    return j if j < len(tokens) and tokens[j].clause == tokens[i].clause else None
