"""Duplicate and similar-text figures: pairwise scores per tier, retrieval of perturbed copies, query latency."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp.duplicates import find_duplicates
from nlp.embeddings import embed as embed_texts
from nlp.evaluate_data import Dataset, load_dataset, pairs, pairwise_scores, timed
from nlp.perturb import make_hard_copies
from nlp.similar import SimilarIndex
from nlp.trigram import DECIDIM_THRESHOLD, trigram_pairs, trigrams

__all__ = ["duplicate_scores", "query_latency", "retrieval_scores"]


def duplicate_scores(ids, texts, themes, gold_groups, semantic=True) -> tuple[dict, dict]:
    """Pairwise scores of every tier, of the lexical tiers alone, and of Decidim's rule; and the
    count and sizes of the meaning-tier groups (which have no gold on real data)."""
    gold = pairs(gold_groups)
    groups, t_ours = timed(find_duplicates, ids, texts, themes=themes, semantic=semantic)
    lexical, t_lexical = timed(find_duplicates, ids, texts, themes=themes, semantic=False)
    (rows, cols, _), t_decidim = timed(trigram_pairs, texts, DECIDIM_THRESHOLD)
    decidim = {tuple(sorted((ids[a], ids[b]), key=str)) for a, b in zip(rows.tolist(), cols.tolist())}
    semantic = [g for g in groups if g.reason == "semantic"]
    sizes = sorted((len(g.ids) for g in semantic), reverse=True)
    flooding = {
        "n_groups": len(semantic),
        "n_texts": sum(sizes),
        "max_size": max(sizes, default=0),
        "sizes": dict(sorted(((str(k), sizes.count(k)) for k in set(sizes)), key=lambda kv: int(kv[0]))),
        "semantic_pairs_outside_gold": len(pairs(g.ids for g in semantic) - gold),
        "examples": [[texts[ids.index(i)][:120] for i in g.ids] for g in semantic[:3]],
    }
    scores = {
        "ours": (*pairwise_scores(pairs(g.ids for g in groups), gold), t_ours),
        "ours, lexical tiers": (*pairwise_scores(pairs(g.ids for g in lexical), gold), t_lexical),
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


def retrieval_scores(data: Dataset, copies, k: int = 5, semantic: bool = True) -> dict:
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
