"""Quality and speed of the embedded synthesis on the 16 largest real clusters of ../shared/data.

Each file is clustered with the app's defaults (:func:`nlp.cluster_contributions`), then each of the
16 largest clusters is summarised (:mod:`nlp.synthesis`) and measured:

- fragments: chosen sentences under 6 words or with no verb (:func:`nlp._sentences.has_verb`, a general rule);
- single-word citations: sentences cited to more than 3 sources, one of which shares at most one
  content word with the sentence;
- coverage of the cluster's duplicate groups (:mod:`duplicate_coverage`, the definition bench_assistant.py
  shares: the groups the app's detection finds over the whole file, with the stored vectors, restricted to
  the cluster), over the groups whose text holds a sentence that can stand as an idea (the target), apart
  for copy and near-copy groups, and over all groups;
- share of the sentences "vérifiée" by :func:`nlp.citations.check_sentence`;
- time per cluster (fit + summary + draft), CPU and wall, reading the contributions' stored sentence
  vectors as the app does (computed before the clock starts);
- time of the summary alone (fit + summary, CPU and wall, median of 3 cold runs: a full garbage collection
  falls in some runs and not others) of scopes of 500 and 2,000 contributions (the largest clusters put
  together), the sizes of a large cluster and of a whole consultation; the target is under 1 s CPU for 500.
  CPU time is given beside wall time: the bench host is often shared.

The engine is given the process's duplicate groups in the scope (``fit(duplicate_groups=)``), as the app calls it;
with ``--scope-alone`` it finds them on the scope alone, as the app did before session 12.

    .venv/bin/python bench/bench_synthesis.py [N_CLUSTERS] [--scope-alone]
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

from bench.duplicate_coverage import EMPTY, Group, counted_text, coverage, groups_in, process_groups, stored_vectors
from nlp import cluster_contributions
from nlp._sentences import MIN_IDEA_WORDS, has_verb
from nlp.citations import SupportScorer, alignment, analysis, check_sentence
from nlp.embeddings import embed
from nlp.synthesis import ExtractiveSynthesizer, selection

DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
FILES = ("dev_grand_debat.csv", "dev_republique_numerique.csv")


def clusters() -> list[tuple[list[dict], np.ndarray, list[Group]]]:
    """The clusters of both files, largest first (each file clustered on its own, as one process), each with
    its stored vectors and its duplicate groups (found over the whole file, as the app's detection does)."""
    out = []
    for name in FILES:
        with (DATA / name).open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        result = cluster_contributions(
            [r["id"] for r in rows], [r["text"] for r in rows], themes=[r["theme"] for r in rows]
        )
        vectors = stored_vectors(rows)
        groups = process_groups(rows, vectors)
        position = {r["id"]: n for n, r in enumerate(rows)}
        for cluster in result.clusters:
            members = [position[i] for i in cluster.ids]
            scope = {rows[m]["id"]: k for k, m in enumerate(members, start=1)}
            out.append(([rows[m] for m in members], vectors[members], groups_in(groups, scope)))
    return sorted(out, key=lambda item: (-len(item[0]), item[0][0]["id"]))


def single_word(segment, scorer: SupportScorer) -> bool:
    """Cited to more than 3 sources, one of them sharing at most one content word with the sentence."""
    if len(segment.citations) <= 3:
        return False
    stems = scorer.content_stems(segment.text)
    return any(len(stems & scorer.stems_[i]) <= 1 for i in segment.citations)


def measure(rows: list[dict], stored, groups: list[Group], pass_groups: bool = False) -> dict:
    ids = list(range(1, len(rows) + 1))
    texts = [r["text"] for r in rows]
    started, cpu_started = time.perf_counter(), time.process_time()
    synthesizer = ExtractiveSynthesizer().fit(
        ids,
        texts,
        actor_types=[r["author_type"] for r in rows],
        titles=[r["title"] for r in rows],
        vectors=stored,
        duplicate_groups=[g.ids for g in groups] if pass_groups else None,
    )
    summary = synthesizer.summary()
    synthesizer.draft()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    phrases = [s for s in summary.segments if s.kind == "phrase"]
    scorer = SupportScorer(dict(zip(ids, texts)), scope_size=len(ids))
    result = {
        "n": len(ids),
        "phrases": len(phrases),
        "fragments": sum(len(s.text.split()) < MIN_IDEA_WORDS or not has_verb(s.text) for s in phrases),
        "fragment_examples": [s.text for s in phrases if len(s.text.split()) < MIN_IDEA_WORDS or not has_verb(s.text)],
        "single_word": sum(single_word(s, scorer) for s in phrases),
        "coverage": coverage(
            groups, {i for s in phrases for i in s.citations}, dict(zip(ids, texts)), counted_text(summary.segments)
        ),
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
    arguments = [a for a in sys.argv[1:] if a != "--groups"]
    pass_groups = "--scope-alone" not in sys.argv[1:]
    n_clusters = int(arguments[0]) if arguments else 16
    results, scope, scope_vectors, scope_groups = [], [], [], []
    embed(["le modèle est chargé avant la mesure"])
    for rows, stored, groups in clusters()[:n_clusters]:
        result = measure(rows, stored, groups, pass_groups)
        scope_groups += [tuple(i + len(scope) for i in g.ids) for g in groups]  # numbered as in the joined scope
        scope, scope_vectors = scope + rows, [*scope_vectors, stored]
        results.append(result)
        c = result["coverage"]
        print(
            f"  cluster of {result['n']:4d}: {result['phrases']:2d} sentences, {result['fragments']} fragments, "
            f"{result['single_word']} single-word citations, duplicate groups covered "
            f"{c.n_substantive_covered}/{c.n_substantive} (copies {c.n_copies_covered}/{c.n_copies}; "
            f"remarks {c.n_remarks}, short answers named {c.n_short_named}/{c.n_short}; "
            f"all cited {c.n_covered}/{c.n_groups}), "
            f"verified {result['verified']}/{result['phrases']}, {result['seconds']:.1f} s ({result['cpu']:.1f} s CPU)",
            flush=True,
        )
        for text in result["fragment_examples"][:2]:
            print(f"      fragment: {text[:90]!r}")
        for text, reason in result["refused"][:2]:
            print(f"      not verified: {text[:90]!r} ({reason})")
    total = {key: sum(r[key] for r in results) for key in ("phrases", "fragments", "single_word", "verified")}
    covered = sum((r["coverage"] for r in results), EMPTY)
    print(
        f"synthesis on the {len(results)} largest clusters "
        f"({'given the process duplicate groups, as the app calls it' if pass_groups else 'the scope alone'}): "
        f"{total['fragments']} fragments (target 0), "
        f"{total['single_word']} single-word citations (target 0), "
        f"{covered.describe()} (target >= 90 % for the first), "
        f"verified {total['verified']}/{total['phrases']} "
        f"({total['verified'] / max(1, total['phrases']):.0%}), time per cluster median "
        f"{statistics.median(r['seconds'] for r in results):.1f} s, max {max(r['seconds'] for r in results):.1f} s "
        f"(CPU median {statistics.median(r['cpu'] for r in results):.1f} s, max {max(r['cpu'] for r in results):.1f} s)"
    )
    vectors = np.vstack(scope_vectors)
    for size in (500, 2000):
        if len(scope) >= size:
            groups = [g for g in ([i for i in g if i <= size] for g in scope_groups) if len(g) >= 2]
            runs = sorted(time_summary(scope[:size], vectors[:size], groups if pass_groups else None) for _ in range(3))
            print(
                f"summary of {size} contributions (fit + summary), median of 3 cold runs: {runs[1][0]:.2f} s CPU, "
                f"{runs[1][1]:.2f} s wall (runs {', '.join(f'{cpu:.2f}' for cpu, _ in runs)} s CPU; target for 500: "
                f"under 1 s CPU); load average {os.getloadavg()[0]:.1f}"
            )


def time_summary(rows: list[dict], stored, groups=None) -> tuple[float, float]:
    """CPU and wall seconds of the embedded summary of ``rows`` (the app's call, stored vectors passed).

    The checker's caches (passages and words encoded, word comparisons) and the headings' stems are emptied
    first: the texts were summarised in their clusters above, and a worker meets a new scope cold.
    """
    for cache in (alignment._TEXT_VECTORS, alignment._WORD_VECTORS):
        cache.clear()
    analysis._same_form.cache_clear()
    alignment._opposite_form.cache_clear()
    alignment._antonyms.cache_clear()
    selection._stem.cache_clear()  # the headings' word stems
    ids = list(range(1, len(rows) + 1))
    started, cpu_started = time.perf_counter(), time.process_time()
    ExtractiveSynthesizer().fit(
        ids,
        [r["text"] for r in rows],
        actor_types=[r["author_type"] for r in rows],
        vectors=stored,
        duplicate_groups=groups,
    ).summary()
    return time.process_time() - cpu_started, time.perf_counter() - started


if __name__ == "__main__":
    main()
