"""Latency of one "similar contributions" suggestion with 100,000 contributions in a process.

Measures the service the posting page calls (nlp index query + reading the matches from SQLite):
the index build (first query of a worker), then p50/p95 over 300 queries made of real texts cut
to what someone would have typed so far.

    .venv/bin/python bench/bench_similar.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import corpus_rows

from contrib import create_app
from contrib.facilitation.bulk import ensure_process, load_rows
from contrib.participation import similar

N_QUERIES = 300


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/similar.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            process = ensure_process("volume", "Consultation en volume")
            rows = list(corpus_rows(n))
            load_rows(process.id, rows)
            start = time.perf_counter()
            assert similar.find_similar(process.id, "amorcer la construction de l'index") == []
            while process.id not in similar._cache:  # built in the background on first use
                time.sleep(0.05)
            build = time.perf_counter() - start
            rng = random.Random(0)
            queries = []
            for row in rng.sample(rows, N_QUERIES):
                words = row.text.split()
                queries.append(" ".join(words[: rng.randint(4, 25)]))
            samples, n_found = [], 0
            for query in queries:
                start = time.perf_counter()
                found = similar.find_similar(process.id, query)
                samples.append((time.perf_counter() - start) * 1000)
                n_found += bool(found)
    samples.sort()
    print(
        f"similar suggestions over {n} contributions: index build {build:.1f} s"
        " (in the background after a worker's first query)"
    )
    print(
        f"  one suggestion query: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {samples[int(0.95 * len(samples)) - 1]:.1f} ms, max {samples[-1]:.1f} ms "
        f"({n_found}/{N_QUERIES} queries had suggestions; target p95 < 50 ms)"
    )


if __name__ == "__main__":
    main()
