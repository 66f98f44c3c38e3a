"""The national stretch (issue 19): duplicate detection and theme clustering at 100,000 and 1,000,000.

Run: ``.venv/bin/python bench/bench_scale.py`` (``make bench``; several minutes per size).
``BENCH_SCALE_SIZES=100000`` (comma-separated) limits the sizes; the default measures both.

Corpus: ``../shared/peers/prepare.py`` grows the 6,836 real texts of both consultation files
(seed 0): ~9 % perturbed copies, the rest composites of sentences of real contributions, as
copy-paste campaigns produce (the file the targets were measured on). Files are cached in
``instance/``. Stored vectors stand in for the encoder (embedding 1,000,000 texts is measured
apart, on the task queue): a real text has its real vector; a composite the normalised mean of
the vectors of the real texts its sentences come from; a copy its original's vector, a little
noise added. Each task runs in its own process: wall and CPU seconds, peak resident memory
(``ru_maxrss``), load average. Targets: each task < 10 minutes and < 8 GB at 1,000,000.

Measured at 1,000,000 (the 2-core machine shared, load 5-9, so read CPU seconds): duplicates,
lexical tiers 318 s CPU, 3.2 GB; every tier 399 s CPU (482 s wall at load 1.2-5.1), 4.2 GB (7.9 GB
before session 9: the distinct texts' vectors are no longer copied); clustering 55 s CPU, 5.4 GB
(before session 8: 479 s / 3.3 GB, 764 s / 7.8 GB, 57 s / 8.3 GB). From 50,000 distinct texts the
duplicate joins use two threads, so wall time on an idle machine is below CPU time.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
PEERS = SHARED.parent / "peers"
INSTANCE = ROOT / "instance"
FILES = ("dev_grand_debat.csv", "dev_republique_numerique.csv")
SIZES = tuple(int(s) for s in os.environ.get("BENCH_SCALE_SIZES", "100000,1000000").split(","))
TASKS = ("duplicates", "duplicates_lexical", "cluster")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")  # prepare.py's sentence split


def corpus_file(size: int) -> Path:
    """The prepared ``size``-row CSV, built once with the peers' ``prepare.py``."""
    path = INSTANCE / f"bench-scale-{size}.csv"
    if path.exists():
        return path
    INSTANCE.mkdir(exist_ok=True)
    joined = INSTANCE / "bench-scale-real.csv"
    csv.field_size_limit(10**9)
    with open(joined, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["id", "text", "theme", "dup_group", "near_dup_group"], extrasaction="ignore")
        writer.writeheader()
        for name in FILES:
            with open(SHARED / name, newline="", encoding="utf-8") as handle:
                writer.writerows(csv.DictReader(handle))
    subprocess.run(
        [sys.executable, str(PEERS / "prepare.py"), str(joined), str(size), str(path), "--seed", "0"],
        cwd=PEERS,
        check=True,
        capture_output=True,
    )
    return path


def load(size: int, with_vectors: bool = True):
    """ids, texts, themes and stored float16 vectors (None without ``with_vectors``) of the prepared file."""
    import numpy as np

    from nlp.embeddings import MODEL_NAME, embed, normalise

    csv.field_size_limit(10**9)
    with open(corpus_file(size), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not with_vectors:
        return [r["id"] for r in rows], [r["text"] for r in rows], [r["theme"] for r in rows], None
    real_texts = []
    for name in FILES:
        with open(SHARED / name, newline="", encoding="utf-8") as handle:
            real_texts += [r["text"] for r in csv.DictReader(handle)]
    cache = INSTANCE / f"bench-vectors-{MODEL_NAME}.npy"  # shared with bench_nlp.py
    if not cache.exists():
        np.save(cache, embed(real_texts).astype(np.float16))
    real = np.load(cache).astype(np.float32)
    row_of_text = {t: n for n, t in enumerate(real_texts)}
    row_of_sentence: dict[str, int] = {}
    for n, text in enumerate(real_texts):
        for sentence in _SENTENCE.split(text):
            row_of_sentence.setdefault(sentence, n)
    vectors = np.zeros((len(rows), real.shape[1]), dtype=np.float16)
    by_group: dict[str, int] = {}
    copies = []
    for n, r in enumerate(rows):
        if r["origin"] == "real":
            vectors[n] = real[row_of_text[r["text"]]]
        elif r["origin"] == "composite":
            sources = [row_of_sentence[s] for s in _SENTENCE.split(r["text"]) if s in row_of_sentence]
            vectors[n] = normalise(real[sources].sum(axis=0, keepdims=True))[0] if sources else real[n % len(real)]
        else:
            copies.append(n)
            continue
        if r["dup_group"]:
            by_group.setdefault(r["dup_group"], n)
    rng = np.random.default_rng(0)
    for n in copies:
        source = vectors[by_group.get(rows[n]["dup_group"], n)].astype(np.float32)
        vectors[n] = normalise((source + 0.02 * rng.standard_normal(source.shape, dtype=np.float32))[None])[0]
    return [r["id"] for r in rows], [r["text"] for r in rows], [r["theme"] for r in rows], vectors


def worker(task: str, size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    ids, texts, themes, vectors = load(size, with_vectors=task != "duplicates_lexical")
    start, cpu_start = time.perf_counter(), time.process_time()
    out: dict = {"task": task, "size": size}
    if task.startswith("duplicates"):
        from nlp.duplicates import find_duplicates

        semantic = task == "duplicates"
        groups = find_duplicates(ids, texts, themes=themes, vectors=vectors if semantic else None, semantic=semantic)
        by_reason: dict[str, int] = {}
        for g in groups:
            by_reason[g.reason] = by_reason.get(g.reason, 0) + 1
        grouped = sum(len(g.ids) for g in groups)
        out["detail"] = (
            f"{len(groups)} groups, {grouped} texts ({grouped / len(ids):.1%}), largest"
            f" {max((len(g.ids) for g in groups), default=0)}, by reason {by_reason}"
        )
        out["quality"] = lambda: _pairwise_quality(size, groups)
    elif task == "cluster":
        from nlp.clustering import cluster_contributions

        result = cluster_contributions(ids, texts, n_clusters=20, vectors=vectors)
        out["detail"] = f"{result.n_clusters} clusters, {len(result.outliers)} outliers, stored vectors"
    out["seconds"] = time.perf_counter() - start
    out["cpu_s"] = time.process_time() - cpu_start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_average"] = os.getloadavg()[0]
    if "quality" in out:  # after the peak memory is read: the gold sets are the bench's, not the task's
        out["detail"] += ", " + out.pop("quality")()
    return out


def _pairwise_quality(size: int, groups) -> str:
    """Micro precision and recall of "which texts duplicate mine" against prepare.py's gold (the peers'
    metric, ``common.prf``): every row queries, its group's other members are the answer. The gold
    counts a composite as a duplicate of nothing but its exact copies, so precision on composites is a
    floor; the perturbed copies of real texts are what recall measures."""
    sys.path.insert(0, str(PEERS))
    from common import load as load_gold
    from common import prf, truth_neighbours

    rows = load_gold(str(corpus_file(size)))
    position = {r["id"]: n for n, r in enumerate(rows)}
    predicted = {}
    for group in groups:
        members = {position[i] for i in group.ids}
        for member in members:
            predicted[member] = members - {member}
    figures = prf(predicted, truth_neighbours(rows))
    return f"pairwise P {figures['precision']:.3f} R {figures['recall']:.3f} F1 {figures['f1']:.3f}"


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]))))
        return 0
    print(f"{'task':<20}{'size':>10}{'wall s':>9}{'CPU s':>9}{'peak MB':>9}{'load':>6}  detail", flush=True)
    for size in SIZES:
        corpus_file(size)
        for task in TASKS:
            command = [sys.executable, __file__, "--worker", task, str(size)]
            proc = subprocess.run(command, capture_output=True, text=True)
            if proc.returncode:
                print(f"{task:<20}{size:>10}  failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"{task:<20}{size:>10}{r['seconds']:>9.1f}{r['cpu_s']:>9.1f}{r['peak_mb']:>9.0f}"
                f"{r['load_average']:>6.1f}  {r['detail']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
