"""Page latency with 1,000,000 contributions in one process, on SQLite and PostgreSQL.

Seeds real consultation texts (../shared/data, cycled with a numbered suffix up to N) with raw bulk SQL
(``bench/page_seeding.py``: the rows ``load_rows`` would write, triggers included; the SQLite file is kept
in ``instance/`` for the next run), then times the home page, the process page, its last page, filtered
pages and searches with the Flask test client (server-side time, no network). The anonymous page cache
is off: every request renders, as for a logged-in person. The process's similar-contributions index is
built first, as the gunicorn master does before forking (``similar.warm_up``). Prints median and p95 per
page, wall time and the CPU time of the request.

    .venv/bin/python bench/bench_pages.py [N] [--db sqlite|postgresql] [--fresh]
    .venv/bin/python bench/bench_pages.py --compare 300   # fast seeding == load_rows, rows and pages
    .venv/bin/python bench/bench_pages.py --db postgresql --url postgresql+psycopg://…/bench  # seeded before

Target: p95 under 50 ms for every page at 1,000,000. Measured on the shared 2-core machine
(figures, load average and seeding times: README.md, "Scale-out", "Pages at 1,000,000").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from page_seeding import bench_rows, contribution_columns, corpus_texts, seed  # noqa: E402

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation.bulk import ensure_process, load_rows  # noqa: E402
from contrib.models import Contribution, Theme  # noqa: E402
from contrib.participation import similar  # noqa: E402
from tools.pgserver import PostgresServer, create_database  # noqa: E402

N_REQUESTS = 60
PAGE_BUDGET_SECONDS = 30  # a page taking seconds gets fewer samples (at least MIN_REQUESTS), not 60
MIN_REQUESTS = 5
SEEDING_VERSION = 1  # bump when page_seeding writes something else: the cached SQLite files are rebuilt


def make_app(database_url: str):
    from flask_migrate import upgrade

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PAGE_CACHE_SECONDS": 0,
        }
    )
    with app.app_context():
        upgrade()
    return app


def pages(theme_id: int, contribution_id: int) -> dict[str, str]:
    return {
        "home": "/",
        "process page": "/demarches/volume",
        "process last page": "/demarches/volume?fin=1",
        "filtered by theme": f"/demarches/volume?thematique={theme_id}",
        "theme filter, last page": f"/demarches/volume?thematique={theme_id}&fin=1",
        "theme + kind filter": f"/demarches/volume?thematique={theme_id}&type=weak_signal",
        "search, 2 words": "/demarches/volume?q=donnees+publiques",
        "search + theme, last page": f"/demarches/volume?q=impot&thematique={theme_id}&fin=1",
        "search, rare word": "/demarches/volume?q=apiculteurs",
        "most supported": "/demarches/volume?tri=soutenues",
        "most supported, page 1000": "/demarches/volume?tri=soutenues&page=1000",
        "most commented": "/demarches/volume?tri=commentees",
        "most commented, page 1000": "/demarches/volume?tri=commentees&page=1000",
        "most commented + theme": f"/demarches/volume?tri=commentees&thematique={theme_id}",
        "a contribution's page": f"/contributions/{contribution_id}",
    }


def time_page(client, url: str) -> tuple[list[float], list[float]]:
    client.get(url)  # warm caches once
    wall, cpu = [], []
    deadline = time.perf_counter() + PAGE_BUDGET_SECONDS
    while len(wall) < N_REQUESTS and (len(wall) < MIN_REQUESTS or time.perf_counter() < deadline):
        start, cpu_start = time.perf_counter(), time.thread_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - cpu_start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def median_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def first_theme_id() -> int:
    return db.session.execute(db.select(Theme.id).order_by(Theme.position)).scalars().first()


def middle_contribution_id() -> int:
    """The contribution in the middle of the table (by id), for its own page."""
    low, high = db.session.execute(db.select(db.func.min(Contribution.id), db.func.max(Contribution.id))).one()
    return (low + high) // 2


def run(label: str, database_url: str, n: int, *, seeded: bool) -> None:
    app = make_app(database_url)
    with app.app_context():
        if seeded:
            print(f"[{label}] {n} contributions: seeded file reused")
        else:
            result = seed(n)
            print(
                f"[{label}] {result.n_loaded} contributions seeded in {result.seconds:.1f} s "
                f"({result.cpu_seconds:.1f} s CPU in this process, load average {os.getloadavg()[0]:.1f})"
            )
        start, cpu_start = time.perf_counter(), time.process_time()
        similar.warm_up()
        print(
            f"[{label}] similar index built in {time.perf_counter() - start:.1f} s "
            f"({time.process_time() - cpu_start:.1f} s CPU), as the gunicorn master does before forking"
        )
        theme_id, contribution_id = first_theme_id(), middle_contribution_id()
    client = app.test_client()
    for name, url in pages(theme_id, contribution_id).items():
        wall, cpu = time_page(client, url)
        (median, p95), (cpu_median, cpu_p95) = median_p95(wall), median_p95(cpu)
        print(
            f"[{label}] {name:<26} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
            f"(CPU {cpu_median:5.1f} / {cpu_p95:5.1f} ms, {len(wall)} requests)   load {os.getloadavg()[0]:.1f}"
        )
    with app.app_context():
        db.engine.dispose()  # SQLite: the write-ahead log is folded into the file before it is renamed


def cached_sqlite_file(n: int) -> Path:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    return ROOT / "instance" / f"bench_pages_{n}_{head}_v{SEEDING_VERSION}.sqlite3"


def run_sqlite(n: int, *, fresh: bool) -> None:
    path = cached_sqlite_file(n)
    if fresh or not path.exists():
        for stale in path.parent.glob("bench_pages_*"):
            stale.unlink()
        path.parent.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        run("sqlite", f"sqlite:///{partial}", n, seeded=False)
        partial.rename(path)
    else:
        run("sqlite", f"sqlite:///{path}", n, seeded=True)


def run_postgresql(n: int, url: str | None = None) -> None:
    if url:  # a database the bench seeded before, kept running (compare two versions of the code on one data)
        run("postgresql", url, n, seeded=True)
        return
    server = PostgresServer().start()
    try:
        run("postgresql", create_database(server.admin_url, "bench"), n, seeded=False)
    finally:
        server.stop()


def _page_text(client, url: str) -> str:
    # Times and the CSRF token differ between two databases; the contributions shown must not.
    html = client.get(url).get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def compare(n: int, database_urls: list[tuple[str, str, str]]) -> None:
    """Load n rows with load_rows and with the fast seeding; the stored columns and the pages must match."""
    texts = corpus_texts()
    for label, url_loaded, url_seeded in database_urls:
        results = []
        for url, fast in ((url_loaded, False), (url_seeded, True)):
            app = make_app(url)
            with app.app_context():
                if fast:
                    process_id = seed(n).process_id
                else:
                    process_id = ensure_process("volume", "Consultation en volume").id
                    load_rows(process_id, bench_rows(n, texts))
                similar.forget()
                theme_id, contribution_id = first_theme_id(), middle_contribution_id()
                columns = contribution_columns(process_id)
                themes = db.session.execute(db.select(Theme.name, Theme.position).order_by(Theme.id)).all()
            client = app.test_client()
            html = {name: _page_text(client, page) for name, page in pages(theme_id, contribution_id).items()}
            similar.forget()
            results.append((columns, themes, html))
        (columns_a, themes_a, html_a), (columns_b, themes_b, html_b) = results
        assert themes_a == themes_b, f"[{label}] themes differ"
        assert len(columns_a) == len(columns_b) == n, f"[{label}] {len(columns_a)} vs {len(columns_b)} rows"
        different = [i for i, (a, b) in enumerate(zip(columns_a, columns_b, strict=True)) if a != b]
        assert not different, f"[{label}] {len(different)} rows differ, the first at position {different[0]}"
        for name in html_a:
            assert html_a[name] == html_b[name], f"[{label}] page {name!r} differs"
        print(f"[{label}] {n} rows: every column and the {len(html_a)} pages identical (load_rows vs seeding)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="contributions (default 1,000,000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument("--fresh", action="store_true", help="seed SQLite again even if instance/ holds the file")
    parser.add_argument("--url", help="PostgreSQL: a database already seeded with N rows, not seeded again")
    parser.add_argument("--compare", type=int, metavar="N", help="check the seeding against load_rows on N rows")
    arguments = parser.parse_args()
    if arguments.compare:
        with tempfile.TemporaryDirectory() as folder:
            urls, server = [], None
            if arguments.db != "postgresql":
                urls.append(("sqlite", f"sqlite:///{folder}/loaded.sqlite3", f"sqlite:///{folder}/seeded.sqlite3"))
            if arguments.db != "sqlite":
                server = PostgresServer().start()
                urls.append(
                    ("postgresql", create_database(server.admin_url, "a"), create_database(server.admin_url, "b"))
                )
            try:
                compare(arguments.compare, urls)
            finally:
                if server is not None:
                    server.stop()
        return
    if arguments.db in (None, "sqlite"):
        run_sqlite(arguments.n, fresh=arguments.fresh)
    if arguments.db in (None, "postgresql"):
        run_postgresql(arguments.n, arguments.url)


if __name__ == "__main__":
    main()
