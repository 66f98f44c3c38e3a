"""Latency of one "similar contributions" suggestion with 100,000 contributions in a process.

Measures the service the posting page calls (nlp index query, encoding the typed text included,
+ reading the matches from SQLite): the index build (first query of a worker), then p50/p95 over
300 queries made of real texts cut to what someone would have typed so far. Every row has its
stored vector (float16, as the queue task leaves it): the real texts of both consultation files
are embedded once (cached in ``instance/``, shared with bench_nlp), and the numbered copies that
make up 100,000 rows get their original's vector.

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

from bench_nlp import FILES, real_texts, stored_vectors

from contrib import create_app
from contrib.extensions import db
from contrib.facilitation.bulk import BulkRow, ensure_process, load_rows
from contrib.models import Contribution
from contrib.participation import similar
from nlp import embeddings

N_QUERIES = 300


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/similar.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            process = ensure_process("volume", "Consultation en volume")
            texts, themes = real_texts()
            rows = [BulkRow(theme=themes[i % len(texts)], text=f"{texts[i % len(texts)]} ({i})") for i in range(n)]
            load_rows(process.id, rows)
            store_vectors(process.id, stored_vectors(len(texts))[2])
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
            samples, cpu, n_found = [], [], 0
            for query in queries:
                start, cpu_start = time.perf_counter(), time.process_time()
                found = similar.find_similar(process.id, query)
                samples.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - cpu_start) * 1000)
                n_found += bool(found)
            index = similar._cache[process.id].index
            assert index.semantic, "the index should read the stored vectors"
    samples.sort()
    cpu.sort()
    print(
        f"similar suggestions over {n} contributions ({', '.join(FILES)} cycled): index build {build:.1f} s"
        f" (in the background after a worker's first query); {index.vector_bytes_ / 2**20:.0f} MB of vectors,"
        f" {index.n_cells_} cells, {index.n_probe} probed per query"
    )
    print(
        f"  one suggestion query: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {samples[int(0.95 * len(samples)) - 1]:.1f} ms, max {samples[-1]:.1f} ms; CPU p50"
        f" {statistics.median(cpu):.1f} ms, p95 {cpu[int(0.95 * len(cpu)) - 1]:.1f} ms "
        f"({n_found}/{N_QUERIES} queries had suggestions; target p95 < 50 ms)"
    )


def store_vectors(process_id: int, real: list) -> None:
    """Give every row of the process its original text's stored vector, as the backfill task would."""
    ids = db.session.scalars(
        db.select(Contribution.id).where(Contribution.process_id == process_id).order_by(Contribution.id)
    ).all()
    table = Contribution.__table__
    for start in range(0, len(ids), 5000):
        db.session.execute(
            db.update(table)
            .where(table.c.id == db.bindparam("row_id"))
            .values(embedding=db.bindparam("vector"), embedding_model=embeddings.MODEL_NAME),
            [
                {"row_id": id_, "vector": embeddings.to_bytes(real[i % len(real)])}
                for i, id_ in enumerate(ids[start : start + 5000], start)
            ],
        )
    db.session.commit()


if __name__ == "__main__":
    main()
