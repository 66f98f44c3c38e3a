"""Number rule: each number a claim writes ("33 %", "deux tiers", "1 500 €") must be one a cited text holds.

The numbers themselves are read by :func:`nlp.citations.rules.numbers._numbers` when a text is analysed.
"""

from __future__ import annotations

from typing import cast

from nlp.citations.analysis import _Analysis


def _same_percent(key: tuple[str, object], sources: dict[int, _Analysis]) -> bool:
    """True when a claimed ratio is a source's ratio to the whole percent: "un tiers" = "33 %" = "un sur trois",
    "deux tiers" = "67 %" (not "66 %", nor "30 %")."""
    if key[0] != "ratio" or not isinstance(key[1], float):
        return False
    percent = round(key[1] * 100)
    return any(
        k[0] == "ratio" and isinstance(k[1], float) and round(k[1] * 100) == percent
        for s in sources.values()
        for k in s.numbers
    )


def _unfound_numbers(claim: _Analysis, sources: dict[int, _Analysis]) -> list[str]:
    """The claim's numbers, as written, that no cited text holds ([] when each is found)."""
    out = []
    for key, surface in claim.numbers.items():
        if key[0] == "part":
            continue
        found = [key] + ([("part", key[1])] if key[0] == "count" else [])
        if key[0] == "count" and surface.endswith("%"):
            found.append(("ratio", round(cast(float, key[1]) / 100, 3)))  # "33 %" is the ratio, checked as one
        if not any(k in s.numbers for s in sources.values() for k in found) and not any(
            _same_percent(k, sources) for k in found
        ):
            out.append(surface)
    return out
