"""Import batches: who may handle one, finding and listing them, and the contributions one created."""

from __future__ import annotations

from contrib.core.errors import Conflict, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import Contribution, ImportBatch, ImportedRow, ImportStatus, Process, Role, User


def check_can_import(process: Process, actor: User) -> None:
    """Raise NotAllowed (French) unless ``actor`` may import into ``process`` now: open, and a facilitator."""
    if not process.is_open:
        raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
    if not actor.has_role(Role.FACILITATOR):
        raise NotAllowed("Seuls les animateurs peuvent importer des feuilles d'atelier.")


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


def get_draft(process_id: int, batch_id: int, actor: User) -> ImportBatch:
    """The batch as ``get_batch`` finds it, if still a draft; raise Conflict (French) once it is settled."""
    batch = get_batch(process_id, batch_id, actor=actor)
    if batch.status != ImportStatus.DRAFT:
        raise Conflict(f"Cet import est déjà traité (statut : {batch.status.label}).")
    return batch
