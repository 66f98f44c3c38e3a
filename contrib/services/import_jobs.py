"""Confirming a large import on the task queue, with its progress shown while it runs.

Small sheets are confirmed in the request; large ones (``IMPORT_BACKGROUND_ROWS``) go to the queue.
The import itself stays one transaction (``imports.confirm_import``), so its progress lives in the
queue's storage rather than in the database, where the transaction would hide it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from contrib import tasks
from contrib.errors import Conflict, ContribError
from contrib.extensions import db
from contrib.models import User
from contrib.services.imports import check_confirmable, confirm_import

BACKGROUND_STALE_SECONDS = 15 * 60


@dataclass(frozen=True)
class ImportProgress:
    """Where a queued confirmation stands, in the shape the progress widget polls."""

    state: str  # queued, running, done, failed
    progress: int  # percent
    message: str

    @property
    def is_active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def status_label(self) -> str:
        return {"queued": "En attente", "running": "Import en cours", "done": "Terminé",
                "failed": "Échec"}[self.state]


def _progress_key(batch_id: int) -> str:
    return f"imports.confirm.{batch_id}"


def _put_progress(batch_id: int, state: str, progress: int, message: str) -> None:
    # huey's put() pickles the value; "at" lets a reader see that a worker died.
    tasks.put_state(_progress_key(batch_id), {"state": state, "progress": progress, "message": message,
                                              "at": time.time()})


def queue_confirmation(process_id: int, batch_id: int, *, actor: User) -> None:
    """Check that the draft can be confirmed, then confirm it on the task queue (see ``import_progress``)."""
    batch = check_confirmable(process_id, batch_id, actor=actor)
    current = import_progress(batch_id)
    if current is not None and current.is_active:
        raise Conflict("Cet import est déjà en cours.")
    _put_progress(batch.id, "queued", 0, f"{batch.n_rows} lignes à traiter.")
    tasks.enqueue("imports.confirm", process_id, batch_id, actor.id)


@tasks.task("imports.confirm")
def _confirm_queued(process_id: int, batch_id: int, actor_id: int) -> None:
    actor = db.session.get(User, actor_id)

    def report(done: int, total: int) -> None:
        _put_progress(batch_id, "running", round(100 * done / max(total, 1)), f"{done} / {total} contributions écrites.")

    _put_progress(batch_id, "running", 0, "Lecture des lignes.")
    try:
        result = confirm_import(process_id, batch_id, actor=actor, on_progress=report)
    except ContribError as error:
        _put_progress(batch_id, "failed", 0, f"{error.message} Rien n'a été importé.")
    except Exception:
        _put_progress(batch_id, "failed", 0, "Erreur inattendue : rien n'a été importé. Réessayez.")
        raise
    else:
        _put_progress(batch_id, "done", 100, f"{result.n_imported} contribution(s) importée(s) ; "
                                             f"{result.n_skipped} ligne(s) ignorée(s).")


def import_progress(batch_id: int) -> ImportProgress | None:
    """The queued confirmation of a batch, if any; a confirmation silent for too long is reported failed.

    The import is one transaction: a worker killed in the middle leaves the batch a draft and no row
    written, so "failed" is the truth and the facilitator can simply confirm again.
    """
    state = tasks.get_state(_progress_key(batch_id))
    if state is None:
        return None
    if state["state"] in ("queued", "running") and time.time() - state["at"] > BACKGROUND_STALE_SECONDS:
        return ImportProgress("failed", 0, "L'import s'est interrompu : rien n'a été importé. Relancez-le.")
    return ImportProgress(state["state"], state["progress"], state["message"])
