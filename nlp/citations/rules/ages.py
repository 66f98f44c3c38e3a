"""Age rule: a claim that speaks for the young where its sources speak for seniors (or the reverse)."""

from __future__ import annotations

from nlp.citations.analysis import _Analysis
from nlp.text import fold

_AGES = (
    frozenset(fold(w) for w in ("jeune", "jeunes", "enfant", "enfants", "adolescent", "adolescents", "ado", "ados")),
    frozenset(fold(w) for w in ("senior", "seniors", "âgée", "âgées", "aîné", "aînés", "vieux", "vieille", "vieilles")),
)
"""Two ages of life: a claim naming one ("au nom des jeunes") where no cited text does, while a cited text names
the other ("nous, seniors"), speaks for someone else, as a changed name does. Matched as written, never through a
near vector (young and old are close in the encoder's space); not "âgé" / "âgés", folded like "âge" / "âges"."""


def _other_age(claim: _Analysis, sources: dict[int, _Analysis]) -> tuple[str, int, str] | None:
    """(the claim's age word, a cited text and its word of the other age) when the claim names an age no cited
    text names and a cited text names the other one; None otherwise."""
    written = {w.folded for s in sources.values() for w in s.words}
    for w in claim.words:
        for age, other in (_AGES, _AGES[::-1]):
            if w.folded in age and not written & age:
                for id_, source in sources.items():
                    found = sorted({v.folded for v in source.words} & other)
                    if found:
                        return w.folded, id_, found[0]
    return None
