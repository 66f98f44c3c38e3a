"""Fit the checker's calibration (:mod:`nlp.citations.calibration`) on the hand-labelled claim files.

Usage: ``python -m nlp.citations.calibrate [--write]`` (scipy is needed here only, not at run time).

For each claim of the twelve development files (:data:`TRAINING_FILES`) every sentence is examined by the
checker's rules (:func:`nlp.citations.examination._examine`); a sentence that a hard rule refuses, or that is not a
checkable citation at all, is refused whatever the model says. A logistic regression over
:data:`nlp.citations.calibration.FEATURES` is fitted on the other sentences, labelled by their claim.

Generalisation is estimated by leave-one-file-out: the model is fitted on eleven files and predicts the
twelfth, and a training claim that cites a source text also cited in the test file is dropped (a source
never sits on both sides). The decision threshold is chosen on these out-of-fold probabilities: the
lowest one at which the pooled precision of "vérifiée" reaches :data:`TARGET_PRECISION`, so that as many
supported claims as possible are accepted. The final model is fitted on all twelve files; ``--write`` stores
it, the threshold and the cross-validated figures in :data:`nlp.citations.calibration.DEFAULT_PATH`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from nlp.citations.analysis import SupportScorer, _analyse
from nlp.citations.calibration import DEFAULT_PATH, FEATURES, FREE, INCREASING, Calibration
from nlp.citations.examination import _examine
from nlp.citations.rules.entities import _entities
from nlp.citations.sentences import parse_citations, split_sentences
from nlp.citations.thresholds import DEFAULT_MIN_EACH, DEFAULT_THRESHOLD
from nlp.evaluate_citations import HELDOUT_CLAIMS, claim_text, load_claims

TRAINING_FILES = {
    "dev_citations": None,  # ../shared/data/dev_citations.csv, found through nlp.evaluate's DATA
    "heldout": HELDOUT_CLAIMS,
    "heldout2": HELDOUT_CLAIMS.with_name("heldout2_claims.csv"),
    "heldout3": HELDOUT_CLAIMS.with_name("heldout3_claims.csv"),
    "heldout4": HELDOUT_CLAIMS.with_name("heldout4_claims.csv"),
    "heldout5": HELDOUT_CLAIMS.with_name("heldout5_claims.csv"),
    "heldout6": HELDOUT_CLAIMS.with_name("heldout6_claims.csv"),
    "heldout7": HELDOUT_CLAIMS.with_name("heldout7_claims.csv"),
    "heldout8": HELDOUT_CLAIMS.with_name("heldout8_claims.csv"),
    "heldout9": HELDOUT_CLAIMS.with_name("heldout9_claims.csv"),
    "heldout10": HELDOUT_CLAIMS.with_name("heldout10_claims.csv"),
    "heldout11": HELDOUT_CLAIMS.with_name("heldout11_claims.csv"),
}
"""The development claim files (heldout4 since v6, heldout5 since v7, heldout6 since v8, heldout7 and heldout8 since
v9, heldout9 since v10, heldout10 since v11, heldout11 since v12: each was measured, then trained on; ``heldout12``,
written apart, is the set never trained on)."""

HARD_RULES = ("negation", "number", "entity", "quantifier", "actor", "overreach", "placement", "passenger", "stance")
"""Rules that refuse on their own: every rule but coverage, whose thresholds the model replaces. Chosen by
cross-validation over three sets (the four rules the issue names; those plus actor and overreach; all but
coverage): all but coverage had the best out-of-fold precision on heldout3 (0.82 against 0.77 at the
threshold each chose), and keeps every rule's refusal as the tests state it. Since v6 the counted-source check
("deux contributions", kind ``count``) is not hard either: in a synthesis each source says a part. v10 compared
softer sets again over ten files (all soft, the issue's four hard, each rule softened alone; with the logistic model,
interactions and boosted trees: :mod:`nlp.citations.compare`): none accepted more supported claims at out-of-fold
precision 0.95 beyond the noise, so all nine stay hard; v11 re-ran the same comparison over eleven files, with the
same outcome."""

TARGET_PRECISION = 0.95
"""Out-of-fold precision of "vérifiée" the threshold must reach, pooled over the training files (0.9 in v5, 0.93
in v6–v9, 0.95 since v10). v9 first shipped 0.97 (the issue's 0.95 plus the optimism seen on heldout7); measured once
on heldout8, unseen, it bought nothing: precision 0.875 against 0.895 at 0.93, supported claims accepted 0.233
against 0.567. v10's rule, stated before its comparison: raise the target only if heldout9's fold (the one file no
rule was written from) gains precision out of fold at the higher target; it did, 0.862 → 0.920 (two wrong
acceptances of four removed, two supported claims lost), for 0.554 → 0.530 of supported claims pooled
(nlp/README.md, v10). Kept in v11, as its rule stated beforehand: threshold 0.779 over eleven files."""

REPORTED_THRESHOLDS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95)
"""Thresholds whose out-of-fold figures (pooled, per file and per category) are printed and stored beside the
chosen one: what each operating point costs."""

C = 3.0
"""Inverse strength of the L2 penalty of the logistic regression."""


def _dev_path() -> Path:
    from nlp.evaluate import DATA

    return Path(DATA) / "dev_citations.csv"


def examine_claim(text: str, sources: dict[int, str]) -> list[dict]:
    """Per sentence: ``kinds`` (rules that refuse it; ``"structure"`` when it is not a checkable citation)
    and ``features`` (None then)."""
    scorer = SupportScorer(sources)
    out: list[dict] = []
    for sentence in split_sentences(text):
        plain, ids = parse_citations(sentence)
        claim = _analyse(plain)
        entities = _entities(plain)
        if not ids or any(i not in scorer for i in ids) or not (claim.words or claim.numbers or entities):
            out.append({"kinds": ["structure"], "features": None})
            continue
        exam = _examine(
            sentence, plain, ids, claim, entities, scorer, threshold=DEFAULT_THRESHOLD, min_each=DEFAULT_MIN_EACH
        )
        out.append(
            {
                "kinds": sorted({k for k, _ in exam.refusals}),
                "reasons": [f"{k}: {r}" for k, r in exam.refusals],
                "features": exam.features(),
            }
        )
    return out


def collect(files: dict[str, Path | None] | None = None, log=print) -> list[dict]:
    """One record per claim of ``files``: file, id, category, label, source texts and its sentences."""
    records = []
    for name, path in (files or TRAINING_FILES).items():
        path = path or _dev_path()
        claims = load_claims(path)
        log(f"{name}: {len(claims)} claims ({path})")
        for claim in claims:
            records.append(
                {
                    "file": name,
                    "id": claim["id"],
                    "category": claim["category"],
                    "label": int(claim["label"] == "supported"),
                    "source_texts": sorted({" ".join(t.lower().split()) for t in claim["sources"].values()}),
                    "sentences": examine_claim(claim_text(claim["claim"], claim["sources"]), claim["sources"]),
                }
            )
    return records


def _hard(sentence: dict, hard_rules: Collection[str]) -> bool:
    return "structure" in sentence["kinds"] or any(k in hard_rules for k in sentence["kinds"])


def _design(records: list[dict], hard_rules: Collection[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (sentences no hard rule refuses), their labels and the index of their claim."""
    rows, labels, owners = [], [], []
    for k, record in enumerate(records):
        for sentence in record["sentences"]:
            if not _hard(sentence, hard_rules):
                rows.append([sentence["features"][f] for f in FEATURES])
                labels.append(record["label"])
                owners.append(k)
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.array(labels), np.array(owners)


def fit(records: list[dict], hard_rules: Sequence[str] = HARD_RULES, *, c: float = C) -> Calibration:
    """Fit the sign-constrained logistic regression on ``records`` (threshold left at 0.5).

    L2-penalised log loss (scikit-learn's convention: ``c`` is the inverse penalty), minimised by L-BFGS-B
    with each coefficient kept on the side :data:`nlp.citations.calibration.INCREASING` gives it.
    """
    from scipy.optimize import minimize

    x, y, _ = _design(records, hard_rules)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    n_features = len(FEATURES)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:n_features], theta[n_features]
        margin = z @ w + b
        p = 1.0 / (1.0 + np.exp(-margin))
        value = float(np.sum(np.logaddexp(0.0, margin) - y * margin) + w @ w / (2 * c))
        gradient = np.append(z.T @ (p - y) + w / c, np.sum(p - y))
        return value, gradient

    bounds = [(0.0, None) if f in INCREASING else (None, None) if f in FREE else (None, 0.0) for f in FEATURES]
    bounds.append((None, None))
    result = minimize(
        loss,
        np.zeros(n_features + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 10_000, "gtol": 1e-9},
    )
    coef = np.round(result.x[:n_features], 6) + 0.0
    return Calibration(FEATURES, mean, scale, coef, round(float(result.x[n_features]), 6), 0.5, frozenset(hard_rules))


def claim_probability(record: dict, calibration: Calibration) -> float:
    """The claim's probability: its weakest sentence's (0 when a hard rule refuses one)."""
    if not record["sentences"]:
        return 0.0
    values = []
    for sentence in record["sentences"]:
        if _hard(sentence, calibration.hard_rules):
            return 0.0
        values.append(calibration.probability(sentence["features"]))
    return min(values)


def cross_validate(records: list[dict], hard_rules: Sequence[str] = HARD_RULES, *, c: float = C) -> np.ndarray:
    """Leave-one-file-out probabilities, one per record; training claims sharing a source text with the
    test file are dropped."""
    out = np.zeros(len(records))
    for name in dict.fromkeys(r["file"] for r in records):
        test = [k for k, r in enumerate(records) if r["file"] == name]
        test_sources = {t for k in test for t in records[k]["source_texts"]}
        train = [r for r in records if r["file"] != name and not test_sources & set(r["source_texts"])]
        calibration = fit(train, hard_rules, c=c)
        for k in test:
            out[k] = claim_probability(records[k], calibration)
    return out


def figures(records: list[dict], probabilities: np.ndarray, threshold: float) -> dict:
    """Precision of "vérifiée", supported accepted and accepted per category, in all and per file."""

    def one(members: list[int]) -> dict:
        accepted = [k for k in members if probabilities[k] >= threshold and probabilities[k] > 0]
        supported = [k for k in members if records[k]["label"]]
        categories = {}
        for category in sorted({records[k]["category"] for k in members}):
            in_category = [k for k in members if records[k]["category"] == category]
            categories[category] = f"{sum(k in accepted for k in in_category)}/{len(in_category)}"
        return {
            "n": len(members),
            "precision_verified": round(sum(records[k]["label"] for k in accepted) / len(accepted), 3)
            if accepted
            else 1.0,
            "supported_accepted": round(sum(k in accepted for k in supported) / len(supported), 3)
            if supported
            else 1.0,
            "categories": categories,
        }

    out = {"all": one(list(range(len(records))))}
    for name in dict.fromkeys(r["file"] for r in records):
        out[name] = one([k for k, r in enumerate(records) if r["file"] == name])
    return out


def choose_threshold(records: list[dict], probabilities: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The lowest probability at which pooled precision reaches ``target`` (keeps most supported claims); when no
    threshold reaches it, the lowest one at the highest precision reached."""
    labels = np.array([r["label"] for r in records])
    candidates = sorted({float(p) for p in probabilities if p > 0})
    best, best_precision = 1.0, -1.0
    for threshold in candidates:
        accepted = (probabilities >= threshold) & (probabilities > 0)
        if not accepted.any():
            continue
        precision = labels[accepted].mean()
        if precision >= target:
            return round(threshold, 6)
        if precision > best_precision:
            best, best_precision = threshold, precision
    return round(best, 6)  # the target is out of reach: the lowest threshold at the best precision reached


def fit_examples(records: list[dict], calibration: Calibration, n: int = 3) -> list[dict]:
    """A few training sentences with the probability the fit gives them, computed over the whole design matrix
    at once (the fit's form, not :meth:`Calibration.probability`): the highest, the lowest and the nearest to
    0.5. Stored beside the model, they let a test check that the run-time form gives the same values."""
    x, _, _ = _design(records, calibration.hard_rules)
    margin = np.clip((x - calibration.mean) / calibration.scale @ calibration.coef + calibration.intercept, -50, 50)
    probabilities = np.round(1.0 / (1.0 + np.exp(-margin)), 6)
    picked = dict.fromkeys([int(np.argmax(probabilities)), int(np.argmin(probabilities))])
    picked.update(dict.fromkeys(int(k) for k in np.argsort(np.abs(probabilities - 0.5), kind="stable")[:n]))
    return [
        {"values": dict(zip(FEATURES, map(float, x[k]))), "probability": float(probabilities[k])}
        for k in list(picked)[:n]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.citations.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"store the fitted calibration in {DEFAULT_PATH}")
    parser.add_argument("--records", type=Path, help="cache of the examined claims (JSON), read if it exists")
    args = parser.parse_args(argv)
    if args.records and args.records.exists():
        records = json.loads(args.records.read_text(encoding="utf-8"))
    else:
        records = collect()
        if args.records:
            args.records.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    probabilities = cross_validate(records)
    threshold = choose_threshold(records, probabilities)
    cv = figures(records, probabilities, threshold)
    print(f"threshold {threshold} (out-of-fold precision target {TARGET_PRECISION})")
    print(json.dumps(cv, ensure_ascii=False, indent=1))
    reported = {}
    for other in REPORTED_THRESHOLDS:
        at = figures(records, probabilities, other)
        reported[str(other)] = at["all"]
        print(
            f"threshold {other}: "
            + " | ".join(f"{k} {v['precision_verified']:.3f} / {v['supported_accepted']:.3f}" for k, v in at.items())
        )
        print("    " + " ".join(f"{c} {n}" for c, n in at["all"]["categories"].items()))
    final = fit(records)
    data = {
        **final.to_dict(),
        "threshold": threshold,
        "examples": fit_examples(records, final),
        "trained_on": list(TRAINING_FILES),
        "n_claims": len(records),
        "cross_validated": cv,
        "cross_validated_at": reported,
    }
    if args.write:
        DEFAULT_PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written {DEFAULT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
