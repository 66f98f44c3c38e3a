"""How a refusal names what it quotes: a few words of a source, "la contribution n° 12"; and how its words are
spaced and joined, as French typography wants (a no-break space before ; : ! ? and inside « »)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from nlp.citations.analysis import _Analysis, _Word

NO_BREAK_SPACE = "\u00a0"
"""U+00A0, as the app writes it (``contrib.core.french.NO_BREAK_SPACE``, ``&nbsp;`` in templates)."""

REASON_SEPARATOR = NO_BREAK_SPACE + "; "
"""Between two reasons of one refusal: « … sur 5 ; … » with no line break before the semicolon."""

_SPACE_BEFORE = re.compile(r"[ \u202f]+([;:!?»])")
_SPACE_AFTER = re.compile(r"«[ \u202f]+")


def french_spacing(text: str) -> str:
    """``text`` with a no-break space where a plain one stood before ; : ! ? » and after «:
    « « lycée » : … » never breaks a line before its colon or inside its guillemets. A colon or question mark
    glued to its word (« 18:30 », « quoi? ») is left as written."""
    return _SPACE_AFTER.sub("«" + NO_BREAK_SPACE, _SPACE_BEFORE.sub(NO_BREAK_SPACE + r"\1", text))


def join_reasons(reasons: Iterable[str]) -> str:
    """The reasons of one refusal, each once, in order, spaced by :func:`french_spacing` and joined by
    :data:`REASON_SEPARATOR`."""
    return REASON_SEPARATOR.join(dict.fromkeys(french_spacing(reason) for reason in reasons))


def _quote(source: _Analysis, v: _Word, width: int = 5) -> str:
    """A few words of the source around ``v``, as written."""
    tokens = [t for t in source.tokens if t.clause == v.clause]
    at = next((k for k, t in enumerate(tokens) if t.start == v.start), 0)
    start = max(0, at - width)
    while (
        start < at
        and tokens[start].folded
        not in ("ne", "n", "pas", "sans", "jamais", "aucun", "aucune", "plutot", "peu", "moins")
        and at - start > 3
    ):
        start += 1
    piece = tokens[start : at + 1]
    if not piece:
        return v.folded
    if len(source.text) != len(source.folded):  # folding changed the length ("œuvre" → "oeuvre"): offsets differ
        return " ".join(t.folded for t in piece)
    return source.text[piece[0].start : piece[-1].end]


def _ids_phrase(ids: Sequence[int]) -> str:
    ids = list(ids)
    if len(ids) == 1:
        return f"la contribution n° {ids[0]}"
    return "les contributions n° " + ", ".join(str(i) for i in ids[:-1]) + f" et {ids[-1]}"


def _of_ids(ids: Sequence[int]) -> str:
    """ "de la contribution n° 4" / "des contributions n° 4 et 9"."""
    phrase = _ids_phrase(ids)
    return "des" + phrase[3:] if phrase.startswith("les ") else "de " + phrase


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("s" if n > 1 else "")


def _n_cited(n: int) -> str:
    """ "1 contribution citée" / "2 contributions citées"."""
    return f"{_plural(n, 'contribution')} citée" + ("s" if n > 1 else "")


def _says(n: int) -> str:
    """ "le dit" after 0 or 1 cited contribution, "le disent" after two or more (the verb agrees with the count)."""
    return "le disent" if n > 1 else "le dit"


def _absent(words: str, ids: Sequence[int]) -> str:
    """ "« lycée » n'apparaît pas dans la contribution n° 4": what a refusal says of words no cited text holds."""
    return f"«{NO_BREAK_SPACE}{words}{NO_BREAK_SPACE}» n'apparaît pas dans {_ids_phrase(ids)}"


def _quote_span(analysis: _Analysis, first: _Word, last: _Word, limit: int = 12) -> str:
    text = analysis.text if len(analysis.text) == len(analysis.folded) else analysis.folded
    words = text[first.start : last.end].split()
    return " ".join(words) if len(words) <= limit else " ".join([*words[: limit // 2], "…", *words[-limit // 2 :]])
