"""Measure clustering, duplicates and similar-text retrieval against baselines on a labelled CSV.

Usage: ``python -m nlp.evaluate [PATH.csv ...] [--sample N] [--seed S]`` (default: the three dev
files of ``../shared/data``, or ``$CONTRIB_SHARED_DATA``). A consultation CSV has columns ``id``,
``text``, ``theme`` and optionally ``dup_group`` / ``near_dup_group``; a file with a
``stance_pair`` column is read as reworded duplicates (``dev_paraphrases.csv``). The last line
printed is one JSON object with every figure, by file name.

Metrics
-------
Clustering: NMI and ARI of the predicted clusters against the organisers' themes, every
text counted (the outlier bucket is one more predicted label). Baseline: scikit-learn
``TfidfVectorizer()`` + ``KMeans(k=number of themes, n_init=10, random_state=0)``.

Duplicates, pairwise: a gold pair is two ids in the same gold group (the union of
``dup_group`` and ``near_dup_group`` links, as connected components); a predicted pair is two
ids in the same predicted :class:`~nlp.duplicates.DuplicateGroup` for our method, and two ids
whose trigram similarity is >= 0.25 for Decidim's rule (its pairwise suggestion, no
transitive closure). Precision = |predicted ∩ gold| / |predicted|, recall = |predicted ∩
gold| / |gold|, F1 their harmonic mean. "perturbed" adds generated copies of real texts
under the hard protocol (:func:`nlp.perturb.make_hard_copies`: 1-2 of typos, word edits,
reordering, truncation to 60-90 %, prefix/suffix; fixed seed) and each (original, copy) pair
joins the gold groups. Measured twice: the lexical tiers alone (exact, near, reworded copy:
``semantic=False``) and every tier (the default). On real data the meaning tier has no gold:
its groups are counted and sized (flooding check).

Similar retrieval: an index of the original texts is queried with each perturbed copy;
recall@5 = share of copies whose original (or a gold duplicate of it) is among the 5
suggestions, precision@5 = relevant suggestions / suggestions shown.

Reworded duplicates (``dev_paraphrases.csv``): groups are split into a tuning half and a
held-out half by a fixed hash of the group id (a hard negative goes with the group its note
names); thresholds were chosen on the tuning half only, and both halves are reported. Per
tier, pairwise precision (pairs of that tier that are gold) and recall (gold pairs found by
that tier); recall by difficulty; stance pairs grouped (a negative grouped with any member of
the group it opposes; must be 0); partner in the top 3 while typing (each member of a gold
pair queries an index of all rows, the other member must be among the first 3).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from pathlib import Path

from nlp.embeddings import embed as embed_texts
from nlp.evaluate_citations import (
    HELDOUT_SETS,
    evaluate_citations,
    format_citation_report,
    heldout_report,
    is_claim_file,
)
from nlp.evaluate_citations import summary as citation_summary
from nlp.evaluate_clustering import clustering_scores, stability_scores
from nlp.evaluate_data import DATA, DEFAULT_FILES, Dataset, components, load_dataset, pairs, pairwise_scores
from nlp.evaluate_duplicates import duplicate_scores, query_latency, retrieval_scores
from nlp.evaluate_paraphrases import evaluate_paraphrases, format_paraphrases, half_of
from nlp.perturb import make_hard_copies

__all__ = [
    "DATA",
    "Dataset",
    "evaluate",
    "evaluate_paraphrases",
    "format_report",
    "half_of",
    "load_dataset",
    "main",
    "pairwise_scores",
]


def evaluate(
    path: str | Path, *, sample: int | None = None, n_copies: int | None = None, seed: int = 0, semantic: bool = True
) -> dict:
    """Run every measurement on one labelled CSV and return the figures as a dict.

    ``semantic=False`` leaves the sentence encoder out (lexical tiers and ranking only; fast).
    """
    data = load_dataset(path, sample=sample, seed=seed)
    n_copies = n_copies if n_copies is not None else min(500, max(20, len(data.ids) // 10))
    copies = make_hard_copies(data.texts, data.themes, n_copies, random_state=seed)
    aug_ids = list(data.ids) + [f"copy-{n}" for n in range(len(copies))]
    aug_texts = list(data.texts) + [c.text for c in copies]
    aug_themes = list(data.themes) + [c.theme for c in copies]
    aug_gold = components(
        aug_ids, [*data.gold_groups, *((data.ids[c.original], f"copy-{n}") for n, c in enumerate(copies))]
    )
    dup_labelled, semantic_groups = duplicate_scores(
        list(data.ids), list(data.texts), list(data.themes), data.gold_groups, semantic
    )
    dup_perturbed, _ = duplicate_scores(aug_ids, aug_texts, aug_themes, aug_gold, semantic)
    return {
        "path": str(path),
        "n": len(data.ids),
        "n_themes": len(set(data.themes)),
        "n_gold_pairs": len(pairs(data.gold_groups)),
        "n_copies": len(copies),
        "clustering": clustering_scores(data, seed, vectors := embed_texts(data.texts)),
        "stability": stability_scores(data, seed, vectors),
        "dup_labelled": dup_labelled,
        "dup_perturbed": dup_perturbed,
        "semantic_groups": semantic_groups,
        "retrieval": retrieval_scores(data, copies, semantic=semantic),
    }


def format_report(r: dict) -> str:
    """Render :func:`evaluate`'s figures as a plain-text table ending with a one-line summary."""
    lines = [
        f"== {r['path']}: {r['n']} texts, {r['n_themes']} themes, {r['n_gold_pairs']} gold duplicate pairs,"
        f" {r['n_copies']} perturbed copies",
        "",
        f"{'clustering vs themes':<32}{'NMI':>8}{'ARI':>8}{'time s':>9}",
    ]
    for name, (nmi, ari, seconds) in r["clustering"].items():
        lines.append(f"{name:<32}{nmi:>8.3f}{ari:>8.3f}{seconds:>9.2f}")
    with_prev, fresh = r["stability"]
    lines.append(
        f"stability after +5% texts: {with_prev:.3f} of co-assigned pairs kept with previous run, {fresh:.3f} without"
    )
    for title, key in (
        ("duplicates, labelled groups", "dup_labelled"),
        ("duplicates, labelled + perturbed", "dup_perturbed"),
    ):
        lines += ["", f"{title:<32}{'P':>8}{'R':>8}{'F1':>8}{'time s':>9}"]
        for name, (p, rec, f1, seconds) in r[key].items():
            lines.append(f"{name:<32}{p:>8.3f}{rec:>8.3f}{f1:>8.3f}{seconds:>9.2f}")
    sg = r["semantic_groups"]
    lines += [
        "",
        f"meaning tier on the real texts: {sg['n_groups']} groups, {sg['n_texts']} texts,"
        f" largest {sg['max_size']} (sizes {sg['sizes']}), {sg['semantic_pairs_outside_gold']} pairs outside"
        " the labelled groups",
    ]
    lines += [f"  e.g. {' | '.join(example)}" for example in sg["examples"]]
    lines += ["", f"{'similar retrieval (copy -> orig)':<32}{'P@5':>8}{'R@5':>8}{'ms/q':>9}"]
    for name, (p, rec, ms) in r["retrieval"].items():
        lines.append(f"{name:<32}{p:>8.3f}{rec:>8.3f}{ms:>9.2f}")
    ours_c = r["clustering"]["ours (k=themes)"]
    base_c = r["clustering"]["baseline tfidf+kmeans"]
    dl, dp = r["dup_labelled"], r["dup_perturbed"]
    ret = r["retrieval"]
    lines += [
        "",
        f"SUMMARY {Path(r['path']).name}: NMI {ours_c[0]:.3f} vs {base_c[0]:.3f}"
        f" | ARI {ours_c[1]:.3f} vs {base_c[1]:.3f}"
        f" | dupF1 labelled {dl['ours'][2]:.3f} vs {dl['decidim trgm>=0.25'][2]:.3f}"
        f" | dupF1 perturbed {dp['ours'][2]:.3f} (lexical tiers {dp['ours, lexical tiers'][2]:.3f})"
        f" vs {dp['decidim trgm>=0.25'][2]:.3f}"
        f" | R@5 {ret['ours'][1]:.3f} vs {ret['decidim trgm>=0.25'][1]:.3f}"
        f" | stability {with_prev:.3f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: evaluate each CSV, print the reports, then one JSON line of all figures."""
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help=f"default: {', '.join(DEFAULT_FILES)} in {DATA}")
    parser.add_argument("--sample", type=int, default=None, help="evaluate on a random subset of N rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--latency",
        type=int,
        default=None,
        metavar="N",
        help="also time one suggestion query against N texts grown from the consultation files",
    )
    args = parser.parse_args(argv)
    figures: dict[str, dict] = {}
    for path in args.paths or [DATA / name for name in DEFAULT_FILES]:
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        if is_claim_file(path):  # a labelled claim set: the citation checker's figures
            result = evaluate_citations(path)
            print(format_citation_report(result), flush=True)
            figures.setdefault("citations", {})[Path(path).name] = citation_summary(result)
            continue
        if "stance_pair" in header:
            result = evaluate_paraphrases(path)
            print(format_paraphrases(result, path), flush=True)
        else:
            result = evaluate(path, sample=args.sample, seed=args.seed)
            print(format_report(result), flush=True)
        print(flush=True)
        figures[Path(path).name] = result
    if not args.paths:  # the claim sets shipped in nlp/data, measured beside the dev files
        for key, path in HELDOUT_SETS.items():
            figures[key] = heldout_report(path)
    if args.latency:
        consultations = [p for p in args.paths or [DATA / name for name in DEFAULT_FILES] if "paraphrase" not in p.name]
        figures["latency"] = query_latency(consultations, args.latency, seed=args.seed)
        print(
            f"one suggestion query at {figures['latency']['n']} texts: p50 {figures['latency']['p50_ms']:.1f} ms,"
            f" p95 {figures['latency']['p95_ms']:.1f} ms (CPU p50 {figures['latency']['p50_cpu_ms']:.1f},"
            f" p95 {figures['latency']['p95_cpu_ms']:.1f} ms; encoding included), top 5 = exact top 5 for"
            f" {figures['latency']['recall_vs_exact']:.1%}, vectors"
            f" {figures['latency']['vector_mb']:.0f} MB, load average {figures['latency']['load_average']:.1f}"
        )
    print(json.dumps(figures, ensure_ascii=False, default=_rounded))
    return 0


def _rounded(value):
    """JSON fallback for numpy scalars."""
    return round(float(value), 4)


if __name__ == "__main__":
    raise SystemExit(main())
