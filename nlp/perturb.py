"""Perturbed copies of real contributions: the positives for duplicate and similarity tests.

Real near-duplicates are few, so the evaluation and the benchmark copy real texts and alter
them the way people re-post. Two protocols, deterministic for a seed:

* :func:`make_copies` (mild, kept for the benchmarks): one of typos, accents dropped, sentences
  reordered, end cut off (80-90 %), a sentence added, or the same text under another theme;
* :func:`make_hard_copies` (the evaluation's): 1-2 of {typos (one edit per 40 characters), word
  edits (one per 10 words), sentence reordering, truncation to 60-90 % of the words, a prefix
  such as "Je propose que" and/or a suffix}: the protocol of ``../shared/peers/prepare.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["HARD_OPERATIONS", "KINDS", "PerturbedCopy", "make_copies", "make_hard_copies", "perturb", "perturb_hard"]

KINDS = ("typos", "accents", "reorder", "truncate", "add_sentence", "other_theme")
HARD_OPERATIONS = ("typos", "word_edits", "reorder", "truncate", "affix")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_HARD_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_LETTERS = "abcdefghijklmnopqrstuvwxyzéèàç"
_FILLERS = ("vraiment", "aussi", "plutôt", "notamment", "donc", "très")
_PREFIXES = ("Je propose que ", "À mon avis, ", "Il faudrait que ", "")
_SUFFIXES = (" Merci.", " C'est urgent.", "")


@dataclass(frozen=True)
class PerturbedCopy:
    """A generated copy: its text, theme, the original's position and the alteration."""

    text: str
    theme: str | None
    original: int
    kind: str


def perturb(text: str, kind: str, rng: np.random.Generator, donor: str = "") -> str:
    """Return ``text`` altered by ``kind`` (one of :data:`KINDS`).

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    if kind == "typos":
        return _typos(text, rng)
    if kind == "accents":
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if kind == "reorder":
        sentences = _SENTENCE.split(text.strip())
        if len(sentences) < 2:
            words = text.split()
            cut = max(1, len(words) // 2)
            return " ".join(words[cut:] + words[:cut])
        return " ".join(sentences[1:] + sentences[:1])
    if kind == "truncate":
        words = text.split()
        keep = int(round(len(words) * rng.uniform(0.8, 0.9)))
        return " ".join(words[: max(keep, 1)])
    if kind == "add_sentence":
        words = donor.split()[: max(2, len(text.split()) // 5)]
        return f"{text.rstrip()} {' '.join(words)}."
    if kind == "other_theme":
        return text
    raise ValueError(f"unknown perturbation kind {kind!r}; expected one of {KINDS}")


def _typos(text: str, rng: np.random.Generator) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4]
    n_typos = min(len(candidates), max(1, len(words) // 15), 3)
    for i in rng.choice(candidates, size=n_typos, replace=False) if candidates else []:
        word = words[i]
        pos = int(rng.integers(1, len(word) - 1))
        operation = rng.integers(3)
        if operation == 0:
            word = word[:pos] + word[pos + 1 :]
        elif operation == 1:
            word = word[:pos] + word[pos] + word[pos:]
        else:
            word = word[: pos - 1] + word[pos] + word[pos - 1] + word[pos + 1 :]
        words[i] = word
    return " ".join(words)


def make_copies(
    texts: Sequence[str],
    themes: Sequence[str | None] | None,
    n_copies: int,
    *,
    min_words: int = 8,
    random_state: int = 0,
) -> list[PerturbedCopy]:
    """Return ``n_copies`` perturbed copies of texts having at least ``min_words`` words.

    Kinds cycle through :data:`KINDS`; "other_theme" takes a theme different from the
    original's when there is one. Texts are picked without replacement while possible.
    """
    rng = np.random.default_rng(random_state)
    eligible = [i for i, t in enumerate(texts) if len(t.split()) >= min_words]
    if not eligible or n_copies <= 0:
        return []
    picks = rng.choice(eligible, size=n_copies, replace=n_copies > len(eligible))
    theme_values = sorted({t for t in themes or () if t is not None})
    copies = []
    for n, original in enumerate(picks.tolist()):
        kind = KINDS[n % len(KINDS)]
        donor = texts[int(rng.choice(eligible))]
        theme = None if themes is None else themes[original]
        if kind == "other_theme" and len(theme_values) > 1:
            others = [t for t in theme_values if t != theme]
            theme = others[int(rng.integers(len(others)))]
        copies.append(PerturbedCopy(perturb(texts[original], kind, rng, donor), theme, original, kind))
    return copies


def perturb_hard(text: str, operation: str, rng: np.random.Generator) -> str:
    """Apply one operation of the hard protocol (:data:`HARD_OPERATIONS`) to ``text``.

    Same operations and rates as ``../shared/peers/prepare.py``: typos one random character edit
    (swap, delete, insert, replace) per 40 characters; word edits one per 10 words (delete,
    repeat, replace by a filler such as "vraiment"); sentences shuffled (or the two halves of
    the words swapped for one sentence); truncation to 60-90 % of the words (at least 3); a
    prefix ("Je propose que", "À mon avis,", …) and a suffix ("Merci.", …), each possibly empty.

    Raises
    ------
    ValueError
        For an unknown operation.
    """
    if operation == "typos":
        chars = list(text)
        for _ in range(max(1, len(chars) // 40)):
            if not chars:
                break
            i, op = int(rng.integers(len(chars))), int(rng.integers(4))
            if op == 0 and i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif op == 1:
                del chars[i]
            elif op == 2:
                chars.insert(i, _LETTERS[int(rng.integers(len(_LETTERS)))])
            else:
                chars[i] = _LETTERS[int(rng.integers(len(_LETTERS)))]
        return "".join(chars)
    if operation == "word_edits":
        words = text.split()
        for _ in range(max(1, len(words) // 10)):
            if not words:
                break
            i, op = int(rng.integers(len(words))), int(rng.integers(3))
            if op == 0 and len(words) > 3:
                del words[i]
            elif op == 1:
                words.insert(i, words[i])
            else:
                words[i] = _FILLERS[int(rng.integers(len(_FILLERS)))]
        return " ".join(words)
    if operation == "reorder":
        sentences = [s for s in _HARD_SENTENCE.split(text) if s]
        if len(sentences) > 1:
            return " ".join(sentences[i] for i in rng.permutation(len(sentences)))
        words = text.split()
        cut = max(1, len(words) // 2)
        return " ".join(words[cut:] + words[:cut])
    if operation == "truncate":
        words = text.split()
        return " ".join(words[: max(3, int(len(words) * rng.uniform(0.6, 0.9)))])
    if operation == "affix":
        return _PREFIXES[int(rng.integers(len(_PREFIXES)))] + text + _SUFFIXES[int(rng.integers(len(_SUFFIXES)))]
    raise ValueError(f"unknown operation {operation!r}; expected one of {HARD_OPERATIONS}")


def make_hard_copies(
    texts: Sequence[str],
    themes: Sequence[str | None] | None,
    n_copies: int,
    *,
    min_words: int = 8,
    random_state: int = 0,
) -> list[PerturbedCopy]:
    """Return ``n_copies`` copies altered by 1-2 operations of :data:`HARD_OPERATIONS` each.

    Originals (texts of at least ``min_words`` words) are picked without replacement while
    possible; ``kind`` is the operations joined by "+" ("truncate+typos"); the copy keeps the
    original's theme (duplicates across themes are measured on the labelled groups).
    """
    rng = np.random.default_rng(random_state)
    eligible = [i for i, t in enumerate(texts) if len(t.split()) >= min_words]
    if not eligible or n_copies <= 0:
        return []
    picks = rng.choice(eligible, size=n_copies, replace=n_copies > len(eligible))
    copies = []
    for original in picks.tolist():
        chosen = rng.choice(len(HARD_OPERATIONS), size=int(rng.integers(1, 3)), replace=False)
        operations = [HARD_OPERATIONS[i] for i in chosen]
        text = texts[original]
        for operation in operations:
            text = perturb_hard(text, operation, rng)
        theme = None if themes is None else themes[original]
        copies.append(PerturbedCopy(text, theme, original, "+".join(operations)))
    return copies
