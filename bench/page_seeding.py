"""Fast seeding of a process with N contributions for ``bench_pages.py``: the rows ``load_rows`` would write.

The bench loads real consultation texts (``../shared/data``), cycled with a numbered suffix. Through
``contrib.facilitation.bulk.load_rows`` that took over 9.5 minutes at 1,000,000 on SQLite; here the
process, its themes, the counter and the audit entry go through the app (ORM, as ``load_rows``), and only
the contribution rows are written with raw bulk SQL: one ``executemany`` transaction on SQLite (journal
and syncing off for this database only), ``COPY`` on PostgreSQL. The database's own triggers still fire
(full-text table, per-theme counts), so the result is what the app would have stored;
``python bench/bench_pages.py --compare`` checks it against ``load_rows`` on a small N.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from contrib.core import audit
from contrib.core.errors import InvalidInput
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.facilitation.bulk import BulkRow, ensure_process, refresh_statistics_after
from contrib.models import Contribution, ContributionKind, ContributionSource, ContributionStatus, Process, Theme
from contrib.models.accounts import ActorType
from contrib.models.base import utcnow
from contrib.models.contributions import TEXT_MAX_LENGTH, search_key
from contrib.participation import search

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
CORPORA = ("dev_grand_debat.csv", "dev_republique_numerique.csv")
KINDS = list(ContributionKind)
BASE_TEXT_LENGTH = 4000
COLUMNS = (
    "process_id",
    "theme_id",
    "kind",
    "title",
    "text",
    "search_text",
    "author_name",
    "actor_type",
    "source",
    "status",
    "created_at",
    "updated_at",
    "n_supports",
    "version",
)
SQLITE_CHUNK = 20_000


def corpus_texts(folder: Path = SHARED_DATA) -> list[tuple[str, str]]:
    """(theme, text) of the consultation corpora, each text as the app stores it (texts the app would
    refuse, such as ones holding HTML tags, are left out)."""
    texts = []
    for name in CORPORA:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                try:
                    text = clean_text(
                        record["text"][:BASE_TEXT_LENGTH], field_label="Texte", max_length=TEXT_MAX_LENGTH
                    )
                except InvalidInput:
                    continue
                texts.append((record["theme"], text))
    return texts


def bench_rows(n: int, texts: list[tuple[str, str]] | None = None) -> Iterator[BulkRow]:
    """The bench's N rows for ``load_rows``: corpus texts cycled, each with its number."""
    texts = texts or corpus_texts()
    for i in range(n):
        theme, text = texts[i % len(texts)]
        yield BulkRow(theme=theme, text=f"{text} ({i})", kind=KINDS[i % len(KINDS)])


@dataclass(frozen=True)
class Seeded:
    process_id: int
    n_loaded: int
    seconds: float
    cpu_seconds: float


def seed(
    n: int, slug: str = "volume", title: str = "Consultation en volume", texts: list[tuple[str, str]] | None = None
) -> Seeded:
    """Write the process ``slug`` with the bench's N rows, as ``load_rows`` would (inside an app context)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    texts = texts or corpus_texts()
    process = ensure_process(slug, title)
    process_id = process.id
    themes = _create_themes(process, [texts[i % len(texts)][0] for i in range(min(n, len(texts)))])
    now = utcnow()
    rows = _contribution_rows(n, texts, process_id, themes, now)
    if db.engine.dialect.name == "sqlite":
        _write_sqlite(rows, now)
    else:
        _write_postgresql(rows)
    with transaction():
        db.session.execute(
            db.update(Process).where(Process.id == process_id).values(n_contributions=Process.n_contributions + n)
        )
        audit.record(
            "contributions:bulk:load",
            actor=None,
            target_type="process",
            target_id=process_id,
            after={"n_loaded": n, "n_skipped": 0},
        )
    refresh_statistics_after(n)
    return Seeded(process_id, n, time.perf_counter() - start, time.process_time() - cpu_start)


def _create_themes(process: Process, names_in_order: list[str]) -> dict[str, int]:
    """The themes ``load_rows`` creates, in the order it meets them (its ``position``)."""
    with transaction():
        themes = {theme.name: theme.id for theme in process.themes}
        for name in names_in_order:
            if name not in themes:
                theme = Theme(process_id=process.id, name=name[:120], position=len(themes))
                db.session.add(theme)
                db.session.flush()
                themes[name] = theme.id
    return themes


def _contribution_rows(n: int, texts, process_id: int, themes: dict[str, int], now) -> Iterator[tuple]:
    # search_key folds character by character: the base text's folded form plus the folded suffix is
    # the folded whole (the --compare check reads every column back).
    folded = [search_key(None, text) for _, text in texts]
    for i in range(n):
        position = i % len(texts)
        theme, text = texts[position]
        suffix = f" ({i})"
        yield (
            process_id,
            themes[theme],
            KINDS[i % len(KINDS)].value,
            None,
            text + suffix,
            folded[position] + suffix,
            None,
            ActorType.OTHER.value,
            ContributionSource.IMPORT.value,
            ContributionStatus.PUBLISHED.value,
            now,
            now,
            0,
            1,
        )


def _write_sqlite(rows: Iterator[tuple], now) -> None:
    """One transaction of ``executemany`` on a connection of its own, journal and syncing off (the bench's
    file only: a crash mid-way leaves a file the next run rebuilds)."""
    column_type = Contribution.__table__.c.created_at.type
    to_text = column_type.dialect_impl(db.engine.dialect).bind_processor(db.engine.dialect)
    stamp = to_text(now)
    db.session.remove()
    db.engine.dispose()
    connection = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=30)
    try:
        # Refused while another connection has the file open (the test database): same rows, slower.
        with contextlib.suppress(sqlite3.OperationalError):
            connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-400000")
        statement = f"INSERT INTO contributions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        connection.execute("BEGIN")
        chunk = []
        for row in rows:
            chunk.append((*row[:10], stamp, stamp, *row[12:]))
            if len(chunk) >= SQLITE_CHUNK:
                connection.executemany(statement, chunk)
                chunk = []
        connection.executemany(statement, chunk)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _write_postgresql(rows: Iterator[tuple]) -> None:
    """``COPY`` in one transaction (the database computes each row's stored ``tsvector`` and word signature);
    the full-text GIN index and the signature indexes are built once afterwards (faster than row by row)."""
    raw = db.engine.raw_connection()
    try:
        driver = raw.driver_connection
        with driver.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            index_names = (search.VECTOR_INDEX, *search.SIGNATURE_INDEXES)
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'contributions' AND indexname = ANY(%s)",
                (list(index_names),),
            )
            definitions = [definition for (definition,) in cursor.fetchall()]
            assert len(definitions) == len(index_names), definitions
            for name in index_names:
                cursor.execute(f"DROP INDEX {name}")
            with cursor.copy(f"COPY contributions ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            for definition in definitions:
                cursor.execute(definition)
        driver.commit()
        driver.autocommit = True  # VACUUM runs outside a transaction
        with driver.cursor() as cursor:
            # What autovacuum does a minute after such a load (1,000,000 inserts pass its threshold); the bench
            # times pages sooner than that. Without statistics a word search reads every match through the GIN
            # index (1 s, not 30 ms); without the visibility map the signature index is no index-only scan.
            cursor.execute("VACUUM (ANALYZE) contributions")
        driver.autocommit = False
    finally:
        raw.close()


def contribution_columns(process_id: int) -> list[tuple]:
    """Every stored column of a process's contributions, in id order, the theme by name, without the ids
    and times (for comparing two loads)."""
    table = Contribution.__table__
    skipped = ("id", "created_at", "updated_at", "process_id", "theme_id")
    columns = [column for column in table.c if column.name not in skipped]
    statement = (
        sa.select(Theme.name, *columns)
        .join(Theme, Theme.id == table.c.theme_id)
        .where(table.c.process_id == process_id)
        .order_by(table.c.id)
    )
    return [tuple(row) for row in db.session.execute(statement)]
