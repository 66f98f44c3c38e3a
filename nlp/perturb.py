"""Perturbed copies of real contributions: the positives for duplicate and similarity tests.

Real near-duplicates are few, so the evaluation and the benchmark copy real texts and alter
them the way people re-post: typos, accents dropped, sentences reordered, end cut off, a
sentence added, or the same text pasted under another theme. Deterministic for a seed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["KINDS", "PerturbedCopy", "make_copies", "perturb"]

KINDS = ("typos", "accents", "reorder", "truncate", "add_sentence", "other_theme")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


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
