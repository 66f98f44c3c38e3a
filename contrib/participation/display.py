"""How contributions read in lists: a headline for untitled ones, search words highlighted safely."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from nlp import fold

HEADLINE_LENGTH = 110
EXCERPT_LENGTH = 280
EXCERPT_LEAD = 80  # characters kept before the first searched word when the excerpt starts later
_SENTENCE_END = re.compile(r"[.!?…](?=\s)|\n")
_WORD = re.compile(r"[^\W_]+")


def cut_at_word(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, cut at a word boundary with « … » when shortened."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def first_sentence(text: str, limit: int = HEADLINE_LENGTH) -> str:
    """The text's first sentence (or line), cut at a word boundary when longer than ``limit``."""
    match = _SENTENCE_END.search(text)
    sentence = text[: match.end()] if match else text
    return cut_at_word(sentence.strip().rstrip("\n"), limit)


def headline(contribution) -> str:
    """What a list shows as the contribution's title: its title, else its first sentence."""
    return contribution.title or first_sentence(contribution.text)


def below_headline(contribution, terms: Iterable[str] = ()) -> str:
    """The excerpt a list shows under the headline, never the headline's words twice: with a search,
    the part around the first searched word; for an untitled contribution, the text after its first
    sentence (« … » when the headline was cut); "" when there is nothing more to show."""
    terms = tuple(terms)
    shown = excerpt(contribution.text, terms)
    if contribution.title:
        return shown
    headline_ = first_sentence(contribution.text)
    if terms:
        return "" if shown == headline_ else shown
    flat = " ".join(contribution.text.split())
    if flat.startswith(headline_):
        return excerpt(flat[len(headline_) :].strip())
    rest = flat[len(headline_) - 1 :].lstrip(" ,;:-–—")  # the headline is the text's start, cut with « … »
    return "… " + excerpt(rest, limit=EXCERPT_LENGTH - 2) if rest else ""


# Words come back from page to page: a search page folded about 500 of them per request (2–4 ms).
_fold_word = functools.lru_cache(maxsize=16384)(fold)


def excerpt(text: str, terms: Iterable[str] = (), limit: int = EXCERPT_LENGTH) -> str:
    """A piece of ``text`` to show in a list: its start, or, when the first searched word comes later,
    the part around it (« … » marks what is left out)."""
    terms = tuple(terms)
    flat = " ".join(text.split())
    first = 0
    if terms:  # the prefixes as one tuple: ``str.startswith`` tries them all at once
        first = next((m.start() for m in _WORD.finditer(flat) if _fold_word(m.group()).startswith(terms)), 0)
    if first + 20 <= limit:
        return cut_at_word(flat, limit)
    start = flat.rfind(" ", 0, first - EXCERPT_LEAD) + 1
    return "… " + cut_at_word(flat[start:], limit)


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with each word starting with a searched term (folded) wrapped in ``<mark>``.

    Only the words are wrapped, after escaping: nothing in ``text`` can become mark-up.
    """
    terms = tuple(terms)
    if not terms:
        return escape(text)
    parts: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        if _fold_word(match.group()).startswith(terms):
            parts.append(str(escape(text[position : match.start()])))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


def init_app(app) -> None:
    """Register the list filters: ``headline``, ``below_headline``, ``highlight``."""
    app.jinja_env.filters.update(headline=headline, below_headline=below_headline, highlight=highlight)
