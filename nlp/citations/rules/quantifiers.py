"""Quantifier rule: "tous", "la majorité" and the number of sources a sentence claims ("deux contributions")."""

from __future__ import annotations

from nlp._polarity import Token
from nlp.citations.lexicons import _MAJORITY, _NUMBER_WORDS, _PERIOD_UNITS, _SOURCE_NOUNS, _UNIVERSAL
from nlp.citations.rules.numbers import _parse_number
from nlp.stopwords import STOP_WORDS


def _quantifiers(tokens: list[Token]) -> dict[str, str]:
    """{universal or majority quantifier: surface} of a text (frequencies "tous les ans" excluded)."""
    words = [t.folded for t in tokens]
    out: dict[str, str] = {}
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        after = words[i + 2] if i + 2 < len(words) else ""
        prev = words[i - 1] if i else ""
        if word in _MAJORITY:
            out["majorite"] = f"{prev} {word}".strip()
        elif word in _UNIVERSAL:
            if word in ("tous", "toutes", "chaque") and (
                nxt in _PERIOD_UNITS or after in _PERIOD_UNITS or _parse_number(after) or after in _NUMBER_WORDS
            ):
                continue  # a frequency, checked with the numbers
            if word == "tout" and (prev == "du" or nxt in ("a", "au", "de", "comme")):
                continue  # "pas du tout", "tout à fait", "tout au long", "tout de suite", "tout comme"
            if word == "ensemble" and prev not in ("l",):
                continue
            out["tous"] = word if word != "ensemble" else "l'ensemble"
        if word in out.get("tous", "").split() + out.get("majorite", "").split()[-1:] and (
            nxt in _SOURCE_NOUNS or after in _SOURCE_NOUNS
        ):
            out["sur_le_perimetre"] = word  # "tous les participants": only a count over the scope says it
    return out


def _source_count_claimed(tokens: list[Token]) -> tuple[int, str] | None:
    """How many sources the sentence claims ("deux contributions" 2, "plusieurs" / "des participants" 2)."""
    words = [t.folded for t in tokens]
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        initial = i == 0 or (i <= 2 and words[0] in ("les", "des", "ces", "selon", "pour", "chez"))
        count = _NUMBER_WORDS.get(word) or (int(word) if word.isdigit() and int(word) < 100 else None)
        if word in ("plusieurs", "nombreux", "nombreuses", "certains", "certaines"):
            count = 2
        if count and (nxt in _SOURCE_NOUNS or (initial and nxt.isalpha() and nxt not in STOP_WORDS)):
            return int(count), f"{word} {nxt}"
        if word in ("des", "les", "ces") and nxt in _SOURCE_NOUNS:
            return 2, f"{word} {nxt}"
    return None
