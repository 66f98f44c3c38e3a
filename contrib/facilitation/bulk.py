"""Loading many contributions at once (consultation CSV files, volume for benchmarks)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from contrib.core import audit
from contrib.core.errors import InvalidInput
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    Contribution,
    ContributionKind,
    ContributionSource,
    Process,
    Theme,
    User,
)
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from contrib.processes.services import ProcessData, create_process

CHUNK_SIZE = 2000
# After this many rows at once, PostgreSQL's planner statistics are stale enough to pick a
# sort over the (process_id, id) index: a process page went from 8 ms to 400 ms at 100,000 rows.
ANALYZE_AFTER_ROWS = 1000


def refresh_statistics_after(n_rows: int) -> None:
    """Refresh PostgreSQL's statistics on contributions after a large load (no-op elsewhere)."""
    if n_rows >= ANALYZE_AFTER_ROWS and db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE contributions"))
        db.session.commit()


@dataclass(frozen=True)
class BulkRow:
    """One contribution to load: theme by name, plain text."""

    theme: str
    text: str
    title: str | None = None
    kind: ContributionKind = ContributionKind.IDEA
    author_name: str | None = None


@dataclass(frozen=True)
class BulkResult:
    n_loaded: int
    n_skipped: int
    skipped_reasons: dict[str, int]


def read_consultation_csv(path: Path) -> Iterator[BulkRow]:
    """Yield rows of a CSV shaped like ../shared/data (columns text, theme, optional title)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "theme"} - set(reader.fieldnames or ())
        if missing:
            raise InvalidInput(f"Colonnes manquantes dans le fichier : {', '.join(sorted(missing))}.")
        for record in reader:
            yield BulkRow(
                theme=(record.get("theme") or "").strip() or "Sans thématique",
                text=record.get("text") or "",
                title=record.get("title") or None,
            )


def ensure_process(slug: str, title: str) -> Process:
    """Return the process with this slug, creating an empty open one when absent."""
    process = db.session.execute(db.select(Process).filter_by(slug=slug)).scalar_one_or_none()
    if process is None:
        process = create_process(
            ProcessData(title=title, description="Contributions chargées en volume."), actor=None, slug=slug, themes=()
        )
    return process


def load_rows(process_id: int, rows: Iterable[BulkRow], *, actor: User | None = None) -> BulkResult:
    """Insert rows into a process in one transaction, creating missing themes.

    Rows whose text breaks the validation rules are skipped and counted by reason.
    """
    n_loaded, skipped = 0, {}
    with transaction():
        # Locked first, as a post does before the per-theme counts its rows' triggers update.
        process = db.session.get(Process, process_id, with_for_update=True)
        themes = {theme.name: theme.id for theme in process.themes}
        batch = []
        for row in rows:
            try:
                text = clean_text(row.text, field_label="Texte", max_length=TEXT_MAX_LENGTH)
                title = clean_text(
                    (row.title or "")[:TITLE_MAX_LENGTH],
                    field_label="Titre",
                    max_length=TITLE_MAX_LENGTH,
                    required=False,
                    multiline=False,
                )
            except InvalidInput as error:
                reason = error.message.split(" : ", 1)[-1].split(".")[0]
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            if row.theme not in themes:
                theme = Theme(process_id=process.id, name=row.theme[:120], position=len(themes))
                db.session.add(theme)
                db.session.flush()
                themes[row.theme] = theme.id
            batch.append(
                {
                    "process_id": process.id,
                    "theme_id": themes[row.theme],
                    "kind": row.kind,
                    "title": title,
                    "text": text,
                    "author_name": row.author_name,
                    "source": ContributionSource.IMPORT,
                }
            )
            if len(batch) >= CHUNK_SIZE:
                db.session.execute(db.insert(Contribution), batch)
                n_loaded += len(batch)
                batch = []
        if batch:
            db.session.execute(db.insert(Contribution), batch)
            n_loaded += len(batch)
        db.session.execute(
            db.update(Process)
            .where(Process.id == process.id)
            .values(n_contributions=Process.n_contributions + n_loaded)
        )
        audit.record(
            "contributions:bulk:load",
            actor=actor,
            target_type="process",
            target_id=process.id,
            after={"n_loaded": n_loaded, "n_skipped": sum(skipped.values())},
        )
    refresh_statistics_after(n_loaded)
    return BulkResult(n_loaded=n_loaded, n_skipped=sum(skipped.values()), skipped_reasons=skipped)
