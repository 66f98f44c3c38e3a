"""Confirming a large import on the task queue, with its progress shown while it runs.

Small sheets are confirmed in the request; large ones (``IMPORT_BACKGROUND_ROWS``) go to the queue.
The import itself stays one transaction (``confirmation.confirm_import``), so its progress lives in the
queue's storage rather than in the database, where the transaction would hide it.
"""

from __future__ import annotations

from flask import current_app

from contrib import tasks
from contrib.core.errors import Conflict, ContribError
from contrib.extensions import db
from contrib.facilitation import messages
from contrib.facilitation.confirmation import check_confirmable, confirm_import
from contrib.models import User

STALE_SECONDS = 15 * 60
STALE_MESSAGE = "L'import s'est interrompu : rien n'a été importé. Relancez-le."


def _key(batch_id: int) -> str:
    return f"imports.confirm.{batch_id}"


def queue_confirmation(process_id: int, batch_id: int, *, actor: User) -> None:
    """Check that the draft can be confirmed, then confirm it on the task queue (see ``import_progress``)."""
    batch = check_confirmable(process_id, batch_id, actor=actor)
    current = import_progress(batch_id)
    if current is not None and current.is_active:
        raise Conflict("Cet import est déjà en cours.")
    tasks.put_job(_key(batch.id), "queued", 0, f"{batch.n_rows} lignes à traiter.")
    tasks.enqueue("imports.confirm", process_id, batch_id, actor.id)


@tasks.task("imports.confirm")
def _confirm_queued(process_id: int, batch_id: int, actor_id: int) -> None:
    actor = db.session.get(User, actor_id)
    key = _key(batch_id)

    def report(done: int, total: int) -> None:
        tasks.put_job(key, "running", round(100 * done / max(total, 1)), f"{done} / {total} contributions écrites.")

    tasks.put_job(key, "running", 0, "Lecture des lignes.")
    try:
        result = confirm_import(
            process_id,
            batch_id,
            actor=actor,
            on_progress=report,
            chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
        )
    except ContribError as error:
        tasks.put_job(key, "failed", 0, f"{error.message} Rien n'a été importé.")
    except Exception:
        tasks.put_job(key, "failed", 0, "Erreur inattendue : rien n'a été importé. Réessayez.")
        raise
    else:
        tasks.put_job(
            key,
            "done",
            100,
            messages.imported(result.n_imported, result.n_skipped),
        )


def import_progress(batch_id: int) -> tasks.JobState | None:
    """The queued confirmation of a batch, if any.

    The import is one transaction: a worker killed in the middle leaves the batch a draft and no row
    written, so "failed" is the truth and the facilitator can simply confirm again.
    """
    return tasks.get_job(_key(batch_id), stale_after=STALE_SECONDS, stale_message=STALE_MESSAGE)
