"""Importing workshop sheets: upload → preview (editable) → confirm as one batch → undo as a whole.

Every row goes through the same text rules as online posting (``contrib.core.validation.clean_text``).
A row's fingerprint (folded text + theme + table) is unique per process among imported rows, so
importing the same file or the same rows again adds nothing; skipped rows are reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from contrib.core import audit, dates
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.french import count
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.facilitation.bulk import refresh_statistics_after
from contrib.facilitation.columns import (
    FIELD_LABELS,
    FIELDS,
    REQUIRED_FIELDS,
    guess_mapping,
)
from contrib.facilitation.rows import Preview, RowResult, evaluate_rows
from contrib.facilitation.sheets import read_sheet
from contrib.models import (
    Contribution,
    ContributionSource,
    ContributionStatus,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    Process,
    Role,
    User,
)
from contrib.models.base import utcnow
from contrib.participation import vectors
from contrib.processes.services import get_process

CHUNK_SIZE = 1000
UNDO_REASON = "import annulé"


def _check_can_import(process: Process, actor: User) -> None:
    if not process.is_open:
        raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
    if not actor.has_role(Role.FACILITATOR):
        raise NotAllowed("Seuls les animateurs peuvent importer des feuilles d'atelier.")


def start_import(process_id: int, data: bytes, filename: str, *, actor: User) -> ImportBatch:
    """Read an uploaded file and store it as a draft batch; nothing is imported yet.

    Raises NotFound, NotAllowed, or InvalidInput (French) for an unreadable or hostile file, in
    which case nothing is written.
    """
    with transaction():
        process = get_process(process_id)
        _check_can_import(process, actor)
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


def may_handle(user: User, batch: ImportBatch) -> bool:
    """A batch (its cells, mapping, confirmation, undo) belongs to its uploader, and to moderators and staff."""
    return user.has_role(Role.MODERATOR) or (user.has_role(Role.FACILITATOR) and batch.created_by_id == user.id)


def get_batch(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """Return a batch of this process that ``actor`` may handle; raise NotFound otherwise.

    Someone else's batch is "not found" rather than forbidden: its existence is not theirs to know.
    """
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.process_id != process_id or not may_handle(actor, batch):
        raise NotFound("Import introuvable.")
    return batch


def list_batches(process_id: int, *, viewer: User, limit: int = 50) -> list[ImportBatch]:
    """The process's latest batches that ``viewer`` may handle, newest first."""
    statement = db.select(ImportBatch).where(ImportBatch.process_id == process_id)
    if not viewer.has_role(Role.MODERATOR):
        statement = statement.where(ImportBatch.created_by_id == viewer.id)
    return list(db.session.execute(statement.order_by(ImportBatch.id.desc()).limit(limit)).scalars())


def batch_contributions(batch: ImportBatch, *, page: int = 1, per_page: int = 100) -> list[Contribution]:
    """The contributions an import created, in the order of the sheet's lines (hidden ones too: the
    uploader checks their own import, and an undone import's contributions stay listed)."""
    return list(
        db.session.scalars(
            db.select(Contribution)
            .join(ImportedRow, ImportedRow.contribution_id == Contribution.id)
            .where(ImportedRow.batch_id == batch.id)
            .order_by(ImportedRow.line_number, Contribution.id)
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )


def update_mapping(
    process_id: int, batch_id: int, *, columns: dict[str, int | None], theme_choices: dict[str, int | None], actor: User
) -> ImportBatch:
    """Save the facilitator's column mapping and theme corrections on a draft batch."""
    with transaction():
        batch = _draft(process_id, batch_id, actor)
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


def _draft(process_id: int, batch_id: int, actor: User) -> ImportBatch:
    batch = get_batch(process_id, batch_id, actor=actor)
    if batch.status != ImportStatus.DRAFT:
        raise Conflict(f"Cet import est déjà traité (statut : {batch.status.label}).")
    return batch


def preview(process_id: int, batch_id: int, *, actor: User) -> Preview:
    """Compute, without writing anything, what confirming the draft batch would import."""
    batch = _draft(process_id, batch_id, actor)
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


@dataclass(frozen=True)
class ImportResult:
    n_imported: int
    n_skipped: int


def check_confirmable(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """The draft batch, if ``actor`` may confirm it now (the checks ``confirm_import`` starts with)."""
    process = get_process(process_id)
    _check_can_import(process, actor)
    return _draft(process_id, batch_id, actor)


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
        _check_can_import(process, actor)
        batch = _draft(process_id, batch_id, actor)
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


def cancel_import(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """Abandon a draft batch: nothing was imported; its stored cells are dropped."""
    with transaction():
        batch = _draft(process_id, batch_id, actor)
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


def undo_import(process_id: int, batch_id: int, *, actor: User) -> int:
    """Hide every contribution of a confirmed batch (never delete); return how many were hidden.

    Allowed to the facilitator who imported the batch and to moderators (NotFound otherwise).

    Refused as a whole (Conflict naming them) when moderators already used some of them: any
    contribution whose status is no longer "published". Contributions already hidden stay as they
    are. The batch's fingerprints are cleared so the sheet can be imported again.
    """
    with transaction():
        process = get_process(process_id)
        _check_can_import(process, actor)
        batch = get_batch(process_id, batch_id, actor=actor)
        if batch.status != ImportStatus.CONFIRMED:
            raise Conflict(f"Seul un import effectué peut être annulé (statut : {batch.status.label}).")
        contributions = db.session.execute(
            db.select(Contribution.id, Contribution.status, Contribution.hidden_at)
            .join(ImportedRow, ImportedRow.contribution_id == Contribution.id)
            .where(ImportedRow.batch_id == batch.id)
        ).all()
        moved = [row for row in contributions if row.status != ContributionStatus.PUBLISHED]
        if moved:
            named = ", ".join(f"n° {row.id} ({row.status.label.lower()})" for row in moved[:20])
            more = f" et {len(moved) - 20} autres" if len(moved) > 20 else ""
            raise Conflict(
                "Annulation impossible : la modération a déjà utilisé "
                f"{count(len(moved), 'contribution')} de cet import : {named}{more}. "
                "Rien n'a été masqué."
            )
        to_hide = [row.id for row in contributions if row.hidden_at is None]
        # The process row first, as a post does (see confirm_import); a shortfall below rolls it back.
        db.session.execute(
            db.update(Process)
            .where(Process.id == process.id)
            .values(n_contributions=Process.n_contributions - len(to_hide))
        )
        now = utcnow()
        n_hidden = 0
        for start in range(0, len(to_hide), CHUNK_SIZE):
            chunk = to_hide[start : start + CHUNK_SIZE]
            n_hidden += db.session.execute(
                db.update(Contribution)
                .where(
                    Contribution.id.in_(chunk),
                    Contribution.status == ContributionStatus.PUBLISHED,
                    Contribution.hidden_at.is_(None),
                )
                .values(
                    hidden_at=now,
                    hidden_by_id=actor.id,
                    hidden_reason=UNDO_REASON,
                    version=Contribution.version + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
        if n_hidden != len(to_hide):
            raise Conflict(
                "Des contributions de cet import viennent d'être modifiées. Rechargez la page et recommencez."
            )
        db.session.execute(db.update(ImportedRow).where(ImportedRow.batch_id == batch.id).values(fingerprint=None))
        batch.status = ImportStatus.UNDONE
        batch.undone_at = now
        batch.undone_by_id = actor.id
        audit.record(
            "imports:batch:undo",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.CONFIRMED.value},
            after={"status": ImportStatus.UNDONE.value, "n_hidden": n_hidden, "contribution_ids": to_hide},
        )
    db.session.expire_all()
    return n_hidden
