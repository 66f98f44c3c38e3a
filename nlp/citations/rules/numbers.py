"""Numbers rule: counts, amounts, ratios and periods of a text ("20 €" = "vingt euros", "un sur trois" = "un tiers")."""

from __future__ import annotations

import re

from nlp._polarity import Token
from nlp.citations.lexicons import _ANNUAL, _FRACTIONS, _NUMBER_WORDS, _PERIOD_UNITS, _SOURCE_NOUNS

# Time units of a duration, in days ("trois semaines" = 21, "un an" = "douze mois" up to a rounding of months).
_DURATION_DAYS = {
    "h": 1 / 24,
    "heure": 1 / 24,
    "heures": 1 / 24,
    "jour": 1,
    "jours": 1,
    "journee": 1,
    "journees": 1,
    "semaine": 7,
    "semaines": 7,
    "mois": 30,
    "an": 360,
    "ans": 360,
    "annee": 360,
    "annees": 360,
}


def _denominator(words: list[str], values: list[float | None], i: int) -> float | None:
    """The y of "x sur y" read from the number at ``i`` ("deux inscrites sur quarante": 40), at most
    four words on, with no other number between."""
    for k in range(i + 1, min(i + 6, len(words) - 1)):
        if values[k] is not None:
            return None
        if words[k] == "sur":
            return values[k + 1] or None
    return None


_SPACES = re.compile(r"[ \u00a0\u202f]")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")


def _parse_number(text: str) -> float | None:
    if not any(c.isdigit() for c in text):  # most words: no pattern to run
        return None
    digits = _SPACES.sub("", text)
    if _DECIMAL.fullmatch(digits):
        return float(digits.replace(",", "."))
    return None


def _numbers(tokens: list[Token]) -> dict[tuple[str, object], str]:
    """{(kind, value): surface} of the counts, ratios and periods of a text.

    "20 €", "20 euros" and "vingt" are the count 20; "20 %", "20%" and "un cinquième" the ratio
    0.2; "un sur trois" and "un tiers" the ratio 1/3; "tous les trois ans" the period (3, an).
    """
    out: dict[tuple[str, object], str] = {}
    words = [t.folded for t in tokens]
    values: list[float | None] = []
    i = 0
    while i < len(words):  # compose number words: "dix huit" 18, "trois mille" 3000, "vingt et un" 21
        value = _parse_number(words[i])
        if value is None and words[i] in _NUMBER_WORDS:
            total, current, j = 0.0, 0.0, i
            while j < len(words) and (
                words[j] in _NUMBER_WORDS or (words[j] == "et" and j + 1 < len(words) and words[j + 1] in ("un", "une"))
            ):
                w = words[j]
                if w in ("et",):
                    current += 1
                    j += 2
                    continue
                n = _NUMBER_WORDS[w]
                if n >= 1000:
                    total += max(current, 1) * n
                    current = 0
                elif n == 100:
                    current = max(current, 1) * 100
                else:
                    current += n
                j += 1
            values.extend([total + current] + [None] * (j - i - 1))
            i = j
            continue
        if words[i] in ("un", "une") and any(
            words[k] == "sur" and k + 1 < len(words) and (_parse_number(words[k + 1]) or words[k + 1] in _NUMBER_WORDS)
            for k in range(i + 1, min(i + 5, len(words)))  # "un maître d'apprentissage sur deux"
        ):
            value = 1.0  # "un stagiaire sur trois"
        values.append(value)
        i += 1
    for i, word in enumerate(words):
        value = values[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        prev = words[i - 1] if i else ""
        if word in _DURATION_DAYS and i and (prev in ("un", "une") or values[i - 1] is not None):
            # "une semaine de plus par an" is not "une journée de plus": a duration counted in days
            count = 1.0 if prev in ("un", "une") else values[i - 1]
            assert count is not None
            days = round(count * _DURATION_DAYS[word], 2)
            if not (i >= 2 and words[i - 2] in ("tous", "toutes", "les") and prev not in ("un", "une")):
                out[("duree", days)] = f"{prev} {word}"
        if word in _FRACTIONS:
            factor = (values[i - 1] or 1.0) if i else 1.0
            out[("ratio", round(factor * _FRACTIONS[word], 3))] = f"{prev} {word}".strip()
        elif word in _PERIOD_UNITS and (
            prev in ("chaque", "par") or (prev == "les" and words[i - 2] in ("tous", "toutes"))
        ):
            out[("periode", f"1 {_PERIOD_UNITS[word]}")] = f"{prev} {word}"
        elif word in _ANNUAL:
            out[("periode", "1 an")] = word
        if value is None:
            continue
        if word == "cent" and prev == "pour" and i >= 2 and values[i - 2] is not None:
            continue  # the "cent" of "trente pour cent": the ratio read at "trente", not a count of 100
        if word in _NUMBER_WORDS and prev in ("les",) and nxt in _SOURCE_NOUNS:
            continue  # "les deux contributions": a quantifier over the sources, checked apart
        if nxt in ("%", "pourcent", "pourcents") or (nxt == "pour" and i + 2 < len(words) and words[i + 2] == "cent"):
            out[("ratio", round(value / 100, 3))] = f"{words[i]} %"
            out.setdefault(("count", value), f"{words[i]} %")
            continue
        if nxt == "/" and i + 2 < len(words) and (divisor := values[i + 2]):
            out[("ratio", round(value / divisor, 3))] = f"{words[i]}/{words[i + 2]}"
            continue
        if nxt == "fois" and i + 2 < len(words) and words[i + 2] == "moins" and value:
            out[("ratio", round(1 / value, 3))] = f"{words[i]} fois moins"  # "deux fois moins" = "de moitié"
            continue
        denominator = _denominator(words, values, i)
        if denominator:
            out[("ratio", round(value / denominator, 3))] = f"{words[i]} sur {denominator:g}"
            # the two numbers are written in the text too ("deux inscrites sur quarante" holds "deux femmes"
            # and "quarante"): a claim's count may be found there, a ratio's own numbers are never required
            out.setdefault(("part", value), words[i])
            out.setdefault(("part", denominator), f"{denominator:g}")
            continue
        if prev == "sur" and any(
            values[k] is not None and _denominator(words, values, k) == value for k in range(max(0, i - 6), i - 1)
        ):
            continue  # the denominator of "un sur trois"
        if prev in ("les", "tous") and nxt in _PERIOD_UNITS and i > 1 and words[i - 2] in ("tous", "toutes"):
            out[("periode", f"{value:g} {_PERIOD_UNITS[nxt]}")] = f"tous les {words[i]} {nxt}"
            continue
        out[("count", value)] = words[i] + (" €" if nxt in ("€", "euros", "euro") else "")
    return out
