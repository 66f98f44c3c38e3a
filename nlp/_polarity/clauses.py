"""Tokens of a folded text and the clause each belongs to: where a negation's reach ends.

A clause ends at punctuation, before a coordinating or subordinating word, at the comma that closes a
condition or a term set aside ("S'il n'a pas de douche, …", "Plutôt que de …, …"), and a relative clause is
one of its own. :func:`tokenize` is the first step of :func:`nlp._polarity.polarities`.
"""

from __future__ import annotations

import re

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
