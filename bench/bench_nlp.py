"""Benchmark nlp/: clustering and duplicates at 1k/10k/100k, similar-index queries, full evaluation.

Run: ``.venv/bin/python bench/bench_nlp.py [--repeat N] [--embed-size N]`` (``make bench``). Each size and task runs
in its own subprocess so that peak memory (``ru_maxrss``) is that task's alone. Clustering runs are
repeated (default 3) and the median wall and CPU times are printed, since the 2-core machine is
shared; the load average is printed with them. Corpora: the 6,836 real
texts of ../shared/data (both files); 1k is a random sample, larger sizes add perturbed copies of
real texts (typos, accents dropped, reordered, truncated, sentence added, other theme; seed 0)
until the size is reached. Clustering reads stored sentence vectors (float16, as the app keeps them);
embedding throughput and peak memory are measured apart (``embed``, 10k texts by default).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = ("dev_grand_debat.csv", "dev_republique_numerique.csv")
SIZES = (1_000, 10_000, 100_000)
N_CLUSTERS = 20


def real_texts() -> tuple[list[str], list[str]]:
    """Texts and themes of both files, in file order."""
    texts, themes = [], []
    for name in FILES:
        with open(DATA / name, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row["text"])
                themes.append(row["theme"])
    return texts, themes


def corpus(size: int, with_origin: bool = False):
    """Real texts, sampled or grown with perturbed copies to exactly ``size`` texts.

    With ``with_origin``, also the position of each text's real original (itself for a real text).
    """
    import numpy as np

    from nlp.perturb import make_copies

    texts, themes = real_texts()
    if size <= len(texts):
        origin = np.sort(np.random.default_rng(0).choice(len(texts), size, replace=False))
        texts = [texts[i] for i in origin]
    else:
        copies = make_copies(texts, themes, size - len(texts), min_words=1, random_state=0)
        origin = np.concatenate([np.arange(len(texts)), [c.original for c in copies]]).astype(np.int64)
        texts += [c.text for c in copies]
    return (list(range(size)), texts, origin) if with_origin else (list(range(size)), texts)


def stored_vectors(size: int):
    """Sentence vectors as the app stores them (float16): the real texts embedded once and cached in
    ``instance/``; a perturbed copy gets its original's vector plus a little noise (embedding 100,000
    texts for every run would take a quarter of an hour on this machine)."""
    import numpy as np

    from nlp.embeddings import MODEL_NAME, embed, normalise

    ids, texts, origin = corpus(size, with_origin=True)
    cache = ROOT / "instance" / f"bench-vectors-{MODEL_NAME}.npy"
    if not cache.exists():
        cache.parent.mkdir(exist_ok=True)
        np.save(cache, embed(real_texts()[0]).astype(np.float16))
    real_vectors = np.load(cache)
    vectors = real_vectors[origin]
    rng = np.random.default_rng(0)
    for start in range(len(real_vectors), size, 10_000):  # in chunks: the bench's own memory stays small
        chunk = vectors[start : start + 10_000].astype(np.float32)
        chunk += 0.02 * rng.standard_normal(chunk.shape, dtype=np.float32)
        vectors[start : start + 10_000] = normalise(chunk)
    return ids, texts, vectors


def worker(task: str, size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    if task.startswith("cluster"):
        ids, texts, vectors = stored_vectors(size)
    else:
        ids, texts = corpus(size)
    if task == "embed":
        from nlp.embeddings import default_encoder

        default_encoder()  # the model is loaded once per process, before any request
    start = time.perf_counter()
    cpu_start = time.process_time()
    out: dict = {"task": task, "size": size}
    if task == "cluster":
        from nlp.clustering import cluster_contributions

        # The stored float16 vectors are read as the app passes them; embedding is measured apart.
        result = cluster_contributions(ids, texts, n_clusters=N_CLUSTERS, vectors=vectors)
        out["detail"] = f"{result.n_clusters} clusters, {len(result.outliers)} outliers, stored vectors"
    elif task == "cluster_auto":
        from nlp.clustering import cluster_contributions

        result = cluster_contributions(ids, texts, vectors=vectors)
        out["detail"] = f"auto k={result.n_clusters}, stored vectors"
    elif task == "embed":
        from nlp.embeddings import embed

        embed(texts)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        out["detail"] = f"{size / wall:.0f} texts/s wall, {size / cpu:.0f} per CPU second"
    elif task == "duplicates":
        from nlp.duplicates import find_duplicates

        groups = find_duplicates(ids, texts)
        out["detail"] = f"{len(groups)} groups, {sum(len(g.ids) for g in groups)} texts"
    elif task == "similar":
        import numpy as np

        from nlp.perturb import make_copies
        from nlp.similar import SimilarIndex

        index = SimilarIndex().fit(ids, texts)
        out["build_s"] = time.perf_counter() - start
        queries = [c.text for c in make_copies(texts, None, 300, random_state=1)]
        durations = []
        for q in queries:
            t = time.perf_counter()
            index.query(q, k=5, exclude_ids=[0], restrict_ids=None)
            durations.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        index.add([size + n for n in range(1000)], queries[:300] * 3 + queries[:100])
        out["add_1000_s"] = time.perf_counter() - t
        out["p50_ms"] = float(np.percentile(durations, 50))
        out["p95_ms"] = float(np.percentile(durations, 95))
    out["seconds"] = time.perf_counter() - start
    out["cpu_s"] = time.process_time() - cpu_start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run(task: str, size: int) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", task, str(size)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    print(f"nlp benchmark ({os.cpu_count()} CPUs); corpus = real texts + perturbed copies; peak = process max RSS")
    print(f"clustering: median of {repeat} runs (wall, and CPU of the process); load average {os.getloadavg()[0]:.1f}")
    print(f"{'task':<14}{'size':>8}{'seconds':>10}{'cpu s':>8}{'peak MB':>10}  detail")
    for task in ("cluster", "cluster_auto", "duplicates"):
        for size in SIZES:
            if task == "cluster_auto" and size > 10_000:
                continue
            runs = [run(task, size) for _ in range(repeat if task.startswith("cluster") else 1)]
            r = runs[0]
            wall = statistics.median(x["seconds"] for x in runs)
            cpu = statistics.median(x["cpu_s"] for x in runs)
            peak = max(x["peak_mb"] for x in runs)
            print(
                f"{task:<14}{size:>8}{wall:>10.2f}{cpu:>8.2f}{peak:>10.0f}  {r['detail']}"
                f" (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    embed_size = int(sys.argv[sys.argv.index("--embed-size") + 1]) if "--embed-size" in sys.argv else 10_000
    r = run("embed", embed_size)
    per_text = r["cpu_s"] / embed_size
    print(
        f"{'embed':<14}{embed_size:>8}{r['seconds']:>10.2f}{r['cpu_s']:>8.2f}{r['peak_mb']:>10.0f}  {r['detail']}"
        f" (1 thread, load {os.getloadavg()[0]:.1f});"
        f" 100k extrapolated from CPU time: {100_000 * per_text / 60:.0f} min",
        flush=True,
    )
    r = run("similar", 100_000)
    print(
        f"{'similar':<14}{100_000:>8}{r['build_s']:>10.2f}{r['peak_mb']:>10.0f}  build; query p50 {r['p50_ms']:.2f} ms,"
        f" p95 {r['p95_ms']:.2f} ms; add 1000 texts {r['add_1000_s']:.2f} s",
        flush=True,
    )
    print("\nfull evaluation (python -m nlp.evaluate) on both files:", flush=True)
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "nlp.evaluate", *(str(DATA / f) for f in FILES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    print(proc.stdout, flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]))))
    else:
        raise SystemExit(main())
