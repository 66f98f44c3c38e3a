"""Citation markers and sentences of a generated text: ``[#12, #15]`` parsed and written, sentences split."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

from nlp.text import fold

NO_ANSWER = "Les contributions de cette sélection ne répondent pas à cette question."

_CITATION = re.compile(r"\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\]")

_CITED_ID = re.compile(r"\d+")

# A sentence ends at . ! ? … (and the citations written right after it), before the next word.
_SENTENCE_END = re.compile(r"[.!?…](?:\s*\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\])*\s+(?=[^\s\[])")

_LEADING_CITATIONS = re.compile(r"^\s*((?:\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\][\s.,;]*)+)")

_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*•]\s+|\d+[.)]\s+|>\s*)")

_BOLD = re.compile(r"\*\*|__")


def parse_citations(sentence: str) -> tuple[str, tuple[int, ...]]:
    """Return ``(sentence without its citation markers, cited ids in order, without repeats)``."""
    ids: list[int] = []
    for marker in _CITATION.findall(sentence):
        ids.extend(int(n) for n in _CITED_ID.findall(marker))
    text = _CITATION.sub("", sentence)
    # Only from the start of a run of spaces: each later space would rescan the run (quadratic).
    text = re.sub(r"(?<!\s)\s+([.,;:!?…])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text, tuple(dict.fromkeys(ids))


def format_citations(ids: Iterable[Hashable]) -> str:
    """``[#3, #8]`` for ids 3 and 8 ("" for none)."""
    ids = list(ids)
    return "[" + ", ".join(f"#{i}" for i in ids) + "]" if ids else ""


def split_sentences(text: str) -> list[str]:
    """Split a generated text into sentences, keeping each citation with the sentence it follows.

    Lines are split first (headings, bullets), then sentences; Markdown markers are removed.
    A citation written after the full stop (``… impôts. [#4]``) belongs to the sentence before.
    """
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = _BOLD.sub("", _MARKUP.sub("", line)).strip()
        if not line:
            continue
        cuts = [m.end() for m in _SENTENCE_END.finditer(line)]
        for start, end in zip([0, *cuts], [*cuts, len(line)]):
            piece = line[start:end].strip()
            leading = _LEADING_CITATIONS.match(piece)
            if leading and out:
                out[-1] = f"{out[-1]} {leading.group(1).strip()}"
                piece = piece[leading.end() :].strip()
            if piece:
                out.append(piece)
    return out


def is_no_answer(sentence: str) -> bool:
    """True for the assistant's French "the contributions do not answer" sentence."""
    return fold(parse_citations(sentence)[0]).rstrip(" .") == fold(NO_ANSWER).rstrip(" .")
