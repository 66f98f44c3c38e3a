"""Clustering runs: launched by a moderator, computed by the ``clustering.run`` task, stored whole.

A run reads the process's visible contributions, turns the active ``ClusteringDecision`` rows
into ``nlp.Constraints``, passes the previous run's assignment so cluster keys stay stable, and
stores every result in one transaction at the end, so a killed worker never leaves half a run. A
run whose heartbeat stops while "running" is marked failed the next time someone looks
(``list_runs``) or launches a run.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

import nlp
from contrib import tasks
from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    DecisionKind,
    Process,
    RunStatus,
    Theme,
    User,
)
from contrib.models.base import utcnow
from contrib.models.clustering import LABEL_MAX_LENGTH
from contrib.participation.contributions import visible_contributions
from nlp.layout import layout_2d

logger = logging.getLogger(__name__)

TASK_NAME = "clustering.run"
TARGET_TYPE = "clustering"  # audit target: the process whose clustering decisions change
STALE_AFTER = timedelta(minutes=5)
HEARTBEAT_EVERY_SECONDS = 20
MAX_CLUSTERS = 60
RANDOM_STATE = 0
STALE_MESSAGE = (
    "Le regroupement s'est interrompu (le processus de calcul ne répond plus depuis plus de 5 minutes). Relancez-le."
)


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
    with transaction():
        failed = db.session.execute(
            db.update(ClusteringRun)
            .where(
                ClusteringRun.process_id == process_id,
                ClusteringRun.status == RunStatus.RUNNING,
                ClusteringRun.heartbeat_at < utcnow() - STALE_AFTER,
            )
            .values(status=RunStatus.FAILED, progress_message=STALE_MESSAGE, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
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
                progress_message="En attente d'un processus de calcul…",
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
        _finish_failed(run.id, "La file de tâches est indisponible : le regroupement n'a pas pu être lancé.")
        raise Conflict(
            "La file de tâches est indisponible : le regroupement n'a pas pu être lancé. Réessayez dans un instant."
        ) from error
    return run


ALREADY_RUNNING = (
    "Un regroupement de cette démarche est déjà en attente ou en cours : "
    "attendez qu'il se termine avant d'en lancer un autre."
)


@dataclass
class _Corpus:
    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    supports: dict[int, int] = field(default_factory=dict)


@tasks.task(TASK_NAME)
def execute_run(run_id: int) -> None:
    """Compute run ``run_id`` (queued) and store its results; a failure is stored on the run in French."""
    if not _claim(run_id):
        logger.info("clustering run %s is not queued any more; skipped", run_id)
        return
    try:
        run = db.session.get(ClusteringRun, run_id)
        _progress(run_id, 10, "Lecture des contributions…")
        corpus = _load_corpus(run.process_id)
        constraints = _constraints(run.process_id, set(corpus.ids))
        previous = assignment_of(run.previous_run_id) if run.previous_run_id else {}
        _progress(run_id, 25, f"Regroupement de {len(corpus.ids)} contributions…")
        with _heartbeat(run_id):
            result = nlp.cluster_contributions(
                corpus.ids,
                corpus.texts,
                themes=corpus.themes,
                n_clusters=run.parameters.get("n_clusters"),
                constraints=constraints,
                previous=previous,
                random_state=run.parameters.get("random_state", 0),
            )
        positions = _map_positions(corpus.ids, result)
        _progress(run_id, 90, "Enregistrement des résultats…")
        _store(run_id, corpus, result, positions, previous)
    except Exception:
        db.session.rollback()
        logger.exception("clustering run %s failed", run_id)
        _finish_failed(
            run_id,
            "Le regroupement a échoué à cause d'une erreur interne. Relancez-le ; "
            "si l'erreur revient, prévenez l'équipe technique.",
        )


def _map_positions(ids: list[int], result: nlp.ClusteringResult) -> dict[int, tuple[float, float]]:
    """Map position of each clustered contribution, from the clusterer's own 2-D coordinates
    (excluded contributions were not clustered and are not on the map)."""
    placed = [id_ for id_ in ids if id_ in result.coordinates]
    points = layout_2d(
        [result.coordinates[id_] for id_ in placed],
        groups=[result.assignment.get(id_) for id_ in placed],
        random_state=RANDOM_STATE,
    )
    return {id_: (float(x), float(y)) for id_, (x, y) in zip(placed, points)}


def _claim(run_id: int) -> bool:
    with transaction():
        now = utcnow()
        return (
            db.session.execute(
                db.update(ClusteringRun)
                .where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.QUEUED)
                .values(
                    status=RunStatus.RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    progress=5,
                    progress_message="Démarrage…",
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def _progress(run_id: int, percent: int, message: str) -> None:
    with transaction():
        db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.RUNNING)
            .values(progress=percent, progress_message=message, heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def _finish_failed(run_id: int, message: str) -> None:
    with transaction():
        db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.id == run_id, ClusteringRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
            .values(status=RunStatus.FAILED, progress_message=message, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )


class _heartbeat:
    """While the computation runs, a thread touches the run's heartbeat on its own connection."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.engine = db.engine
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def _beat(self) -> None:
        table = ClusteringRun.__table__
        while not self.stop.wait(HEARTBEAT_EVERY_SECONDS):
            with self.engine.begin() as connection:
                connection.execute(sa.update(table).where(table.c.id == self.run_id).values(heartbeat_at=utcnow()))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()


def _load_corpus(process_id: int) -> _Corpus:
    visible = visible_contributions(process_id).subquery()
    rows = db.session.execute(
        db.select(visible.c.id, visible.c.title, visible.c.text, visible.c.n_supports, Theme.name)
        .join(Theme, Theme.id == visible.c.theme_id)
        .order_by(visible.c.id)
    ).all()
    corpus = _Corpus()
    for id_, title, text, n_supports, theme in rows:
        corpus.ids.append(id_)
        corpus.texts.append(f"{title}. {text}" if title else text)
        corpus.themes.append(theme)
        corpus.supports[id_] = n_supports
    return corpus


def active_decisions(process_id: int, kinds: tuple[DecisionKind, ...] | None = None) -> list[ClusteringDecision]:
    """The process's active decisions, oldest first (optionally of some kinds only)."""
    statement = db.select(ClusteringDecision).where(
        ClusteringDecision.process_id == process_id, ClusteringDecision.is_active.is_(True)
    )
    if kinds:
        statement = statement.where(ClusteringDecision.kind.in_(kinds))
    return db.session.scalars(statement.order_by(ClusteringDecision.id)).all()


def _constraints(process_id: int, known: set[int]) -> nlp.Constraints:
    """Active decisions as nlp constraints, on the contributions being clustered only (hidden ones drop out)."""
    pinned, excluded, must, cannot = {}, set(), [], []
    for decision in active_decisions(process_id):
        one, other = decision.contribution_id, decision.other_contribution_id
        if decision.kind is DecisionKind.PIN and one in known:
            pinned[one] = decision.cluster_key
        elif decision.kind is DecisionKind.EXCLUDE and one in known:
            excluded.add(one)
        elif decision.kind is DecisionKind.MUST_LINK and one in known and other in known:
            must.append((one, other))
        elif decision.kind is DecisionKind.CANNOT_LINK and one in known and other in known:
            cannot.append((one, other))
    return nlp.Constraints(
        pinned=pinned, excluded=frozenset(excluded), must_link=tuple(must), cannot_link=tuple(cannot)
    )


def assignment_of(run_id: int) -> dict[int, str | None]:
    """``contribution id -> cluster key`` (None for outliers) of a run; excluded ones are left out."""
    rows = db.session.execute(
        db.select(ClusterMembership.contribution_id, Cluster.key)
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.is_excluded.is_(False))
    ).all()
    return dict(rows)


def _store(
    run_id: int, corpus: _Corpus, result: nlp.ClusteringResult, positions: dict[int, tuple[float, float]], previous
) -> None:
    """Everything of the run in one transaction, only if the run is still ours (not failed as stale)."""
    with transaction():
        claimed = db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.DONE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise Conflict("Ce regroupement a été marqué comme interrompu pendant son calcul.")
        clusters = []
        for found in result.clusters:
            cluster = Cluster(
                run_id=run_id,
                key=found.key,
                label=found.label[:LABEL_MAX_LENGTH],
                top_terms=list(found.top_terms),
                size=found.size,
                representative_ids=list(found.representative_ids),
                theme_mix=[list(pair) for pair in found.theme_mix],
                support_total=sum(corpus.supports[id_] for id_ in found.ids),
            )
            clusters.append(cluster)
        db.session.add_all(clusters)
        db.session.flush()
        cluster_id = {cluster.key: cluster.id for cluster in clusters}
        excluded = set(result.excluded)
        rows = []
        for id_ in corpus.ids:
            x, y = positions.get(id_, (None, None))
            rows.append(
                {
                    "run_id": run_id,
                    "contribution_id": id_,
                    "is_excluded": id_ in excluded,
                    "cluster_id": cluster_id.get(result.assignment.get(id_)),
                    "x": x,
                    "y": y,
                }
            )
        for start in range(0, len(rows), 2000):
            db.session.execute(sa.insert(ClusterMembership), rows[start : start + 2000])
        current = dict(result.assignment.items())
        run = db.session.get(ClusteringRun, run_id)
        run.scores = {
            "k_scores": [list(pair) for pair in result.k_scores],
            "stability": round(nlp.co_assignment_stability(previous, current), 4) if previous else None,
        }
        run.n_contributions = len(corpus.ids)
        run.n_clusters = result.n_clusters
        run.n_outliers = len(result.outliers)
        run.n_excluded = len(result.excluded)
        run.progress = 100
        run.progress_message = f"{run.n_clusters} regroupements trouvés parmi {run.n_contributions} contributions."
        run.finished_at = utcnow()
        run.heartbeat_at = run.finished_at
    logger.info("clustering run %s done: %s clusters, %s contributions", run_id, result.n_clusters, len(corpus.ids))


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
        "message": run.progress_message,
        "is_active": run.is_active,
    }
