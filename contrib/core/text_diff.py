"""Word-by-word differences between two texts, as safe HTML: a contribution against its group's
representative (duplicates), two versions of the plaidoyer."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape
from rapidfuzz.distance import Indel

# A word with the spaces (or line breaks) that follow it: layout is kept, words are compared.
_TOKEN = re.compile(r"\S+\s*")
_LEADING_SPACE = re.compile(r"^\s*")
# difflib reads best (longest common runs first) but its worst case is cubic: "a b a b …" against
# "b a b a …" took 10 s at 20,000 characters. Past this many word pairs, once the common start and end
# are set aside, the words are aligned by rapidfuzz's bit-parallel LCS (C++, n·m/64 steps) instead.
DIFFLIB_MAX_PAIRS = 40_000


def _tokens(text: str) -> tuple[str, list[str]]:
    match = _LEADING_SPACE.match(text)  # always matches, maybe empty
    leading = match.group(0) if match else ""
    return leading, _TOKEN.findall(text, len(leading))


def _wrap(tag: str, spoken: str, tokens: list[str]) -> Markup:
    """``<ins>``/``<del>`` around the words, the trailing space outside; screen readers hear ``spoken``."""
    text = "".join(tokens)
    words = text.rstrip()
    return Markup(
        '<{0}><span class="visually-hidden">[{1} : </span>{2}<span class="visually-hidden">]</span></{0}>{3}'
    ).format(Markup(tag), spoken, words, text[len(words) :])


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes from ``old`` to ``new``, in time bounded whatever the words."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    middle_old, middle_new = old[start : len(old) - end], new[start : len(new) - end]
    middle: list[tuple[str, int, int, int, int]]
    if len(middle_old) * len(middle_new) <= DIFFLIB_MAX_PAIRS:
        middle = list(SequenceMatcher(None, middle_old, middle_new, autojunk=False).get_opcodes())
    else:
        middle = []  # LCS gives inserts and deletes: adjacent ones become one "replace" block
        for op in Indel.opcodes(middle_old, middle_new):
            if op.tag != "equal" and middle and middle[-1][0] != "equal":
                middle[-1] = ("replace", middle[-1][1], op.src_end, middle[-1][3], op.dest_end)
            else:
                middle.append((op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end))
    shifted = [(tag, a + start, b + start, c + start, d + start) for tag, a, b, c, d in middle if a < b or c < d]
    head = [("equal", 0, start, 0, start)] if start else []
    tail = [("equal", len(old) - end, len(old), len(new) - end, len(new))] if end else []
    return head + shifted + tail


def highlight_differences(reference: str, text: str) -> Markup:
    """``text`` escaped, with the words absent from ``reference`` in ``<ins>`` and the missing ones in ``<del>``.

    Every piece of user text goes through ``Markup.format``/``escape``: the result is safe to render.
    """
    _, reference_tokens = _tokens(reference)
    leading, tokens = _tokens(text)
    parts = [escape(leading)]
    for operation, ref_start, ref_end, start, end in _opcodes(
        [token.rstrip() for token in reference_tokens], [token.rstrip() for token in tokens]
    ):
        if operation == "equal":
            parts.append(escape("".join(tokens[start:end])))
            continue
        for tag, spoken, changed in (
            ("del", "retiré", reference_tokens[ref_start:ref_end]),
            ("ins", "ajouté", tokens[start:end]),
        ):
            if not changed:
                continue
            previous = next((part for part in reversed(parts) if part), "")
            if previous and not previous[-1].isspace():
                parts.append(Markup(" "))
            parts.append(_wrap(tag, spoken, changed))
    return Markup("").join(parts)
