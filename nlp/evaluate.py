"""Measure clustering, duplicates and similar-text retrieval against baselines on a labelled CSV.

Usage: ``python -m nlp.evaluate PATH.csv [--sample N] [--seed S]``. The CSV has columns
``id``, ``text``, ``theme`` and optionally ``dup_group`` / ``near_dup_group``.

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
(:mod:`nlp.perturb`, fixed seed) and each (original, copy) pair joins the gold groups.

Similar retrieval: an index of the original texts is queried with each perturbed copy;
recall@5 = share of copies whose original (or a gold duplicate of it) is among the 5
suggestions, precision@5 = relevant suggestions / suggestions shown.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.clustering import ThemeClusterer
from nlp.duplicates import find_duplicates
from nlp.embeddings import embed
from nlp.perturb import make_copies
from nlp.similar import SimilarIndex
from nlp.stability import co_assignment_stability
from nlp.trigram import DECIDIM_THRESHOLD, trigram_pairs, trigrams

__all__ = ["Dataset", "evaluate", "load_dataset", "main", "pairwise_scores"]


@dataclass(frozen=True)
class Dataset:
    """A labelled evaluation file: ids, texts, themes and gold duplicate groups."""

    ids: tuple
    texts: tuple[str, ...]
    themes: tuple[str, ...]
    gold_groups: tuple[tuple, ...]


def load_dataset(path: str | Path, *, sample: int | None = None, seed: int = 0) -> Dataset:
    """Read a labelled CSV (RFC 4180, texts may contain newlines).

    Parameters
    ----------
    path : str or Path
    sample : int, optional
        Keep a random subset of this many rows (gold groups restricted to it).
    seed : int, default=0

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"id", "text", "theme"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    if sample is not None and sample < len(rows):
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), sample, replace=False))
        rows = [rows[i] for i in keep]
    ids = tuple(r["id"] for r in rows)
    links = []
    for column in ("dup_group", "near_dup_group"):
        by_group: dict[str, list] = {}
        for r in rows:
            if r.get(column):
                by_group.setdefault(r[column], []).append(r["id"])
        links.extend(by_group.values())
    return Dataset(ids, tuple(r["text"] for r in rows), tuple(r["theme"] for r in rows), _components(ids, links))


def _components(ids: Sequence[Hashable], groups) -> tuple[tuple, ...]:
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        for other in group[1:]:
            parent[find(other)] = find(group[0])
    out: dict = {}
    for i in ids:
        out.setdefault(find(i), []).append(i)
    return tuple(tuple(g) for g in out.values() if len(g) > 1)


def _pairs(groups) -> set:
    return {tuple(sorted(p, key=str)) for g in groups for p in itertools.combinations(g, 2)}


def pairwise_scores(predicted: set, gold: set) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of predicted id pairs against gold id pairs.

    Both sets hold pairs sorted the same way. Empty predictions give precision 1.0 when
    there is nothing to find, 0.0 otherwise.
    """
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else float(not gold)
    recall = hits / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    out = function(*args, **kwargs)
    return out, time.perf_counter() - start


def _clustering(data: Dataset, random_state: int, vectors) -> dict:
    """NMI / ARI / seconds; ``vectors`` are the texts' sentence embeddings, computed once (as the app stores them)."""
    k = len(set(data.themes))
    fit_k, fit_auto = ThemeClusterer(k, random_state=random_state), ThemeClusterer(random_state=random_state)
    ours, t_ours = _timed(fit_k.fit_predict, data.ids, data.texts, vectors=vectors)
    auto, t_auto = _timed(fit_auto.fit_predict, data.ids, data.texts, vectors=vectors)

    def baseline():
        matrix = TfidfVectorizer().fit_transform(data.texts)
        return KMeans(k, n_init=10, random_state=0).fit_predict(matrix)

    base, t_base = _timed(baseline)
    out = {}
    for name, labels, seconds in (
        ("ours (k=themes)", [ours.assignment[i] or "outliers" for i in data.ids], t_ours),
        (f"ours (auto k={auto.n_clusters})", [auto.assignment[i] or "outliers" for i in data.ids], t_auto),
        ("baseline tfidf+kmeans", list(base), t_base),
    ):
        out[name] = (
            normalized_mutual_info_score(data.themes, labels),
            adjusted_rand_score(data.themes, labels),
            seconds,
        )
    return out


def _stability(data: Dataset, random_state: int, vectors) -> tuple[float, float]:
    """Co-assignment kept after adding 5% new texts: with and without the previous run."""
    rng = np.random.default_rng(random_state)
    n = len(data.ids)
    old = np.sort(rng.choice(n, n - max(1, n // 20), replace=False))
    k = len(set(data.themes))
    first = ThemeClusterer(k, random_state=random_state).fit_predict(
        [data.ids[i] for i in old], [data.texts[i] for i in old], vectors=vectors[old])
    again = ThemeClusterer(random_state=random_state).fit_predict(data.ids, data.texts, previous=first.assignment, vectors=vectors)
    fresh = ThemeClusterer(k, random_state=random_state).fit_predict(data.ids, data.texts, vectors=vectors)
    return co_assignment_stability(first.assignment, again.assignment), co_assignment_stability(first.assignment, fresh.assignment)


def _duplicates(ids, texts, themes, gold_groups) -> dict:
    gold = _pairs(gold_groups)
    groups, t_ours = _timed(find_duplicates, ids, texts, themes=themes)
    (rows, cols, _), t_decidim = _timed(trigram_pairs, texts, DECIDIM_THRESHOLD)
    decidim = {tuple(sorted((ids[a], ids[b]), key=str)) for a, b in zip(rows.tolist(), cols.tolist())}
    return {
        "ours": (*pairwise_scores(_pairs(g.ids for g in groups), gold), t_ours),
        "decidim trgm>=0.25": (*pairwise_scores(decidim, gold), t_decidim),
    }


class _TrigramCorpus:
    """Trigram postings of the corpus, to score one query against all texts like pg_trgm would."""

    def __init__(self, texts):
        self.sets = [trigrams(t) for t in texts]
        self.sizes = np.array([len(s) for s in self.sets], dtype=np.float64)
        self.postings: dict[str, list[int]] = {}
        for r, s in enumerate(self.sets):
            for t in s:
                self.postings.setdefault(t, []).append(r)

    def similarities(self, query: set) -> np.ndarray:
        inter = np.zeros(len(self.sets))
        for t in query:
            rows = self.postings.get(t)
            if rows:
                inter[rows] += 1
        union = self.sizes + len(query) - inter
        return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def evaluate(path: str | Path, *, sample: int | None = None, n_copies: int | None = None, seed: int = 0) -> dict:
    """Run every measurement on one labelled CSV and return the figures as a dict."""
    data = load_dataset(path, sample=sample, seed=seed)
    n_copies = n_copies if n_copies is not None else min(500, max(20, len(data.ids) // 10))
    copies = make_copies(data.texts, data.themes, n_copies, random_state=seed)
    aug_ids = list(data.ids) + [f"copy-{n}" for n in range(len(copies))]
    aug_texts = list(data.texts) + [c.text for c in copies]
    aug_themes = list(data.themes) + [c.theme for c in copies]
    aug_gold = _components(aug_ids, [*data.gold_groups, *((data.ids[c.original], f"copy-{n}") for n, c in enumerate(copies))])
    return {
        "path": str(path),
        "n": len(data.ids),
        "n_themes": len(set(data.themes)),
        "n_gold_pairs": len(_pairs(data.gold_groups)),
        "n_copies": len(copies),
        "clustering": _clustering(data, seed, vectors := embed(data.texts)),
        "stability": _stability(data, seed, vectors),
        "dup_labelled": _duplicates(list(data.ids), list(data.texts), list(data.themes), data.gold_groups),
        "dup_perturbed": _duplicates(aug_ids, aug_texts, aug_themes, aug_gold),
        "retrieval": _retrieval(data, copies),
    }


def _retrieval(data: Dataset, copies, k: int = 5) -> dict:
    relevant_of = {i: {i} for i in range(len(data.ids))}
    position = {id_: n for n, id_ in enumerate(data.ids)}
    for group in data.gold_groups:
        members = {position[i] for i in group}
        for m in members:
            relevant_of[m] = members
    index = SimilarIndex().fit(data.ids, data.texts)
    trigram_corpus = _TrigramCorpus(data.texts)
    stats = {"ours": [0, 0, 0, 0.0], "decidim trgm>=0.25": [0, 0, 0, 0.0]}
    for copy in copies:
        relevant = {data.ids[r] for r in relevant_of[copy.original]}
        start = time.perf_counter()
        got = [i for i, _ in index.query(copy.text, k=k)]
        stats["ours"][3] += time.perf_counter() - start
        start = time.perf_counter()
        sims = trigram_corpus.similarities(trigrams(copy.text))
        top = [data.ids[r] for r in np.argsort(-sims, kind="stable")[:k] if sims[r] >= DECIDIM_THRESHOLD]
        stats["decidim trgm>=0.25"][3] += time.perf_counter() - start
        for name, shown in (("ours", got), ("decidim trgm>=0.25", top)):
            hits = relevant & set(shown)
            stats[name][0] += bool(hits)
            stats[name][1] += len(shown)
            stats[name][2] += len(hits)
    n = max(len(copies), 1)
    return {name: (s[2] / max(s[1], 1), s[0] / n, 1000 * s[3] / n) for name, s in stats.items()}


def format_report(r: dict) -> str:
    """Render :func:`evaluate`'s figures as a plain-text table ending with a one-line summary."""
    lines = [
        f"== {r['path']}: {r['n']} texts, {r['n_themes']} themes, {r['n_gold_pairs']} gold duplicate pairs, {r['n_copies']} perturbed copies",
        "",
        f"{'clustering vs themes':<32}{'NMI':>8}{'ARI':>8}{'time s':>9}",
    ]
    for name, (nmi, ari, seconds) in r["clustering"].items():
        lines.append(f"{name:<32}{nmi:>8.3f}{ari:>8.3f}{seconds:>9.2f}")
    with_prev, fresh = r["stability"]
    lines.append(f"stability after +5% texts: {with_prev:.3f} of co-assigned pairs kept with previous run, {fresh:.3f} without")
    for title, key in (("duplicates, labelled groups", "dup_labelled"), ("duplicates, labelled + perturbed", "dup_perturbed")):
        lines += ["", f"{title:<32}{'P':>8}{'R':>8}{'F1':>8}{'time s':>9}"]
        for name, (p, rec, f1, seconds) in r[key].items():
            lines.append(f"{name:<32}{p:>8.3f}{rec:>8.3f}{f1:>8.3f}{seconds:>9.2f}")
    lines += ["", f"{'similar retrieval (copy -> orig)':<32}{'P@5':>8}{'R@5':>8}{'ms/q':>9}"]
    for name, (p, rec, ms) in r["retrieval"].items():
        lines.append(f"{name:<32}{p:>8.3f}{rec:>8.3f}{ms:>9.2f}")
    ours_c = r["clustering"]["ours (k=themes)"]
    base_c = r["clustering"]["baseline tfidf+kmeans"]
    dl, dp = r["dup_labelled"], r["dup_perturbed"]
    ret = r["retrieval"]
    lines += [
        "",
        f"SUMMARY {Path(r['path']).name}: NMI {ours_c[0]:.3f} vs {base_c[0]:.3f} | ARI {ours_c[1]:.3f} vs {base_c[1]:.3f}"
        f" | dupF1 labelled {dl['ours'][2]:.3f} vs {dl['decidim trgm>=0.25'][2]:.3f}"
        f" | dupF1 perturbed {dp['ours'][2]:.3f} vs {dp['decidim trgm>=0.25'][2]:.3f}"
        f" | R@5 {ret['ours'][1]:.3f} vs {ret['decidim trgm>=0.25'][1]:.3f}"
        f" | stability {with_prev:.3f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: evaluate each CSV given and print the report."""
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--sample", type=int, default=None, help="evaluate on a random subset of N rows")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for path in args.paths:
        print(format_report(evaluate(path, sample=args.sample, seed=args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
