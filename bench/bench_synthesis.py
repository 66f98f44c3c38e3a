"""Quality and speed of the embedded synthesis on the 16 largest real clusters of ../shared/data.

Each file is clustered with the app's defaults (:func:`nlp.cluster_contributions`), then each of the
16 largest clusters is summarised (:mod:`nlp.synthesis`) and measured:

- fragments: chosen sentences under 6 words or with no verb (:func:`nlp._sentences.has_verb`, a general rule);
- single-word citations: sentences cited to more than 3 sources, one of which shares at most one
  content word with the sentence;
- coverage of the cluster's duplicate groups (:func:`nlp.find_duplicates`): share of the groups with a
  member cited by a sentence, over the groups whose text holds a sentence that can stand as an idea
  (a group of "Hors sujet ?" copies has none), apart for copy and near-copy groups (the target: the
  "formulée autrement" groups are unconfirmed suggestions the summary does not fold), and over all groups;
- share of the sentences "vérifiée" by :func:`nlp.citations.check_sentence`;
- time per cluster (fit + summary + draft), CPU and wall, reading the contributions' stored sentence
  vectors as the app does (computed before the clock starts);
- time of the summary alone (fit + summary, CPU and wall) of scopes of 500 and 2,000 contributions (the
  largest clusters put together), the sizes of a large cluster and of a whole consultation; the target is
  under 1 s CPU for 500. CPU time is given beside wall time: the bench host is often shared.

    .venv/bin/python bench/bench_synthesis.py [N_CLUSTERS]
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contrib.participation.vectors import meaning_text
from nlp import cluster_contributions, find_duplicates
from nlp._sentences import MIN_IDEA_WORDS, has_verb, is_idea_sentence
from nlp.citations import SupportScorer, alignment, analysis, check_sentence, split_sentences
from nlp.embeddings import embed
from nlp.synthesis import ExtractiveSynthesizer

DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
FILES = ("dev_grand_debat.csv", "dev_republique_numerique.csv")


def clusters() -> list[list[dict]]:
    """The clusters of both files, largest first (each file clustered on its own, as one process)."""
    out = []
    for name in FILES:
        with (DATA / name).open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        result = cluster_contributions(
            [r["id"] for r in rows], [r["text"] for r in rows], themes=[r["theme"] for r in rows]
        )
        by_id = {r["id"]: r for r in rows}
        out.extend([by_id[i] for i in cluster.ids] for cluster in result.clusters)
    return sorted(out, key=lambda rows: (-len(rows), rows[0]["id"]))


def single_word(segment, scorer: SupportScorer) -> bool:
    """Cited to more than 3 sources, one of them sharing at most one content word with the sentence."""
    if len(segment.citations) <= 3:
        return False
    stems = scorer.content_stems(segment.text)
    return any(len(stems & scorer.stems_[i]) <= 1 for i in segment.citations)


def stored_vectors(rows: list[dict]):
    """What the app reads: each contribution's vector, computed when it was saved."""
    return embed([meaning_text(r["title"], r["text"]) for r in rows])


def measure(rows: list[dict], stored) -> dict:
    ids = list(range(1, len(rows) + 1))
    texts = [r["text"] for r in rows]
    started, cpu_started = time.perf_counter(), time.process_time()
    synthesizer = ExtractiveSynthesizer().fit(
        ids, texts, actor_types=[r["author_type"] for r in rows], titles=[r["title"] for r in rows], vectors=stored
    )
    summary = synthesizer.summary()
    synthesizer.draft()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    phrases = [s for s in summary.segments if s.kind == "phrase"]
    scorer = SupportScorer(dict(zip(ids, texts)), scope_size=len(ids))
    cited = {i for s in phrases for i in s.citations}
    groups = find_duplicates(ids, texts)
    substantive = [g for g in groups if any(is_idea_sentence(s) for s in split_sentences(texts[g.ids[0] - 1]))]
    result = {
        "n": len(ids),
        "phrases": len(phrases),
        "fragments": sum(len(s.text.split()) < MIN_IDEA_WORDS or not has_verb(s.text) for s in phrases),
        "fragment_examples": [s.text for s in phrases if len(s.text.split()) < MIN_IDEA_WORDS or not has_verb(s.text)],
        "single_word": sum(single_word(s, scorer) for s in phrases),
        "groups": len(groups),
        "covered": sum(bool(cited & set(g.ids)) for g in groups),
        "substantive": len(substantive),
        "substantive_covered": sum(bool(cited & set(g.ids)) for g in substantive),
        "copies": sum(g.reason != "semantic" for g in substantive),
        "copies_covered": sum(bool(cited & set(g.ids)) for g in substantive if g.reason != "semantic"),
        "refused": [
            (s.as_text(), verdict.reason)
            for s in phrases
            if not (verdict := check_sentence(s.as_text(), scorer)).is_verified
        ],
        "seconds": elapsed,
        "cpu": cpu,
    }
    result["verified"] = len(phrases) - len(result["refused"])
    return result


def main() -> None:
    n_clusters = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    results, scope, scope_vectors = [], [], []
    embed(["le modèle est chargé avant la mesure"])
    for rows in clusters()[:n_clusters]:
        stored = stored_vectors(rows)
        result = measure(rows, stored)
        scope, scope_vectors = scope + rows, [*scope_vectors, stored]
        results.append(result)
        print(
            f"  cluster of {result['n']:4d}: {result['phrases']:2d} sentences, {result['fragments']} fragments, "
            f"{result['single_word']} single-word citations, duplicate groups covered "
            f"{result['substantive_covered']}/{result['substantive']} (copies {result['copies_covered']}/"
            f"{result['copies']}; all {result['covered']}/{result['groups']}), "
            f"verified {result['verified']}/{result['phrases']}, {result['seconds']:.1f} s ({result['cpu']:.1f} s CPU)",
            flush=True,
        )
        for text in result["fragment_examples"][:2]:
            print(f"      fragment: {text[:90]!r}")
        for text, reason in result["refused"][:2]:
            print(f"      not verified: {text[:90]!r} ({reason})")
    total = {
        key: sum(r[key] for r in results)
        for key in (
            "phrases",
            "fragments",
            "single_word",
            "groups",
            "covered",
            "substantive",
            "substantive_covered",
            "copies",
            "copies_covered",
            "verified",
        )
    }
    coverage = total["substantive_covered"] / total["substantive"] if total["substantive"] else 1.0
    print(
        f"synthesis on the {len(results)} largest clusters: {total['fragments']} fragments (target 0), "
        f"{total['single_word']} single-word citations (target 0), duplicate-group coverage {coverage:.0%} "
        f"(copy and near-copy groups {total['copies_covered'] / max(1, total['copies']):.0%}, target >= 90 %; "
        f"all groups incl. fragment-only copies "
        f"{total['covered'] / max(1, total['groups']):.0%}), verified {total['verified']}/{total['phrases']} "
        f"({total['verified'] / max(1, total['phrases']):.0%}), time per cluster median "
        f"{statistics.median(r['seconds'] for r in results):.1f} s, max {max(r['seconds'] for r in results):.1f} s "
        f"(CPU median {statistics.median(r['cpu'] for r in results):.1f} s, max {max(r['cpu'] for r in results):.1f} s)"
    )
    vectors = np.vstack(scope_vectors)
    for size in (500, 2000):
        if len(scope) >= size:
            cpu, wall = time_summary(scope[:size], vectors[:size])
            print(
                f"summary of {size} contributions (fit + summary): {cpu:.2f} s CPU, {wall:.2f} s wall "
                f"(target for 500: under 1 s CPU); load average {os.getloadavg()[0]:.1f}"
            )


def time_summary(rows: list[dict], stored) -> tuple[float, float]:
    """CPU and wall seconds of the embedded summary of ``rows`` (the app's call, stored vectors passed).

    The checker's caches (passages and words encoded, word comparisons) are emptied first: the texts were
    summarised in their clusters above, and a worker meets a new scope cold.
    """
    for cache in (alignment._TEXT_VECTORS, alignment._WORD_VECTORS):
        cache.clear()
    analysis._same_form.cache_clear()
    alignment._opposite_form.cache_clear()
    alignment._antonyms.cache_clear()
    ids = list(range(1, len(rows) + 1))
    started, cpu_started = time.perf_counter(), time.process_time()
    ExtractiveSynthesizer().fit(
        ids, [r["text"] for r in rows], actor_types=[r["author_type"] for r in rows], vectors=stored
    ).summary()
    return time.process_time() - cpu_started, time.perf_counter() - started


if __name__ == "__main__":
    main()
