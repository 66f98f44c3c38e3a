"""A clustering run computed by the ``clustering.run`` task: claimed, its progress and heartbeat kept on its row,
the process's visible contributions and active decisions read, ``nlp`` called, every result stored in one
transaction at the end (a killed worker never leaves half a run)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

import nlp
from contrib import tasks
from contrib.core.errors import Conflict
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    DecisionKind,
    RunStatus,
    Theme,
)
from contrib.models.base import utcnow
from contrib.models.clustering import LABEL_MAX_LENGTH
from contrib.participation.contributions import visible_contributions
from nlp.layout import layout_2d

logger = logging.getLogger(__name__)

TASK_NAME = "clustering.run"
HEARTBEAT_EVERY_SECONDS = 20
RANDOM_STATE = 0


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
        with tasks.heartbeat(ClusteringRun.__table__, run_id, HEARTBEAT_EVERY_SECONDS):
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
        finish_failed(
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
    return tasks.claim_row(ClusteringRun, run_id)


def _progress(run_id: int, percent: int, message: str) -> None:
    tasks.report_row(ClusteringRun, run_id, percent, message)


def finish_failed(run_id: int, message: str) -> None:
    """Mark the run failed with a French ``message``, unless it already finished."""
    tasks.fail_row(ClusteringRun, run_id, message)


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
