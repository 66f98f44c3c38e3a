"""Clustering runs: launched by a moderator, computed by the ``clustering.run`` task, stored whole.

A run reads the process's visible contributions, turns the active ``ClusteringDecision`` rows
into ``nlp.Constraints``, passes the previous run's assignment so cluster keys stay stable, and
stores every result in one transaction at the end, so a killed worker never leaves half a run. A
run whose heartbeat stops while "running" is marked failed the next time someone looks
(``list_runs``) or launches a run.

This module launches runs and reports on them; ``computation.py`` is the task that computes one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from contrib import tasks
from contrib.clustering.computation import RANDOM_STATE, TASK_NAME, finish_failed
from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    ClusteringRun,
    Process,
    RunStatus,
    User,
)

logger = logging.getLogger(__name__)

TARGET_TYPE = "clustering"  # audit target: the process whose clustering decisions change
STALE_AFTER = timedelta(minutes=5)
MAX_CLUSTERS = 60
STALE_MESSAGE = "Le regroupement s'est interrompu : le calcul ne répond plus depuis plus de 5 minutes. Relancez-le."


# --- permissions and lookups -------------------------------------------------------------------


require_moderator = moderator_guard("regrouper les contributions")


def get_run(process_id: int, run_id: int) -> ClusteringRun:
    """The run ``run_id`` of the process; NotFound otherwise."""
    run = db.session.get(ClusteringRun, run_id)
    if run is None or run.process_id != process_id:
        raise NotFound("Regroupement introuvable.")
    return run


def latest_done_run(process_id: int) -> ClusteringRun | None:
    """The most recent finished run of the process, or None."""
    return db.session.scalars(
        db.select(ClusteringRun)
        .where(ClusteringRun.process_id == process_id, ClusteringRun.status == RunStatus.DONE)
        .order_by(ClusteringRun.id.desc())
        .limit(1)
    ).first()


def active_run(process_id: int) -> ClusteringRun | None:
    return db.session.scalars(
        db.select(ClusteringRun).where(
            ClusteringRun.process_id == process_id, ClusteringRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])
        )
    ).first()


# --- launching and running -----------------------------------------------------------------------


def fail_stale_runs(process_id: int) -> int:
    """Mark failed the process's "running" runs whose heartbeat is older than STALE_AFTER; returns how many."""
    failed = tasks.fail_stale_rows(ClusteringRun, ClusteringRun.process_id == process_id, STALE_AFTER, STALE_MESSAGE)
    if failed:
        logger.warning("marked %s stale clustering run(s) of process %s as failed", failed, process_id)
    return failed


def list_runs(process_id: int) -> list[ClusteringRun]:
    """The process's runs, newest first, after failing the stale ones."""
    fail_stale_runs(process_id)
    return db.session.scalars(
        db.select(ClusteringRun).where(ClusteringRun.process_id == process_id).order_by(ClusteringRun.id.desc())
    ).all()


def launch_run(process_id: int, *, actor: User, n_clusters: int | None = None) -> ClusteringRun:
    """Queue a clustering run of the process; Conflict while another one is queued or running."""
    require_moderator(actor)
    if n_clusters is not None and not 2 <= n_clusters <= MAX_CLUSTERS:
        raise InvalidInput(
            f"Le nombre de regroupements doit être compris entre 2 et {MAX_CLUSTERS}.", field="n_clusters"
        )
    if db.session.get(Process, process_id) is None:
        raise NotFound("Démarche introuvable.")
    fail_stale_runs(process_id)
    try:
        with transaction():
            if active_run(process_id) is not None:
                raise Conflict(ALREADY_RUNNING)
            previous = latest_done_run(process_id)
            run = ClusteringRun(
                process_id=process_id,
                created_by_id=actor.id,
                previous_run_id=previous.id if previous else None,
                parameters={"n_clusters": n_clusters, "random_state": RANDOM_STATE},
                scores={},
                progress_message=tasks.WAITING_MESSAGE,
            )
            db.session.add(run)
            db.session.flush()
            audit.record(
                "clustering:run:launch",
                actor=actor,
                target_type=TARGET_TYPE,
                target_id=process_id,
                after={"run_id": run.id, "n_clusters": n_clusters},
            )
    except sa.exc.IntegrityError as error:
        # Two launches at the same instant: the partial unique index lets only one through.
        raise Conflict(ALREADY_RUNNING) from error
    try:
        tasks.enqueue(TASK_NAME, run.id)
    except Exception as error:
        logger.exception("could not queue clustering run %s", run.id)
        finish_failed(run.id, "La file de tâches est indisponible : le regroupement n'a pas pu être lancé.")
        raise Conflict(
            "La file de tâches est indisponible : le regroupement n'a pas pu être lancé. Réessayez dans un instant."
        ) from error
    return run


ALREADY_RUNNING = (
    "Un regroupement de cette démarche est déjà en attente ou en cours : "
    "attendez qu'il se termine avant d'en lancer un autre."
)


def run_status(process_id: int, run_id: int) -> dict[str, Any]:
    """What the progress poller needs: status, French label, progress and message."""
    fail_stale_runs(process_id)
    run = get_run(process_id, run_id)
    db.session.refresh(run)
    return {
        "id": run.id,
        "status": run.status.value,
        "status_label": run.status.label,
        "progress": run.progress,
        "message": tasks.row_message(run),
        "is_active": run.is_active,
    }
