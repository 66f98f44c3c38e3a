"""Page latency with 100,000 contributions in one process, on SQLite and PostgreSQL.

Loads real consultation texts (../shared/data, cycled with a numbered suffix up to N) through the
bulk loader, then times the home page, the process page, its last page and filtered pages with the
Flask test client (server-side time, no network). Prints median and p95 per page.

    .venv/bin/python bench/bench_pages.py [N]
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation.bulk import BulkRow, ensure_process, load_rows  # noqa: E402
from contrib.models import ContributionKind, Theme  # noqa: E402
from tools.pgserver import PostgresServer, create_database  # noqa: E402

SHARED_DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
N_REQUESTS = 60
KINDS = list(ContributionKind)


def corpus_rows(n: int):
    texts = []
    for path in (SHARED_DATA / "dev_grand_debat.csv", SHARED_DATA / "dev_republique_numerique.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if {"theme", "text"} <= set(reader.fieldnames or ()):  # dev_citations.csv holds claims, not texts
                texts.extend((row["theme"], row["text"][:4000]) for row in reader)
    for i in range(n):
        theme, text = texts[i % len(texts)]
        yield BulkRow(theme=theme, text=f"{text} ({i})", kind=KINDS[i % len(KINDS)])


def time_page(client, url: str) -> tuple[float, float]:
    client.get(url)  # warm caches once
    samples = []
    for _ in range(N_REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * len(samples)) - 1]


def run(label: str, database_url: str, n: int) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        process = ensure_process("volume", "Consultation en volume")
        result = load_rows(process.id, corpus_rows(n))
        load_seconds = time.perf_counter() - start
        theme_id = db.session.execute(db.select(Theme.id).filter_by(process_id=process.id)).scalars().first()
    print(
        f"[{label}] {result.n_loaded} contributions loaded in {load_seconds:.1f} s "
        f"({result.n_loaded / load_seconds:.0f} rows/s)"
    )
    client = app.test_client()
    pages = {
        "home": "/",
        "process page": "/demarches/volume",
        "process last page": "/demarches/volume?fin=1",
        "filtered by theme": f"/demarches/volume?thematique={theme_id}",
        "theme filter, last page": f"/demarches/volume?thematique={theme_id}&fin=1",
        "theme + kind filter": f"/demarches/volume?thematique={theme_id}&type=weak_signal",
        "search, 2 words": "/demarches/volume?q=donnees+publiques",
        "search + theme, last page": f"/demarches/volume?q=impot&thematique={theme_id}&fin=1",
    }
    for name, url in pages.items():
        median, p95 = time_page(client, url)
        print(f"[{label}] {name:<26} median {median:6.1f} ms   p95 {p95:6.1f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{folder}/bench.sqlite3", n)
    server = PostgresServer().start()
    try:
        run("postgresql", create_database(server.admin_url, "bench"), n)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
