"""French polarity of words in context: negators, negative verbs, antonym pairs (folded forms).

Used by :mod:`nlp.citations` to refuse a sentence that says the opposite of its source. The
polarity of a word is the parity of the negations of its clause: "Il ne faut pas supprimer le
budget" gives ``supprimer`` polarity 1, "Il faut supprimer le budget" polarity 0. Antonyms
("supprimer"/"maintenir", "augmenter"/"réduire") count as the same word with the other polarity.
Self-contained on purpose (the stance model of ``nlp.stance`` may replace it later).
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "BARE_NEGATORS",
    "NE_PARTICLES",
    "Token",
    "antonyms",
    "in_family",
    "is_action_word",
    "is_negative_word",
    "is_polarity_word",
    "polarities",
    "sans_complements",
    "tokenize",
]

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
# Adjectives negative by themselves; the positive form may be written with "ne ... pas".
_NEGATIVE_WORDS = frozenset(
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
        "difficulte",
        "difficultes",
        "probleme",
        "problemes",
        "obstacle",
        "obstacles",
        "penurie",
        "absence",
        "absences",
        "peinent",
        "peiner",
        "peinant",
    ]
)

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

# "sans succès" at the end of a clause says its whole action failed ("nous recrutons … sans succès").
_FAILED_OUTCOMES = frozenset(["succes", "resultat", "resultats", "suite", "reponse", "effet", "issue"])
_TOKEN = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:[.,]\d+)?|[^\W\d_]+|[%€$/]|[,;:()!?.…]", re.UNICODE)
_CLAUSE_WORDS = frozenset(
    ["mais", "alors", "puisque", "car", "donc", "tandis", "cependant", "pourtant", "et", "ou", "parce"]
)
# After a comma these open a new clause, which a negation before the comma does not reach
# ("… n'a pas d'ordinateur, ce qui l'exclut de la formation").
_AFTER_COMMA = frozenset(
    [
        "qui",
        "que",
        "qu",
        "dont",
        "ce",
        "afin",
        "pour",
        "lorsque",
        "quand",
        "si",
        # a subject pronoun after a comma opens a clause too ("…, nous proposons des ateliers")
        "nous",
        "je",
        "j",
        "ils",
        "elles",
        "on",
    ]
)
# After "et" / "mais" / "ou", a subject or a reporting verb starts a new clause.
_NEW_SUBJECT = frozenset(
    [
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "nous",
        "je",
        "veut",
        "veulent",
        "souhaite",
        "souhaitent",
        "demande",
        "demandent",
        "propose",
        "proposent",
    ]
)


class Token:
    """One token of a text: its folded form, its offset, and the index of its clause."""

    __slots__ = ("clause", "compared", "end", "folded", "question", "start")

    def __init__(self, folded: str, start: int, end: int, clause: int):
        self.folded, self.start, self.end, self.clause = folded, start, end, clause
        self.question = False  # the clause ends with "?"
        self.compared = (
            False  # opens the term a preference sets aside ("plus efficace d'imposer X | que d'interdire Y")
        )

    def __repr__(self) -> str:
        return f"Token({self.folded!r}, clause={self.clause})"


def tokenize(folded: str) -> list[Token]:
    """Tokens of an already folded text, each with the index of its clause.

    Clauses end at ; : ( ) and sentence ends, and before "mais", "alors que", "car", "donc",
    "parce que", "plutôt que", and "et" / "ou" written after a comma (commas inside a clause are
    mostly enumerations, which a negation spans: "les déductions, les crédits ne conviennent pas").
    A relative clause ("des transports qui sont trop peu développés") is a clause of its own, and a
    condition ("s'il n'a pas de douche, …") ends at its comma.
    """
    out: list[Token] = []
    clause = 0
    aside = False  # the clause is a term set aside ("Plutôt que de …", "Faute de …"): a comma ends it
    matches = list(_TOKEN.finditer(folded))
    for n, m in enumerate(matches):
        text = m.group()
        if text in ";:()!?.…":
            aside = False
            if text == "?":
                for tok in reversed(out):
                    if tok.clause != clause:
                        break
                    tok.question = True
            clause += 1
            continue
        if text == ",":
            if aside:
                clause += 1
                aside = False
            continue
        nxt = matches[n + 1].group() if n + 1 < len(matches) else ""
        prev = matches[n - 1].group() if n else ""
        opening = not out or out[-1].clause != clause or prev in ";:()!?.…"
        if opening and text in _ASIDE_OPENERS and nxt in ("de", "d", "que", "qu"):
            aside = True  # "Plutôt que d'alourdir les impôts, un contributeur veut …": the aside ends at the comma
        if (
            (text in _CLAUSE_WORDS and (text not in ("et", "ou") or prev == "," or nxt in _NEW_SUBJECT))
            or (prev == "," and text in _AFTER_COMMA)
            or (text in ("qui", "dont") and prev not in _BEFORE_RELATIVE and out and out[-1].clause == clause)
            or (text == "plutot" and nxt in ("que", "qu"))
            or (text == "et" and nxt in ("non", "pas"))
            or (text == "au" and nxt == "lieu" and n + 2 < len(matches) and matches[n + 2].group() in _OF)
        ):  # "X et non Y": the negation is Y's alone
            clause += 1
            if text == "au" or (text == "plutot" and n + 2 < len(matches) and matches[n + 2].group() in ("de", "d")):
                aside = True  # "… plutôt que de dépenser en allocation, …": the term set aside ends at a comma
        if (
            text in _CONDITIONS
            and (text != "s" or nxt in ("il", "ils"))
            and (not out or out[-1].clause != clause or prev == ",")
        ):
            if prev == "," and out and out[-1].clause == clause:
                clause += 1
            aside = True  # "S'il n'a pas de douche, il reprend la voiture": the condition ends at the comma
        compared = _sets_aside(out, clause, text, nxt)
        if compared:  # the term set aside is a clause of its own, read with the one before it
            clause += 1
        out.append(Token(text, m.start(), m.end(), clause))
        out[-1].compared = compared
    return out


_OF = frozenset(["de", "d", "du", "des"])
_BEFORE_RELATIVE = frozenset(
    ["ce", "ceux", "celui", "celle", "celles", "a", "de", "d", "pour", "par", "avec", "sur", "chez", "ou", "et", "tous"]
)
"""Words after which "qui" / "dont" opens no relative clause of a noun ("ce qui", "ceux qui", "à qui")."""
_CONDITIONS = frozenset(["si", "s", "quand", "lorsque", "lorsqu"])
"""Words that open a subordinate clause of condition or time; opening a clause (or after a comma) it ends at the
next comma, so a negation inside the condition does not reach the main clause ("s'il n'a pas de douche, le
lendemain il reprend la voiture": ``reprend`` is not denied). "s" is the elided "si" of "s'il"."""
_ASIDE_OPENERS = frozenset(["plutot", "faute", "sans"])
"""Words that open a term set aside or lacking when a clause starts with them ("Plutôt que de …", "Faute de
cars à la campagne, …", "Sans diplôme, …"): the term ends at the next comma, the rest of the sentence is
not denied."""

_COMPARATIVES = frozenset(["plus", "mieux", "davantage"])
_DETERMINERS = frozenset(
    ["le", "la", "les", "l", "un", "une", "des", "du", "leur", "leurs", "son", "sa", "ses", "ce", "cet", "cette", "ces"]
)


def _sets_aside(before: list[Token], clause: int, text: str, nxt: str) -> bool:
    """True for the word opening the term a preference or a comparison sets aside: "que" after "plus" /
    "mieux" / "préférer" ("plus efficace d'imposer X que d'interdire Y"), "à" after "préférer X"
    ("préfèrent le geste réel à la réalité virtuelle"). The other term is the one preferred."""
    if text not in ("que", "qu", "a", "au", "aux") or nxt in ("ce", "jamais", "prevu", "avant"):
        return False
    same = []  # the clause's words before this one, back to the previous "que"
    for t in reversed(before):
        if t.clause != clause or t.folded in ("que", "qu"):
            break
        same.append(t.folded)
    if text in ("a", "au", "aux"):
        # "préfèrent X à Y", X a noun phrase: "préfère aller au travail à vélo" sets nothing aside
        return any(w.startswith("prefer") and same[k - 1] in _DETERMINERS for k, w in enumerate(same[1:6], start=1))
    # "plus efficace d'imposer X que d'interdire Y", "plus de tuteurs que de tablettes"; not the clause of
    # "il est plus important que les formateurs soient payés"
    compared = nxt in ("de", "d", "du", "des") and any(w in _COMPARATIVES or w.startswith("prefer") for w in same[1:10])
    return compared and "ne" not in same and "n" not in same


def is_negative_word(word: str) -> bool:
    """True for a word negative by itself ("refusent", "empêcher", "injuste", "insuffisant")."""
    return word in _NEGATIVE_WORDS or word.startswith(_NEGATIVE_PREFIXES)


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
_NOMINAL_NEGATORS = frozenset(
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
        "manque",
    ]
)


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


def is_polarity_word(word: str) -> bool:
    """True for the grammatical negators ("ne", "pas", "sans", "peu", "moins"…), which carry no content."""
    return word in BARE_NEGATORS or word in ("ne", "n", "faute", "peu", "moins", "plutot", "contre")
