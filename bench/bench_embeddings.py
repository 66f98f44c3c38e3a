"""Embedding throughput: the stored-vector task spread over 1 and 2 worker processes.

Each worker process runs what the queued backfill task runs for its rows
(``contrib.participation.vectors.encode`` on batches of ``vectors.BATCH_SIZE`` texts: the shipped
encoder, float16 bytes out), on real consultation texts made distinct by a numbered suffix.
Workers share nothing: each takes an equal share of the rows, as queue workers each take a
process's backfill. Reported: texts per second, peak resident memory of each worker, and the
time for 10,000, 100,000 and 1,000,000 contributions.

Encoding costs the same for every batch of similar texts, so by default each worker measures a
sample of ``SAMPLE`` texts and the totals are extrapolated (printed as such); ``--full N`` embeds
N texts for real instead.

    .venv/bin/python bench/bench_embeddings.py [--sample 1024] [--full N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp.evaluate import DATA, load_dataset

SAMPLE = 1024
SIZES = (10_000, 100_000, 1_000_000)


def _worker(texts: list[str], out) -> None:
    """One queue worker: load the model, then encode its share batch by batch as the task does."""
    from contrib.participation import vectors
    from nlp import embeddings

    vectors.encode(["Chargement du modèle."])  # loaded once per process (the worker preloads it at start)
    start, cpu_start = time.perf_counter(), time.process_time()
    n_stored = 0
    for first in range(0, len(texts), vectors.BATCH_SIZE):
        stored = vectors.encode(texts[first : first + vectors.BATCH_SIZE])
        assert stored is not None and all(len(b) == 2 * embeddings.DIMENSIONS for b in stored)
        n_stored += len(stored)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    out.put((n_stored, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, cpu))


def run(n_workers: int, n_texts: int) -> tuple[float, float, float, float]:
    """(texts per second overall, wall seconds, peak MB of the largest worker, the largest share of
    a core a worker used: CPU / wall seconds) for ``n_texts``. The encoder runs one BLAS thread
    (``UniversalSentenceEncoder(threads=1)``, threadpoolctl), so a worker uses at most one core:
    a share near 1 means it had a core of its own, well under 1 that the machine was busy."""
    files = ("dev_grand_debat.csv", "dev_republique_numerique.csv")
    real = [text for name in files for text in load_dataset(DATA / name).texts]
    texts = [f"{real[i % len(real)][:4000]} ({i})" for i in range(n_texts)]
    context = multiprocessing.get_context("spawn")  # a fresh process, as a queue worker is
    out = context.Queue()
    share = -(-n_texts // n_workers)
    workers = [
        context.Process(target=_worker, args=(texts[w * share : (w + 1) * share], out)) for w in range(n_workers)
    ]
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    wall = max(seconds for _, seconds, _, _ in results)  # workers run side by side
    share = max(cpu / seconds for _, seconds, _, cpu in results)
    return sum(n for n, _, _, _ in results) / wall, wall, max(mb for _, _, mb, _ in results), share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=SAMPLE, help="texts per worker measured (then extrapolated)")
    parser.add_argument("--full", type=int, default=None, help="embed this many texts for real instead")
    args = parser.parse_args()
    print(f"embedding with the stored-vector task on {os.cpu_count()} cores")
    for n_workers in (1, 2):
        n_texts = args.full or args.sample * n_workers
        load = os.getloadavg()[0]
        rate, wall, peak, share = run(n_workers, n_texts)
        how = "measured" if args.full else f"extrapolated from {n_texts:,} texts measured"
        totals = ", ".join(f"{n:,}: {n / rate / 60:.1f} min" for n in SIZES)
        print(
            f"  {n_workers} worker(s): {rate:.0f} texts/s ({n_texts:,} texts in {wall:.1f} s), peak {peak:.0f} MB"
            f" per worker (flat in n: batches of 256), CPU / wall {share:.2f} per worker -> {totals} ({how};"
            f" load average {load:.1f} before, {os.getloadavg()[0]:.1f} after)"
        )


if __name__ == "__main__":
    main()
