"""Undoing a confirmed import: its contributions are hidden as a whole (never deleted), or nothing is."""

from __future__ import annotations

from contrib.core import audit
from contrib.core.errors import Conflict
from contrib.core.french import count
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.facilitation.batches import check_can_import, get_batch
from contrib.facilitation.confirmation import CHUNK_SIZE
from contrib.models import Contribution, ContributionStatus, ImportedRow, ImportStatus, Process, User
from contrib.models.base import utcnow
from contrib.processes.services import get_process

UNDO_REASON = "import annulé"


def undo_import(process_id: int, batch_id: int, *, actor: User) -> int:
    """Hide every contribution of a confirmed batch (never delete); return how many were hidden.

    Allowed to the facilitator who imported the batch and to moderators (NotFound otherwise).

    Refused as a whole (Conflict naming them) when moderators already used some of them: any
    contribution whose status is no longer "published". Contributions already hidden stay as they
    are. The batch's fingerprints are cleared so the sheet can be imported again.
    """
    with transaction():
        process = get_process(process_id)
        check_can_import(process, actor)
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
