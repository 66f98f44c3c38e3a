"""Background tasks on a huey queue: SQLite by default (no server to run), Redis in production.

A service declares a task with ``@tasks.task("area.name")`` on a plain function of JSON-able
arguments and starts it with ``tasks.enqueue("area.name", ...)``. The queue comes from the app's
``TASK_QUEUE`` setting (``CONTRIB_TASK_QUEUE``); ``flask worker`` runs the consumer, which creates
the app once and runs every task inside an app context, with a session of its own.

Where a job's progress lives: a job that leaves a record (a clustering run, a plaidoyer PDF) keeps its
status and progress on that row, next to its results, with a ``heartbeat`` while it computes; a job
that must stay one database transaction (an import, an assistant answer) cannot show progress in a
row, which the transaction would hide (and on SQLite a second writer would wait for it), so it reports
through ``put_job`` in the queue's own storage (its file, or Redis: shared by every host). Both reach
the page in the ``JobState`` shape that one widget polls (``static/js/progress.js``).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

from contrib.core import audit
from contrib.core.dates import as_utc
from contrib.models.base import utcnow

logger = logging.getLogger(__name__)

_tasks: dict[str, Callable] = {}


def task(name: str):
    """Declare ``function`` as the background task ``name``; the function stays callable directly."""

    def decorator(function: Callable) -> Callable:
        _tasks[name] = function
        return function

    return decorator


def queue_from_url(url: str) -> Huey:
    """The huey instance a ``sqlite:///path`` or ``redis://…`` URL names; ValueError on anything else."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return _open_sqlite_queue(path)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("contrib", url=url, results=False)
    raise ValueError(f"CONTRIB_TASK_QUEUE must start with sqlite:/// or redis://, got {url!r}")


# How long processes starting together (gunicorn's workers, the queue worker) may retry opening the queue file.
SQLITE_QUEUE_OPEN_SECONDS = 30


def _open_sqlite_queue(path: Path) -> SqliteHuey:
    """Open the SQLite queue, retrying while another process holds the file.

    Each opener switches the file to WAL mode, which needs an exclusive lock. When two processes do so at
    the same moment, SQLite refuses one of them at once ("database is locked") rather than waiting its
    busy timeout, since waiting could deadlock: several workers starting on a fresh install would crash.
    """
    deadline = time.monotonic() + SQLITE_QUEUE_OPEN_SECONDS
    while True:
        try:
            return SqliteHuey("contrib", filename=str(path), results=False)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.01, 0.1))


def init_app(app: Flask) -> None:
    app.extensions["tasks"] = TaskQueue(queue_from_url(app.config["TASK_QUEUE"]))
    app.cli.add_command(worker)
    app.add_template_filter(row_message, "job_message")


# Shown instead of a waiting job's own message once no worker has claimed it for JOB_NOT_STARTED_SECONDS: with
# no worker running, "En attente…" would otherwise stay on the page forever.
# What a queued job says until a worker takes it, in the words of the person waiting (it said « En attente d'un
# processus de calcul… », which only a developer reads).
WAITING_MESSAGE = "En attente : le calcul va commencer…"
NOT_STARTED_MESSAGE = (
    "Le traitement n'a pas encore commencé : le service de traitement semble arrêté. Prévenez l'équipe "
    "technique ; la demande reste en file et partira dès son redémarrage."
)


def not_started_after() -> timedelta:
    """How long a job may wait for a worker before its page says the processing service looks stopped."""
    return timedelta(seconds=current_app.config["JOB_NOT_STARTED_SECONDS"])


class TaskQueue:
    """One app's huey instance and the declared tasks registered on it, each run in an app context."""

    def __init__(self, huey: Huey):
        self.huey = huey
        self._wrappers: dict = {}

    def wrapper(self, app: Flask, name: str):
        if name not in self._wrappers:
            function = _tasks[name]

            def run(*args, queued_for: str | None = None):
                with app.app_context(), audit.acting_for(queued_for):
                    return function(*args)

            # huey keys tasks by module and name: one fixed module keeps a task's key when its code moves,
            # so tasks queued before a deploy that moved it are still found.
            run.__module__ = __name__
            self._wrappers[name] = self.huey.task(name=name)(run)
        return self._wrappers[name]

    def register_all(self, app: Flask) -> Huey:
        for name in _tasks:
            self.wrapper(app, name)
        return self.huey


def queue(app: Flask | None = None) -> Huey:
    """The app's huey instance, with every declared task registered on it."""
    app = app or current_app._get_current_object()
    return app.extensions["tasks"].register_all(app)


def enqueue(name: str, *args) -> None:
    """Put task ``name`` on the queue; raises huey's errors when the queue is unreachable."""
    app = current_app._get_current_object()
    # The acts the task records carry the address of whoever queued it.
    app.extensions["tasks"].wrapper(app, name)(*args, queued_for=audit.client_address())
    logger.info("task %s queued", name)  # not its arguments: a mail's carry addresses and reset links


@dataclass(frozen=True)
class JobState:
    """Where a queued job stands, in the shape the progress widget polls (``static/js/progress.js``)."""

    state: str  # queued, running, done, failed
    progress: int  # percent
    message: str
    result: Any = None

    LABELS = {"queued": "En attente", "running": "En cours", "done": "Terminé", "failed": "Échec"}

    @property
    def is_active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def status_label(self) -> str:
        return self.LABELS[self.state]

    def as_json(self) -> dict:
        return {
            "is_active": self.is_active,
            "progress": self.progress,
            "status_label": self.status_label,
            "message": self.message,
        }


def put_job(key: str, state: str, progress: int, message: str, result: Any = None) -> None:
    """Record a job's progress; ``at`` lets readers notice a worker that died."""
    put_state(key, {"state": state, "progress": progress, "message": message, "result": result, "at": time.time()})


def get_job(key: str, *, stale_after: float, stale_message: str) -> JobState | None:
    """The job's progress; an active job silent for ``stale_after`` seconds is recorded and reported failed
    (its worker died: the failure stays, so the job can be started again)."""
    stored = get_state(key)
    if stored is None:
        return None
    waited = time.time() - stored["at"]
    if stored["state"] in ("queued", "running") and waited > stale_after:
        put_job(key, "failed", 0, stale_message)
        return JobState("failed", 0, stale_message)
    if stored["state"] == "queued" and waited > not_started_after().total_seconds():
        return JobState("queued", stored["progress"], NOT_STARTED_MESSAGE)
    return JobState(stored["state"], stored["progress"], stored["message"], stored.get("result"))


def put_state(key: str, state: dict) -> None:
    """Store a task's progress under ``key`` in the queue's own storage.

    For work that must stay one database transaction (an import), progress cannot be a row: the
    transaction would hide it, and on SQLite a second writer would wait for it. The queue's storage
    is another file (or Redis), visible to every web worker at once.
    """
    queue().put(key, state)


def get_state(key: str) -> dict | None:
    """The progress stored under ``key``, left in place for the next reader."""
    return queue().get(key, peek=True)


class heartbeat:
    """While a long computation runs, a thread touches ``heartbeat_at`` of row ``row_id`` of ``table`` every
    ``every_seconds`` on its own connection, so readers can tell a job still working from one whose worker died
    (a job that keeps its progress on its row: a clustering run, a plaidoyer PDF)."""

    def __init__(self, table: sa.Table, row_id: int, every_seconds: float):
        from contrib.extensions import db

        self.table, self.row_id, self.every_seconds = table, row_id, every_seconds
        self.engine = db.engine
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{table.name}-{row_id}", daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(self.every_seconds):
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(self.table).where(self.table.c.id == self.row_id).values(heartbeat_at=utcnow())
                )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()


# A job that keeps its progress on its row (a clustering run, a plaidoyer PDF): the row's model has ``status``
# (RunStatus), ``progress``, ``progress_message``, ``started_at``, ``heartbeat_at`` and ``finished_at``. Each
# function below is one transaction and writes only when the row is in the state it expects.


def row_message(row) -> str:
    """The message to show for a job row: its own, or NOT_STARTED_MESSAGE when it is still queued after
    ``not_started_after()`` (no worker claimed it). Also the ``job_message`` template filter."""
    from contrib.models import RunStatus

    if row.status is RunStatus.QUEUED and as_utc(row.created_at) < utcnow() - not_started_after():
        return NOT_STARTED_MESSAGE
    return row.progress_message


def claim_row(model, row_id: int) -> bool:
    """Move a queued row to "running" (progress 5 %); False when another worker took it or it was cancelled."""
    from contrib.core.transaction import transaction
    from contrib.extensions import db
    from contrib.models import RunStatus

    with transaction():
        now = utcnow()
        claimed = db.session.execute(
            db.update(model)
            .where(model.id == row_id, model.status == RunStatus.QUEUED)
            .values(
                status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=5, progress_message="Démarrage…"
            )
            .execution_options(synchronize_session=False)
        )
        return claimed.rowcount == 1


def report_row(model, row_id: int, percent: int, message: str) -> None:
    """The running row's progress, with a heartbeat."""
    from contrib.core.transaction import transaction
    from contrib.extensions import db
    from contrib.models import RunStatus

    with transaction():
        db.session.execute(
            db.update(model)
            .where(model.id == row_id, model.status == RunStatus.RUNNING)
            .values(progress=percent, progress_message=message, heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def fail_row(model, row_id: int, message: str, **values) -> None:
    """Mark the row failed with a French ``message`` (and ``values``), unless it already finished."""
    from contrib.core.transaction import transaction
    from contrib.extensions import db
    from contrib.models import RunStatus

    with transaction():
        db.session.execute(
            db.update(model)
            .where(model.id == row_id, model.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
            .values(status=RunStatus.FAILED, progress_message=message, finished_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )


def fail_stale_rows(model, scope, stale_after, message: str) -> int:
    """Mark failed the "running" rows matching ``scope`` whose heartbeat is older than ``stale_after`` (their
    worker died); returns how many."""
    from contrib.core.transaction import transaction
    from contrib.extensions import db
    from contrib.models import RunStatus

    with transaction():
        return db.session.execute(
            db.update(model)
            .where(scope, model.status == RunStatus.RUNNING, model.heartbeat_at < utcnow() - stale_after)
            .values(status=RunStatus.FAILED, progress_message=message, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount


def create_consumer(app: Flask, *, workers: int = 2, max_delay: float = 2.0):
    """A huey consumer for ``app`` running ``workers`` threads (polling at most every ``max_delay`` s)."""
    return queue(app).create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=max_delay)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 8), help="Threads running tasks.")
def worker(workers):
    """Run the background task consumer (clustering runs...) until interrupted."""
    logging.basicConfig(level=logging.INFO)
    app = current_app._get_current_object()
    click.echo(f"File de tâches : {app.config['TASK_QUEUE']} ({workers} fils d'exécution)")
    create_consumer(app, workers=workers).run()
