"""Synthesis assistant figures on ../shared/data (pure nlp, no database).

1. Support score of the citation check (nlp.citations): how often a true sentence→source pair
   passes, for extractive sentences, summary-style half sentences ("Plusieurs contributions
   proposent de …"), reworded copies (nlp.perturb typos) and the authors' own titles (a real
   abstractive summary), against the same sentences paired with another random contribution of
   the same question/section (hard negatives).
2. Embedded engine on real clusters (contributions answering the same question or section):
   citation validity (share of displayed sentences whose citations are in scope and supported),
   coverage (share of the cluster's distinct ideas — its sub-clusters — that the summary cites; share of
   its duplicate groups, by the definition of bench/duplicate_coverage.py that bench_synthesis.py shares),
   and latency on a 500-contribution cluster. The contributions' stored vectors are passed, as the app does;
   the engine runs twice, on the scope alone (its own duplicate detection, as the app called it before
   session 12) and given the process's duplicate groups (``duplicate_groups=``, as the app calls it).

    .venv/bin/python bench/bench_assistant.py
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.duplicate_coverage import (  # noqa: E402
    EMPTY,
    counted_text,
    coverage,
    groups_in,
    process_groups,
    stored_vectors,
)
from nlp.citations import DEFAULT_THRESHOLD, SupportScorer, check_sentence, split_sentences  # noqa: E402
from nlp.perturb import perturb  # noqa: E402
from nlp.synthesis import ExtractiveSynthesizer  # noqa: E402

DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))


def load_scopes() -> dict[str, list[dict]]:
    scopes = defaultdict(list)
    for name in ("dev_grand_debat.csv", "dev_republique_numerique.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                row["file"] = name
                scopes[row["question"] or row["theme"]].append(row)
    return scopes


def process_duplicates(scopes) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Each file's stored vectors (by row id) and duplicate groups, found as the app's detection finds them."""
    by_file = defaultdict(list)
    for rows in scopes.values():
        for row in rows:
            by_file[row["file"]].append(row)
    vectors, groups = {}, {}
    for name, rows in by_file.items():
        stored = stored_vectors(rows)
        vectors.update((r["id"], v) for r, v in zip(rows, stored))
        groups[name] = process_groups(rows, stored)
    return vectors, groups


def support_figures(scopes) -> None:
    rng, nrng = random.Random(0), np.random.default_rng(0)
    scores = defaultdict(list)
    for members in scopes.values():
        if len(members) < 5:
            continue
        ids = list(range(len(members)))
        scorer = SupportScorer({i: m["text"] for i, m in zip(ids, members)})
        for i in rng.sample(ids, min(60, len(ids))):
            sentences = [s for s in split_sentences(members[i]["text"]) if 6 <= len(s.split()) <= 40]
            if not sentences:
                continue
            sentence = rng.choice(sentences)
            other = rng.choice([j for j in ids if j != i])
            words = sentence.split()
            half = "Plusieurs contributions proposent de " + " ".join(words[: max(4, len(words) // 2)])
            reworded = perturb(sentence, "typos", nrng)
            for name, text in (("extractive", sentence), ("summary-style half", half), ("reworded (typos)", reworded)):
                scores[name, "true source"].append(scorer.score(text, [i]))
                scores[name, "other contribution"].append(scorer.score(text, [other]))
            title = members[i]["title"]
            if title and len(title.split()) >= 2:
                scores["author's title", "true source"].append(scorer.score(title, [i]))
                scores["author's title", "other contribution"].append(scorer.score(title, [other]))
    print(
        f"Support score (idf-weighted stem coverage), share of pairs passing each threshold; "
        f"chosen threshold {DEFAULT_THRESHOLD}"
    )
    thresholds = (0.4, 0.5, 0.6, 0.7)
    print(f"{'sentence kind':22s} {'paired with':20s} {'n':>5s} " + " ".join(f"≥{t:<5}" for t in thresholds))
    for (kind, pairing), values in scores.items():
        values = np.array(values)
        print(
            f"{kind:22s} {pairing:20s} {len(values):5d} " + " ".join(f"{(values >= t).mean():6.3f}" for t in thresholds)
        )


def engine_figures(scopes) -> None:
    """The engine on the scope alone (its own duplicate detection), then given the process's groups (as the app)."""
    chosen = sorted(scopes.items(), key=lambda item: -len(item[1]))[:16]
    vectors, groups = process_duplicates(scopes)
    for label, pass_groups in (
        ("the scope's own duplicate detection alone", False),
        ("the process's duplicate groups passed (fit(duplicate_groups=...)), as the app calls the engine", True),
    ):
        n_phrases = n_valid = 0
        coverages = []
        covered = EMPTY
        for _name, rows in chosen:
            rows = rows[:500]
            ids = list(range(1, len(rows) + 1))
            texts = [r["text"] for r in rows]
            scope = {r["id"]: i for i, r in zip(ids, rows)}
            in_scope = groups_in(groups[rows[0]["file"]], scope)
            synthesizer = ExtractiveSynthesizer().fit(
                ids,
                texts,
                actor_types=[r["author_type"] for r in rows],
                titles=[r["title"] for r in rows],
                vectors=np.vstack([vectors[r["id"]] for r in rows]),
                duplicate_groups=[g.ids for g in in_scope] if pass_groups else None,
            )
            summary = synthesizer.summary()
            scorer = SupportScorer(dict(zip(ids, texts)))
            phrases = [s for s in (*summary.segments, *synthesizer.draft().segments) if s.kind == "phrase"]
            n_phrases += len(phrases)
            n_valid += sum(check_sentence(s.as_text(), scorer).is_verified for s in phrases)
            cited = summary.cited_ids
            all_topics = [tuple(i for m in members for i in synthesizer.ideas_[m]) for members in synthesizer.topics_]
            if all_topics:
                coverages.append(sum(bool(cited & set(t)) for t in all_topics) / len(all_topics))
            covered += coverage(in_scope, cited, dict(zip(ids, texts)), counted_text(summary.segments))
        print(f"\nEmbedded engine on {len(chosen)} real clusters (≤ 500 contributions each), {label}:")
        print(
            f"  citation validity: {n_valid}/{n_phrases} displayed sentences cited and supported "
            f"({n_valid / max(1, n_phrases):.1%})"
        )
        print(
            f"  coverage of sub-clusters cited by the summary: mean {statistics.mean(coverages):.1%}, "
            f"min {min(coverages):.1%}"
        )
        print(f"  {covered.describe()} (bench/duplicate_coverage.py, the definition bench_synthesis.py shares)")


def latency(scopes) -> None:
    rows = max(scopes.values(), key=len)[:500]
    ids, texts = list(range(len(rows))), [r["text"] for r in rows]
    actors = [r["author_type"] for r in rows]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        synthesizer = ExtractiveSynthesizer().fit(ids, texts, actor_types=actors)
        synthesizer.summary()
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    synthesizer.answer("Quelles propositions sur la TVA ?")
    answer = time.perf_counter() - started
    print(
        f"\nLatency on a {len(rows)}-contribution cluster: "
        f"fit + summary median {statistics.median(times) * 1000:.0f} ms "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); a question on the fitted scope "
        f"{answer * 1000:.0f} ms"
    )


if __name__ == "__main__":
    scopes = load_scopes()
    support_figures(scopes)
    engine_figures(scopes)
    latency(scopes)
