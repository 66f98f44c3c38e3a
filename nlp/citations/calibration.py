"""The learned last step of the checker: how likely a sentence that no hard rule refuses is supported.

The rules of :mod:`nlp.citations.rules` refuse what they can name (a contradiction, a number or a name
the cited texts do not hold, a count of sources); whether the rest of the sentence is *said* by the cited
texts is a matter of degree (aligned words, closeness in meaning, unsupported parts). Hand thresholds on
those degrees did not generalise to claims nobody had read (precision 0.61 on ``heldout3_claims.csv``), so
a logistic regression over :data:`FEATURES` decides instead, fitted on five hand-labelled claim files by
:mod:`nlp.citations.calibrate` and stored as a small JSON (:data:`DEFAULT_PATH`). At run time this is a
dot product in numpy: deterministic, no scikit-learn.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nlp.citations.analysis import _Analysis

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "citation_calibration.json"

RULE_KINDS = (
    "negation",
    "number",
    "entity",
    "quantifier",
    "actor",
    "overreach",
    "placement",
    "passenger",
    "stance",
    "count",
    "coverage",
)
"""The kinds of refusal :func:`nlp.citations.check.check_sentence` names; the calibration file says
which of them refuse on their own (``hard_rules``) and which are only features."""

# Words that narrow, compare or extend what a source says ("seul", "mieux", "déjà", "aussi").
_SHIFT = re.compile(
    r"\b(?:seul|seule|seuls|seules|seulement|uniquement|exclusivement|mieux|pire|plus|moins|davantage|deja|aussi"
    r"|egalement|meme|encore|surtout|principal|principale|principaux|premier|premiere|avant tout)\b"
)

_MEASURES = (
    "aligned_share",
    "form_share",
    "vector_only",
    "min_source_share",
    "max_source_share",
    "longest_unaligned",
    "longest_unaligned_share",
    "min_unit_share",
    "shift_words",
    "last_unit_share",
    "disagreeing_share",
    "bigram_share",
    "similarity_best",
    "similarity_unframed",
    "common_run_share",
    "local_share",
    "ordered_share",
)
"""Measures of support read apart for a sentence citing one source (``one_``) and several (``many_``): what a
faithful single-source sentence looks like (its words in one passage, in order) is not what a synthesis
looks like (each source a part), and one weight for both let the number of sources stand for support."""

_SUPPORT = frozenset(
    [
        "aligned_share",
        "form_share",
        "min_source_share",
        "max_source_share",
        "min_unit_share",
        "last_unit_share",
        "bigram_share",
        "similarity_best",
        "similarity_unframed",
        "common_run_share",
        "local_share",
        "ordered_share",
    ]
)

FEATURES = (
    "rules_accept",
    "unsupporting_sources",
    "verbatim",
    "n_sources",
    "log_words",
    "n_units",
    *(f"{side}_{name}" for side in ("one", "many") for name in _MEASURES),
    *(f"flag_{kind}" for kind in RULE_KINDS),
)
"""What the calibration reads of a sentence, in the order of the stored coefficients."""

INCREASING = frozenset(
    ["rules_accept", "verbatim", *(f"{side}_{name}" for side in ("one", "many") for name in _SUPPORT)]
)
"""Features whose coefficient may not be negative: more support never lowers the probability."""

FREE = frozenset(["n_sources", "log_words", "n_units"])
"""Features whose coefficient may take either sign (the shape of the sentence, not its support). Every
feature neither here nor in :data:`INCREASING` (unaligned runs, words aligned only by a near vector,
disagreeing words, flags of the rules that are not hard) may not raise the probability: a monotone model,
so no collinear trade-off between two measures of support turns a missing word into a reason to verify."""


def sentence_features(
    *,
    claim,
    sources: Mapping[int, _Analysis],
    ids: Sequence[int],
    alignment,
    share: Mapping[int, float],
    similarity,
    supporting: Sequence[int],
    kinds: set[str],
    rules_accept: bool,
) -> dict[str, float]:
    """The values of :data:`FEATURES` for one sentence (see :func:`nlp.citations.check.check_sentence`)."""
    words = claim.words
    n_words = len(words)
    aligned = alignment.aligned
    by_form = set().union(*alignment.by_form.values()) if alignment.by_form else set()
    run = longest = 0
    for n in range(n_words):
        run = 0 if n in aligned else run + 1
        longest = max(longest, run)
    units: dict[int, list[int]] = {}
    for n, w in enumerate(words):
        units.setdefault(w.unit, []).append(n)
    unit_shares = [sum(n in aligned for n in ns) / len(ns) for ns in units.values() if len(ns) >= 2]
    last_unit = units[max(units)] if units else []
    claim_pairs = {(a.stem, b.stem) for a, b in itertools.pairwise(words) if a.clause == b.clause}
    source_pairs = {
        (a.stem, b.stem) for s in sources.values() for a, b in itertools.pairwise(s.words) if a.clause == b.clause
    }
    verbatim = bool(similarity.verbatim)
    local, ordered = _local_support(claim, sources)
    values = {
        "rules_accept": float(rules_accept),
        "aligned_share": len(aligned) / n_words if n_words else 1.0,
        "form_share": len(by_form) / n_words if n_words else 1.0,
        "vector_only": float(len(aligned - by_form)),
        "min_source_share": min(share[i] for i in ids),
        "max_source_share": max(share[i] for i in ids),
        "longest_unaligned": float(longest),
        "longest_unaligned_share": longest / n_words if n_words else 0.0,
        "min_unit_share": min(unit_shares, default=1.0),
        "shift_words": float(len(_SHIFT.findall(claim.folded))),
        "last_unit_share": sum(n in aligned for n in last_unit) / len(last_unit) if last_unit else 1.0,
        "disagreeing_share": len(alignment.disagreeing) / n_words if n_words else 0.0,
        "bigram_share": len(claim_pairs & source_pairs) / len(claim_pairs) if claim_pairs else 1.0,
        "similarity_best": 1.0 if verbatim else similarity.best(),
        "similarity_unframed": 1.0 if verbatim else _unframed_similarity(claim, sources, similarity),
        "common_run_share": _common_run(claim, sources),
        "local_share": local,
        "ordered_share": ordered,
        "unsupporting_sources": float(len(ids) - len(supporting)),
        "verbatim": float(verbatim),
        "n_sources": float(len(ids)),
        "log_words": math.log1p(n_words),
        "n_units": float(len(unit_shares)),
        **{f"flag_{kind}": float(kind in kinds) for kind in RULE_KINDS},
    }
    side, other = ("many", "one") if len(ids) > 1 else ("one", "many")
    for name in _MEASURES:
        values[f"{side}_{name}"] = values.pop(name)
        values[f"{other}_{name}"] = 0.0
    return values


# A reporting frame ("Un participant propose de", "Selon une contribution,") is the claim speaking about its
# source: removed before the claim is compared in meaning with the cited passages.
_REPORTING_FRAME = re.compile(
    r"^\s*(?:selon (?:un|une|des|les|deux|trois|plusieurs|certains|certaines|l'|le|la)\s*[^,]{0,40},\s*"
    r"|(?:un|une|des|les|deux|trois|plusieurs|certains|certaines|l'|le|la)\s*"
    r"(?:participant|contribut|personne|organisme|auteur|repondant|habitant|citoyen|argument|proposition|avis|source)"
    r"\w*\s+(?:\w+\s+){0,2}?"
    r"(?:propos|demand|souhait|estim|pens|jug|regrett|denonc|affirm|sugger|suggere|rappell|rappel|voudr|veu|explique"
    r"|constat|signal|temoign|soulign|craint|consider|reclam|insist|not|observ|indiqu|racont|decri|evoqu|plaid)\w*"
    r"\s+(?:que |qu'|de |d'|a ce que )?)"
)


def _unframed_similarity(claim, sources: Mapping[int, _Analysis], similarity) -> float:
    """The best cosine of the claim without its reporting frame with a passage of a cited text (the plain
    best cosine when it has no frame)."""
    frame = _REPORTING_FRAME.match(claim.folded)
    if not frame:
        return similarity.best()
    from nlp.citations.alignment import _Similarity

    rest = claim.text[frame.end() :] if len(claim.text) == len(claim.folded) else claim.folded[frame.end() :]
    return _Similarity(rest, similarity.sources).best() if rest.strip() else similarity.best()


def _local_support(claim, sources: Mapping[int, _Analysis]) -> tuple[float, float]:
    """How much of the claim one passage of a cited text (a sentence or two in a row) says in its own words:
    (share of the claim's content words found there as such, share found there in the claim's order).

    A trimmed extract ("Un participant propose de réduire leurs impôts pendant cinq ans …" from a longer
    sentence) has all its words in one sentence of the source, in order, while its cosine with the whole
    sentence is lowered by what was trimmed; a sentence made of words spread over a long text does not.
    """
    from nlp.citations.analysis import _same_form

    words = claim.words
    if not words:
        return 1.0, 1.0
    canon = [next((j for j in range(i) if _same_form(words[j].folded, w.folded)), i) for i, w in enumerate(words)]
    matched: dict[str, int] = {}
    best_share = best_order = 0
    for source in sources.values():
        ends = [m.start() for m in re.finditer(r"[.!?\n]", source.folded)]
        by_sentence: dict[int, list[int]] = {}
        for v in source.words:
            if v.folded not in matched:
                matched[v.folded] = next((canon[j] for j, w in enumerate(words) if _same_form(w.folded, v.folded)), -1)
            if matched[v.folded] >= 0:
                by_sentence.setdefault(bisect.bisect(ends, v.start), []).append(matched[v.folded])
        keys = sorted(by_sentence)
        passages = [by_sentence[k] for k in keys]
        passages += [by_sentence[a] + by_sentence[b] for a, b in itertools.pairwise(keys) if b == a + 1]
        for passage in passages:
            found = set(passage)
            best_share = max(best_share, sum(c in found for c in canon))
            blocks = difflib.SequenceMatcher(None, canon, passage, autojunk=False).get_matching_blocks()
            best_order = max(best_order, sum(b.size for b in blocks))
    return best_share / len(words), best_order / len(words)


def _common_run(claim, sources: Mapping[int, _Analysis]) -> float:
    """The longest run of the claim's tokens found in a row in one cited text, as a share of its tokens."""
    tokens = [t.folded for t in claim.tokens]
    if not tokens:
        return 0.0
    best = 0
    for source in sources.values():
        other = [t.folded for t in source.tokens]
        matcher = difflib.SequenceMatcher(None, tokens, other, autojunk=False)
        best = max(best, matcher.find_longest_match(0, len(tokens), 0, len(other)).size)
    return best / len(tokens)


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic regression over :data:`FEATURES` and the threshold a sentence must clear.

    Attributes
    ----------
    features : tuple of str
        Feature names, in the order of ``coef``.
    mean, scale : numpy.ndarray
        Standardisation of each feature (value - mean) / scale.
    coef : numpy.ndarray
        One coefficient per standardised feature.
    intercept : float
    threshold : float
        Probability at or above which a sentence no hard rule refuses is verified.
    hard_rules : frozenset of str
        Kinds of :data:`RULE_KINDS` that refuse a sentence whatever its probability.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    hard_rules: frozenset[str]

    def probability(self, values: Mapping[str, float]) -> float:
        """Probability that the sentence is supported (rounded to 6 decimals: same value on every platform)."""
        x = np.array([values[name] for name in self.features], dtype=np.float64)
        z = float(((x - self.mean) / self.scale) @ self.coef + self.intercept)
        return round(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))), 6)

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            "threshold": float(self.threshold),
            "hard_rules": sorted(self.hard_rules),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Calibration:
        """Build from the stored JSON; raises ValueError when it does not match :data:`FEATURES`."""
        features = tuple(data["features"])
        if features != FEATURES:
            raise ValueError(
                "calibration file does not match the checker's features: run python -m nlp.citations.calibrate"
            )
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(features),) for a in arrays):
            raise ValueError("calibration file: mean, scale and coef need one value per feature")
        unknown = set(data["hard_rules"]) - set(RULE_KINDS)
        if unknown:
            raise ValueError(f"calibration file: unknown hard rules {sorted(unknown)}")
        mean, scale, coef = arrays
        hard_rules = frozenset(data["hard_rules"])
        return cls(features, mean, scale, coef, float(data["intercept"]), float(data["threshold"]), hard_rules)


@functools.lru_cache(maxsize=4)
def load_calibration(path: str | Path = DEFAULT_PATH) -> Calibration:
    """The calibration stored at ``path`` (read once per process)."""
    with open(path, encoding="utf-8") as handle:
        return Calibration.from_dict(json.load(handle))
