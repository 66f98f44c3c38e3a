"""Confirming a draft import: its valid rows become contributions in one transaction, by chunks.

Kept apart from the upload and preview steps (``imports``) because it is the one step that writes many rows and
runs on the task queue for large sheets (``import_jobs``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.facilitation.batches import check_can_import, get_draft
from contrib.facilitation.bulk import refresh_statistics_after
from contrib.facilitation.columns import FIELD_LABELS, REQUIRED_FIELDS
from contrib.facilitation.rows import RowResult, evaluate_rows
from contrib.models import (
    Contribution,
    ContributionSource,
    ContributionStatus,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    Process,
    User,
)
from contrib.models.base import utcnow
from contrib.participation import vectors
from contrib.processes.services import get_process

CHUNK_SIZE = 1000


@dataclass(frozen=True)
class ImportResult:
    n_imported: int
    n_skipped: int


def check_confirmable(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """The draft batch, if ``actor`` may confirm it now (the checks ``confirm_import`` starts with)."""
    process = get_process(process_id)
    check_can_import(process, actor)
    return get_draft(process_id, batch_id, actor)


def confirm_import(
    process_id: int,
    batch_id: int,
    *,
    actor: User,
    on_progress: Callable[[int, int], None] | None = None,
    chunk_rows: int = CHUNK_SIZE,
) -> ImportResult:
    """Import the valid rows of a draft batch in one transaction, and record the batch in the audit log.

    Invalid, duplicate and already-imported rows are skipped and counted. Raises Conflict when the
    batch is no longer a draft or another import added the same rows meanwhile, InvalidInput when a
    required column is not mapped. ``on_progress(rows done, rows to import)`` is called after each chunk.
    """
    with transaction():
        process = get_process(process_id)
        check_can_import(process, actor)
        batch = get_draft(process_id, batch_id, actor)
        missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if batch.mapping.get(name) is None]
        if missing:
            raise InvalidInput(f"Indiquez quelle colonne contient : {', '.join(missing)}.")
        # Claim the draft first: of two simultaneous confirmations, only one finds it still a draft.
        claimed = db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.DRAFT)
            .values(status=ImportStatus.CONFIRMED)
        ).rowcount
        if claimed != 1:
            raise Conflict("Cet import vient d'être traité par quelqu'un d'autre.")
        rows, _ = evaluate_rows(batch, process)
        valid = [row for row in rows if row.is_valid]
        # The process row before the rows: a post locks it before the per-theme counts the rows' triggers
        # update (ContributionCount), and the same order here cannot deadlock with it on PostgreSQL.
        db.session.execute(
            db.update(Process)
            .where(Process.id == process.id)
            .values(n_contributions=Process.n_contributions + len(valid))
        )
        try:
            for start in range(0, len(valid), chunk_rows):
                _insert_chunk(valid[start : start + chunk_rows], process, batch, actor)
                if on_progress is not None:
                    on_progress(min(start + chunk_rows, len(valid)), len(valid))
        except IntegrityError as error:
            raise Conflict(
                "Certaines lignes viennent d'être importées par un autre import. Rechargez l'aperçu et recommencez."
            ) from error
        n_skipped = len(rows) - len(valid)
        db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch.id)
            .values(n_imported=len(valid), n_skipped=n_skipped, settled_at=utcnow(), cells=None)
        )
        audit.record(
            "imports:batch:confirm",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.DRAFT.value},
            after={
                "status": ImportStatus.CONFIRMED.value,
                "process_id": process.id,
                "n_imported": len(valid),
                "n_skipped": n_skipped,
                "sha256": batch.sha256,
            },
        )
    db.session.expire_all()
    refresh_statistics_after(len(valid))
    vectors.queue_backfill(process.id)
    return ImportResult(n_imported=len(valid), n_skipped=n_skipped)


def _insert_chunk(rows: list[RowResult], process: Process, batch: ImportBatch, actor: User) -> None:
    values = [
        {
            "process_id": process.id,
            "theme_id": row.fields["theme_id"],
            "kind": row.fields["kind"],
            "title": row.fields["title"],
            "text": row.fields["text"],
            "author_name": row.fields["author"],
            "actor_type": row.fields["actor_type"],
            "table_label": row.fields["table"],
            "entered_by_id": actor.id,
            "source": ContributionSource.IMPORT,
            "status": ContributionStatus.PUBLISHED,
            "version": 1,
        }
        for row in rows
    ]
    ids = (
        db.session.execute(db.insert(Contribution).returning(Contribution.id, sort_by_parameter_order=True), values)
        .scalars()
        .all()
    )
    db.session.execute(
        db.insert(ImportedRow),
        [
            {
                "batch_id": batch.id,
                "process_id": process.id,
                "contribution_id": contribution_id,
                "line_number": row.line_number,
                "fingerprint": row.fingerprint,
            }
            for contribution_id, row in zip(ids, rows, strict=True)
        ],
    )
