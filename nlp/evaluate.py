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
import itertools
import json
import os
import re
import time
import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.clustering import ThemeClusterer
from nlp.duplicates import find_duplicates
from nlp.embeddings import embed as embed_texts
from nlp.evaluate_citations import evaluate_citations, format_citation_report, heldout_report, is_claim_file
from nlp.evaluate_citations import summary as citation_summary
from nlp.perturb import make_hard_copies
from nlp.similar import SimilarIndex
from nlp.stability import co_assignment_stability
from nlp.trigram import DECIDIM_THRESHOLD, trigram_pairs, trigrams

__all__ = ["Dataset", "evaluate", "evaluate_paraphrases", "load_dataset", "main", "pairwise_scores"]

DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
DEFAULT_FILES = ("dev_paraphrases.csv", "dev_citations.csv", "dev_grand_debat.csv", "dev_republique_numerique.csv")
LEXICAL_TIERS = ("exact", "near", "paraphrase")


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
    links: list[list] = []
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
        [data.ids[i] for i in old], [data.texts[i] for i in old], vectors=vectors[old]
    )
    again = ThemeClusterer(random_state=random_state).fit_predict(
        data.ids, data.texts, previous=first.assignment, vectors=vectors
    )
    fresh = ThemeClusterer(k, random_state=random_state).fit_predict(data.ids, data.texts, vectors=vectors)
    return co_assignment_stability(first.assignment, again.assignment), co_assignment_stability(
        first.assignment, fresh.assignment
    )


def _duplicates(ids, texts, themes, gold_groups, semantic=True) -> tuple[dict, dict]:
    """Pairwise scores of every tier, of the lexical tiers alone, and of Decidim's rule; and the
    count and sizes of the meaning-tier groups (which have no gold on real data)."""
    gold = _pairs(gold_groups)
    groups, t_ours = _timed(find_duplicates, ids, texts, themes=themes, semantic=semantic)
    lexical, t_lexical = _timed(find_duplicates, ids, texts, themes=themes, semantic=False)
    (rows, cols, _), t_decidim = _timed(trigram_pairs, texts, DECIDIM_THRESHOLD)
    decidim = {tuple(sorted((ids[a], ids[b]), key=str)) for a, b in zip(rows.tolist(), cols.tolist())}
    semantic = [g for g in groups if g.reason == "semantic"]
    sizes = sorted((len(g.ids) for g in semantic), reverse=True)
    flooding = {
        "n_groups": len(semantic),
        "n_texts": sum(sizes),
        "max_size": max(sizes, default=0),
        "sizes": dict(sorted(((str(k), sizes.count(k)) for k in set(sizes)), key=lambda kv: int(kv[0]))),
        "semantic_pairs_outside_gold": len(_pairs(g.ids for g in semantic) - gold),
        "examples": [[texts[ids.index(i)][:120] for i in g.ids] for g in semantic[:3]],
    }
    scores = {
        "ours": (*pairwise_scores(_pairs(g.ids for g in groups), gold), t_ours),
        "ours, lexical tiers": (*pairwise_scores(_pairs(g.ids for g in lexical), gold), t_lexical),
        "decidim trgm>=0.25": (*pairwise_scores(decidim, gold), t_decidim),
    }
    return scores, flooding


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
    aug_gold = _components(
        aug_ids, [*data.gold_groups, *((data.ids[c.original], f"copy-{n}") for n, c in enumerate(copies))]
    )
    dup_labelled, semantic_groups = _duplicates(
        list(data.ids), list(data.texts), list(data.themes), data.gold_groups, semantic
    )
    dup_perturbed, _ = _duplicates(aug_ids, aug_texts, aug_themes, aug_gold, semantic)
    return {
        "path": str(path),
        "n": len(data.ids),
        "n_themes": len(set(data.themes)),
        "n_gold_pairs": len(_pairs(data.gold_groups)),
        "n_copies": len(copies),
        "clustering": _clustering(data, seed, vectors := embed_texts(data.texts)),
        "stability": _stability(data, seed, vectors),
        "dup_labelled": dup_labelled,
        "dup_perturbed": dup_perturbed,
        "semantic_groups": semantic_groups,
        "retrieval": _retrieval(data, copies, semantic=semantic),
    }


def _retrieval(data: Dataset, copies, k: int = 5, semantic: bool = True) -> dict:
    relevant_of = {i: {i} for i in range(len(data.ids))}
    position = {id_: n for n, id_ in enumerate(data.ids)}
    for group in data.gold_groups:
        members = {position[i] for i in group}
        for m in members:
            relevant_of[m] = members
    indexes = {
        "ours": SimilarIndex(semantic=semantic).fit(data.ids, data.texts),
        "ours, lexical only": SimilarIndex(semantic=False).fit(data.ids, data.texts),
    }
    trigram_corpus = _TrigramCorpus(data.texts)
    stats = {name: [0, 0, 0, 0.0] for name in (*indexes, "decidim trgm>=0.25")}
    for copy in copies:
        relevant = {data.ids[r] for r in relevant_of[copy.original]}
        shown_by = {}
        for name, index in indexes.items():
            start = time.perf_counter()
            shown_by[name] = [i for i, _ in index.query(copy.text, k=k)]
            stats[name][3] += time.perf_counter() - start
        start = time.perf_counter()
        sims = trigram_corpus.similarities(trigrams(copy.text))
        top = np.argsort(-sims, kind="stable")[:k]
        shown_by["decidim trgm>=0.25"] = [data.ids[r] for r in top if sims[r] >= DECIDIM_THRESHOLD]
        stats["decidim trgm>=0.25"][3] += time.perf_counter() - start
        for name, shown in shown_by.items():
            hits = relevant & set(shown)
            stats[name][0] += bool(hits)
            stats[name][1] += len(shown)
            stats[name][2] += len(hits)
    n = max(len(copies), 1)
    return {name: (s[2] / max(s[1], 1), s[0] / n, 1000 * s[3] / n) for name, s in stats.items()}


@dataclass(frozen=True)
class ParaphraseSet:
    """dev_paraphrases.csv: texts, gold group per row ('' for a negative), stance pairs, halves."""

    ids: tuple
    texts: tuple[str, ...]
    groups: tuple[str, ...]
    difficulty: dict
    stance_pairs: tuple[tuple[str, str], ...]
    half: tuple[str, ...]


def half_of(group: str) -> str:
    """ "tuning" or "held-out" for a group id, by a fixed hash (CRC-32 parity)."""
    return "tuning" if zlib.crc32(group.encode()) % 2 == 0 else "held-out"


def load_paraphrases(path: str | Path) -> ParaphraseSet:
    """Read a reworded-duplicates file (columns id, text, dup_group, stance_pair, note)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    difficulty = {}
    for r in rows:
        if r["dup_group"]:
            difficulty[r["dup_group"]] = r["note"].split(" (")[0].replace("paraphrase ", "")
    halves = []
    for r in rows:
        # A hard negative belongs to the half of the group its note names, so that a half's
        # negatives are the ones that sit next to its groups.
        named = re.search(r"G\d+", r["note"] or "")
        halves.append(half_of(r["dup_group"] or (named.group(0) if named else r["id"])))
    by_pair: dict[str, list] = {}
    for r in rows:
        if r["stance_pair"]:
            by_pair.setdefault(r["stance_pair"], []).append(r)
    stance_pairs = []
    groups = {r["id"]: r["dup_group"] for r in rows}
    for members in by_pair.values():
        negatives = [r["id"] for r in members if not r["dup_group"]]
        positives = [r["dup_group"] for r in members if r["dup_group"]]
        for negative in negatives:
            for group in positives:  # the negative opposes every member of that group
                stance_pairs += [(negative, i) for i, g in groups.items() if g == group]
    return ParaphraseSet(
        tuple(r["id"] for r in rows),
        tuple(r["text"] for r in rows),
        tuple(r["dup_group"] for r in rows),
        difficulty,
        tuple(stance_pairs),
        tuple(halves),
    )


def evaluate_paraphrases(path: str | Path, **find_options) -> dict:
    """Pairwise scores per tier, recall by difficulty, stance pairs grouped, top-3 partner; per half."""
    data = load_paraphrases(path)
    ids = list(data.ids)
    groups, seconds = _timed(find_duplicates, ids, list(data.texts), **find_options)
    group_of = dict(zip(ids, data.groups))
    half = dict(zip(ids, data.half))
    gold_all = _pairs([[i for i in ids if group_of[i] == g] for g in set(data.groups) if g])
    # The app's ranking, and each of its two signals alone (where the ceiling of the mix lies).
    indexes = {
        "top3": SimilarIndex().fit(ids, list(data.texts)),
        "top3_words": SimilarIndex(semantic=False).fit(ids, list(data.texts)),
        "top3_meaning": SimilarIndex(semantic_weight=1.0).fit(ids, list(data.texts)),
    }
    out = {"n": len(ids), "n_gold_pairs": len(gold_all), "seconds": seconds}
    for name in ("all", "tuning", "held-out"):
        keep = (lambda p: True) if name == "all" else (lambda p, h=name: half[p[0]] == h and half[p[1]] == h)
        gold = {p for p in gold_all if keep(p)}
        tiers = {}
        tier_reasons = (
            ("lexical", LEXICAL_TIERS),
            ("semantic", ("semantic",)),
            ("all tiers", (*LEXICAL_TIERS, "semantic")),
        )
        for tier, reasons in tier_reasons:
            predicted = {p for p in _pairs(g.ids for g in groups if g.reason in reasons) if keep(p)}
            precision, recall, f1 = pairwise_scores(predicted, gold)
            tiers[tier] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "n_pairs": len(predicted),
                "n_correct": len(predicted & gold),
            }
        found = {p for p in _pairs(g.ids for g in groups) if keep(p)}
        by_difficulty = {}
        for level in sorted(set(data.difficulty.values())):
            level_gold = {p for p in gold if data.difficulty[group_of[p[0]]] == level}
            by_difficulty[level] = [len(level_gold & found), len(level_gold)]
        stance_gold = {tuple(sorted(p, key=str)) for p in data.stance_pairs if keep(p)}
        queries = [q for p in gold for q in (p, p[::-1])]
        found_by = {
            name: {(a, b) for a, b in queries if b in dict(index.query(data.texts[ids.index(a)], k=3, exclude_ids=[a]))}
            for name, index in indexes.items()
        }
        out[name] = {
            "n_gold_pairs": len(gold),
            "tiers": tiers,
            "recall_by_difficulty": by_difficulty,
            "stance_pairs_grouped": len(stance_gold & found),
            "n_stance_pairs": len(stance_gold),
            **{name: [len(hits), len(queries)] for name, hits in found_by.items()},
            "top3_either": [len(found_by["top3_words"] | found_by["top3_meaning"]), len(queries)],
        }
    return out


def format_paraphrases(r: dict, path: str | Path) -> str:
    """Render :func:`evaluate_paraphrases`'s figures as plain text."""
    lines = [f"== {path}: {r['n']} texts, {r['n_gold_pairs']} gold pairs (reworded duplicates), {r['seconds']:.2f} s"]
    for name in ("tuning", "held-out", "all"):
        h = r[name]
        lines += [
            "",
            f"-- {name} half: {h['n_gold_pairs']} gold pairs" if name != "all" else "-- all rows",
            f"{'tier':<14}{'P':>8}{'R':>8}{'F1':>8}{'pairs':>8}",
        ]
        for tier, t in h["tiers"].items():
            lines.append(f"{tier:<14}{t['precision']:>8.3f}{t['recall']:>8.3f}{t['f1']:>8.3f}{t['n_pairs']:>8}")
        by_level = h["recall_by_difficulty"].items()
        lines.append("recall by difficulty: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in by_level))
        lines.append(f"opposite-stance pairs grouped: {h['stance_pairs_grouped']} of {h['n_stance_pairs']}")
        lines.append(
            f"partner in the top 3 while typing: {h['top3'][0]} of {h['top3'][1]} (words alone"
            f" {h['top3_words'][0]}, meaning alone {h['top3_meaning'][0]}, either {h['top3_either'][0]})"
        )
    return "\n".join(lines)


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


def query_latency(paths: Sequence[Path], n: int = 100_000, n_queries: int = 200, seed: int = 0) -> dict:
    """Time one suggestion query (encoding the typed text included) against an index of ``n`` texts.

    The corpus is the real texts of ``paths`` grown with perturbed copies to ``n``; a copy is
    indexed with its original's vector (the encoder is not run 100,000 times: the cost of a query
    does not depend on the vectors' values). Queries are fresh perturbed copies, encoded for real.
    """
    texts = [t for path in paths for t in load_dataset(path).texts]
    vectors = embed_texts(texts)
    copies = make_hard_copies(texts, None, max(0, n - len(texts)), min_words=1, random_state=seed)
    all_texts = texts + [c.text for c in copies]
    all_vectors = np.vstack([vectors, vectors[[c.original for c in copies]]]) if copies else vectors
    index = SimilarIndex().fit(range(len(all_texts)), all_texts, vectors=all_vectors)
    queries = [c.text for c in make_hard_copies(texts, None, n_queries, random_state=seed + 1)]
    timings, cpu, found = [], [], []
    for query in queries:
        start, cpu_start = time.perf_counter(), time.process_time()
        found.append({i for i, _ in index.query(query, k=5)})
        timings.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - cpu_start))
    # The same queries compared with every row: share of the exact top 5 the probed cells return.
    n_probe, index.n_probe = index.n_probe, max(index.n_cells_, 1)
    exact = [{i for i, _ in index.query(query, k=5)} for query in queries]
    index.n_probe = n_probe
    return {
        "n": len(all_texts),
        "p50_ms": float(np.percentile(timings, 50)),
        "p95_ms": float(np.percentile(timings, 95)),
        "p50_cpu_ms": float(np.percentile(cpu, 50)),
        "p95_cpu_ms": float(np.percentile(cpu, 95)),
        "recall_vs_exact": sum(len(a & b) for a, b in zip(found, exact)) / max(1, sum(len(b) for b in exact)),
        "vector_mb": index.vector_bytes_ / 2**20,
        "load_average": os.getloadavg()[0],
    }


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
    if not args.paths:  # the held-out claim set shipped in nlp/data, measured beside the dev files
        figures["citations_heldout"] = heldout_report()
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
