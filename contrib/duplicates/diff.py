"""Word-by-word differences between a contribution and its group's representative, as safe HTML."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape

# A word with the spaces (or line breaks) that follow it: layout is kept, words are compared.
_TOKEN = re.compile(r"\S+\s*")
_LEADING_SPACE = re.compile(r"^\s*")


def _tokens(text: str) -> tuple[str, list[str]]:
    leading = _LEADING_SPACE.match(text).group(0)
    return leading, _TOKEN.findall(text, len(leading))


def _wrap(tag: str, spoken: str, tokens: list[str]) -> Markup:
    """``<ins>``/``<del>`` around the words, the trailing space outside; screen readers hear ``spoken``."""
    text = "".join(tokens)
    words = text.rstrip()
    return Markup('<{0}><span class="visually-hidden">[{1} : </span>{2}<span class="visually-hidden">]</span></{0}>{3}').format(
        Markup(tag), spoken, words, text[len(words):])


def highlight_differences(reference: str, text: str) -> Markup:
    """``text`` escaped, with the words absent from ``reference`` in ``<ins>`` and the missing ones in ``<del>``.

    Every piece of user text goes through ``Markup.format``/``escape``: the result is safe to render.
    """
    _, reference_tokens = _tokens(reference)
    leading, tokens = _tokens(text)
    matcher = SequenceMatcher(None, [token.rstrip() for token in reference_tokens],
                              [token.rstrip() for token in tokens], autojunk=False)
    parts = [escape(leading)]
    for operation, ref_start, ref_end, start, end in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(tokens[start:end])))
            continue
        for tag, spoken, changed in (("del", "retiré", reference_tokens[ref_start:ref_end]),
                                     ("ins", "ajouté", tokens[start:end])):
            if not changed:
                continue
            previous = next((part for part in reversed(parts) if part), "")
            if previous and not previous[-1].isspace():
                parts.append(Markup(" "))
            parts.append(_wrap(tag, spoken, changed))
    return Markup("").join(parts)
