"""Importing workshop sheets: upload → preview (editable) → confirm as one batch → undo as a whole.

Every row goes through the same text rules as online posting (``contrib.core.validation.clean_text``).
A row's fingerprint (folded text + theme + table) is unique per process among imported rows, so
importing the same file or the same rows again adds nothing; skipped rows are reported.
"""

from __future__ import annotations

import hashlib

from contrib.core import audit, dates
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.facilitation.batches import (
    batch_contributions,
    check_can_import,
    get_batch,
    get_draft,
    list_batches,
    may_handle,
)
from contrib.facilitation.columns import FIELD_LABELS, FIELDS, REQUIRED_FIELDS, guess_mapping
from contrib.facilitation.confirmation import ImportResult, check_confirmable, confirm_import
from contrib.facilitation.import_undo import undo_import
from contrib.facilitation.rows import Preview, evaluate_rows
from contrib.facilitation.sheets import read_sheet
from contrib.models import ImportBatch, ImportStatus, User
from contrib.models.base import utcnow
from contrib.processes.services import get_process

# The whole journey is reachable from here (views, jobs and tests say ``imports.confirm_import``); each step
# lives in the module named after it.
__all__ = [
    "ImportResult",
    "batch_contributions",
    "cancel_import",
    "check_confirmable",
    "confirm_import",
    "get_batch",
    "list_batches",
    "may_handle",
    "preview",
    "start_import",
    "undo_import",
    "update_mapping",
]


def start_import(process_id: int, data: bytes, filename: str, *, actor: User) -> ImportBatch:
    """Read an uploaded file and store it as a draft batch; nothing is imported yet.

    Raises NotFound, NotAllowed, or InvalidInput (French) for an unreadable or hostile file, in
    which case nothing is written.
    """
    with transaction():
        process = get_process(process_id)
        check_can_import(process, actor)
        sheet = read_sheet(data, filename)
        batch = ImportBatch(
            process_id=process.id,
            created_by_id=actor.id,
            status=ImportStatus.DRAFT,
            filename=(filename or "fichier")[-255:],
            sha256=hashlib.sha256(data).hexdigest(),
            n_bytes=len(data),
            file_format=sheet.file_format,
            detected=sheet.detected(),
            mapping=guess_mapping(sheet.header),
            theme_choices={},
            cells={"header": sheet.header, "rows": sheet.rows},
            n_rows=len(sheet.rows),
        )
        db.session.add(batch)
        db.session.flush()
        audit.record(
            "imports:batch:upload",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            after={
                "process_id": process.id,
                "sha256": batch.sha256,
                "n_rows": batch.n_rows,
                "format": batch.file_format,
            },
        )
    return batch


def update_mapping(
    process_id: int, batch_id: int, *, columns: dict[str, int | None], theme_choices: dict[str, int | None], actor: User
) -> ImportBatch:
    """Save the facilitator's column mapping and theme corrections on a draft batch."""
    with transaction():
        batch = get_draft(process_id, batch_id, actor)
        width = len(batch.cells["header"])
        mapping = {}
        for name in FIELDS:
            index = columns.get(name)
            mapping[name] = index if isinstance(index, int) and 0 <= index < width else None
        theme_ids = {theme.id for theme in batch.process.themes}
        batch.mapping = mapping
        # The preview shows a bounded number of values: those not posted keep their earlier choice.
        batch.theme_choices = {
            **batch.theme_choices,
            **{raw: (choice if choice in theme_ids else None) for raw, choice in theme_choices.items()},
        }
    return batch


def preview(process_id: int, batch_id: int, *, actor: User) -> Preview:
    """Compute, without writing anything, what confirming the draft batch would import."""
    batch = get_draft(process_id, batch_id, actor)
    process = batch.process
    rows, matches = evaluate_rows(batch, process)
    missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if batch.mapping.get(name) is None]
    earlier = db.session.execute(
        db.select(ImportBatch.settled_at)
        .where(
            ImportBatch.process_id == process_id,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.status == ImportStatus.CONFIRMED,
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return Preview(
        batch=batch,
        header=batch.cells["header"],
        rows=rows,
        theme_matches=matches,
        missing_fields=missing,
        already_imported_on=dates.datetime_fr(earlier) if earlier else None,
    )


def cancel_import(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """Abandon a draft batch: nothing was imported; its stored cells are dropped."""
    with transaction():
        batch = get_draft(process_id, batch_id, actor)
        batch.status = ImportStatus.CANCELLED
        batch.settled_at = utcnow()
        batch.cells = None
        audit.record(
            "imports:batch:cancel",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.DRAFT.value},
            after={"status": ImportStatus.CANCELLED.value},
        )
    return batch
