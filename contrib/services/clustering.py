"""Clustering runs on the task queue, browsing their results, and moderators' adjustments.

A run is launched by a moderator (``launch_run``) and computed by the ``clustering.run`` task
(``execute_run``): it reads the process's visible contributions, turns the active
``ClusteringDecision`` rows into ``nlp.Constraints``, passes the previous run's assignment so
cluster keys stay stable, and stores every result in one transaction at the end, so a killed
worker never leaves half a run. A run whose heartbeat stops while "running" is marked failed
the next time someone looks (``list_runs``) or launches a run.

Adjustments (rename, move, pin, exclude, merge, split) change the latest run's memberships at
once and are stored as decisions the next run respects. Each is audited with the memberships and
active decisions before and after; undo and redo swap them back on the latest run.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

import nlp
from contrib import tasks
from contrib.errors import Conflict, InvalidInput, NotFound
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    Contribution,
    DecisionKind,
    Process,
    Role,
    RunStatus,
    Theme,
    User,
)
from contrib.models.base import utcnow
from contrib.models.clustering import LABEL_MAX_LENGTH
from contrib.permissions import require_role
from contrib.services import audit, undo
from contrib.services.contributions import visible_contributions
from contrib.services.transaction import transaction
from contrib.validation import clean_text
from nlp.layout import layout_2d

logger = logging.getLogger(__name__)

TASK_NAME = "clustering.run"
TARGET_TYPE = "clustering"  # audit target: the process whose clustering decisions change
STALE_AFTER = timedelta(minutes=5)
HEARTBEAT_EVERY_SECONDS = 20
MAX_CLUSTERS = 60
RANDOM_STATE = 0
STALE_MESSAGE = ("Le regroupement s'est interrompu (le processus de calcul ne répond plus depuis plus de "
                 "5 minutes). Relancez-le.")


# --- permissions and lookups -------------------------------------------------------------------

def _moderator(user: User) -> None:
    require_role(user, Role.MODERATOR, "Seuls les modérateurs peuvent regrouper les contributions.")


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
        .order_by(ClusteringRun.id.desc()).limit(1)
    ).first()


def _active_run(process_id: int) -> ClusteringRun | None:
    return db.session.scalars(
        db.select(ClusteringRun).where(ClusteringRun.process_id == process_id,
                                       ClusteringRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
    ).first()


# --- launching and running -----------------------------------------------------------------------

def fail_stale_runs(process_id: int) -> int:
    """Mark failed the process's "running" runs whose heartbeat is older than STALE_AFTER; returns how many."""
    with transaction():
        failed = db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.process_id == process_id, ClusteringRun.status == RunStatus.RUNNING,
                   ClusteringRun.heartbeat_at < utcnow() - STALE_AFTER)
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
    _moderator(actor)
    if n_clusters is not None and not 2 <= n_clusters <= MAX_CLUSTERS:
        raise InvalidInput(f"Le nombre de regroupements doit être compris entre 2 et {MAX_CLUSTERS}.",
                           field="n_clusters")
    if db.session.get(Process, process_id) is None:
        raise NotFound("Démarche introuvable.")
    fail_stale_runs(process_id)
    try:
        with transaction():
            if _active_run(process_id) is not None:
                raise Conflict(ALREADY_RUNNING)
            previous = latest_done_run(process_id)
            run = ClusteringRun(process_id=process_id, created_by_id=actor.id,
                                previous_run_id=previous.id if previous else None,
                                parameters={"n_clusters": n_clusters, "random_state": RANDOM_STATE},
                                scores={}, progress_message="En attente d'un processus de calcul…")
            db.session.add(run)
            db.session.flush()
            audit.record("clustering:run:launch", actor=actor, target_type=TARGET_TYPE, target_id=process_id,
                         after={"run_id": run.id, "n_clusters": n_clusters})
    except sa.exc.IntegrityError as error:
        # Two launches at the same instant: the partial unique index lets only one through.
        raise Conflict(ALREADY_RUNNING) from error
    try:
        tasks.enqueue(TASK_NAME, run.id)
    except Exception as error:
        logger.exception("could not queue clustering run %s", run.id)
        _finish_failed(run.id, "La file de tâches est indisponible : le regroupement n'a pas pu être lancé.")
        raise Conflict("La file de tâches est indisponible : le regroupement n'a pas pu être lancé. "
                       "Réessayez dans un instant.") from error
    return run


ALREADY_RUNNING = ("Un regroupement de cette démarche est déjà en attente ou en cours : "
                   "attendez qu'il se termine avant d'en lancer un autre.")


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
        previous = _assignment(run.previous_run_id) if run.previous_run_id else {}
        _progress(run_id, 25, f"Regroupement de {len(corpus.ids)} contributions…")
        with _heartbeat(run_id):
            result = nlp.cluster_contributions(
                corpus.ids, corpus.texts, themes=corpus.themes, n_clusters=run.parameters.get("n_clusters"),
                constraints=constraints, previous=previous, random_state=run.parameters.get("random_state", 0))
        positions = _map_positions(corpus.ids, result)
        _progress(run_id, 90, "Enregistrement des résultats…")
        _store(run_id, corpus, result, positions, previous)
    except Exception:
        db.session.rollback()
        logger.exception("clustering run %s failed", run_id)
        _finish_failed(run_id, "Le regroupement a échoué à cause d'une erreur interne. Relancez-le ; "
                               "si l'erreur revient, prévenez l'équipe technique.")


def _map_positions(ids: list[int], result: nlp.ClusteringResult) -> dict[int, tuple[float, float]]:
    """Map position of each clustered contribution, from the clusterer's own 2-D coordinates
    (excluded contributions were not clustered and are not on the map)."""
    placed = [id_ for id_ in ids if id_ in result.coordinates]
    points = layout_2d([result.coordinates[id_] for id_ in placed],
                       groups=[result.assignment.get(id_) for id_ in placed], random_state=RANDOM_STATE)
    return {id_: (float(x), float(y)) for id_, (x, y) in zip(placed, points)}


def _claim(run_id: int) -> bool:
    with transaction():
        now = utcnow()
        return db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.QUEUED)
            .values(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=5,
                    progress_message="Démarrage…")
            .execution_options(synchronize_session=False)
        ).rowcount == 1


def _progress(run_id: int, percent: int, message: str) -> None:
    with transaction():
        db.session.execute(
            db.update(ClusteringRun).where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.RUNNING)
            .values(progress=percent, progress_message=message, heartbeat_at=utcnow())
            .execution_options(synchronize_session=False))


def _finish_failed(run_id: int, message: str) -> None:
    with transaction():
        db.session.execute(
            db.update(ClusteringRun)
            .where(ClusteringRun.id == run_id, ClusteringRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
            .values(status=RunStatus.FAILED, progress_message=message, finished_at=utcnow())
            .execution_options(synchronize_session=False))


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
                connection.execute(sa.update(table).where(table.c.id == self.run_id)
                                   .values(heartbeat_at=utcnow()))

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
        .join(Theme, Theme.id == visible.c.theme_id).order_by(visible.c.id)
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
    statement = db.select(ClusteringDecision).where(ClusteringDecision.process_id == process_id,
                                                    ClusteringDecision.is_active.is_(True))
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
    return nlp.Constraints(pinned=pinned, excluded=frozenset(excluded), must_link=tuple(must),
                           cannot_link=tuple(cannot))


def _assignment(run_id: int) -> dict[int, str | None]:
    """``contribution id -> cluster key`` (None for outliers) of a run; excluded ones are left out."""
    rows = db.session.execute(
        db.select(ClusterMembership.contribution_id, Cluster.key)
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.is_excluded.is_(False))
    ).all()
    return dict(rows)


def _store(run_id: int, corpus: _Corpus, result: nlp.ClusteringResult, positions: dict[int, tuple[float, float]],
           previous) -> None:
    """Everything of the run in one transaction, only if the run is still ours (not failed as stale)."""
    with transaction():
        claimed = db.session.execute(
            db.update(ClusteringRun).where(ClusteringRun.id == run_id, ClusteringRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.DONE).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise Conflict("Ce regroupement a été marqué comme interrompu pendant son calcul.")
        clusters = []
        for found in result.clusters:
            cluster = Cluster(run_id=run_id, key=found.key, label=found.label[:LABEL_MAX_LENGTH],
                              top_terms=list(found.top_terms), size=found.size,
                              representative_ids=list(found.representative_ids),
                              theme_mix=[list(pair) for pair in found.theme_mix],
                              support_total=sum(corpus.supports[id_] for id_ in found.ids))
            clusters.append(cluster)
        db.session.add_all(clusters)
        db.session.flush()
        cluster_id = {cluster.key: cluster.id for cluster in clusters}
        excluded = set(result.excluded)
        rows = []
        for id_ in corpus.ids:
            x, y = positions.get(id_, (None, None))
            rows.append({"run_id": run_id, "contribution_id": id_, "is_excluded": id_ in excluded,
                         "cluster_id": cluster_id.get(result.assignment.get(id_)), "x": x, "y": y})
        for start in range(0, len(rows), 2000):
            db.session.execute(sa.insert(ClusterMembership), rows[start:start + 2000])
        current = {id_: key for id_, key in result.assignment.items()}
        run = db.session.get(ClusteringRun, run_id)
        run.scores = {"k_scores": [list(pair) for pair in result.k_scores],
                      "stability": round(nlp.co_assignment_stability(previous, current), 4) if previous else None}
        run.n_contributions = len(corpus.ids)
        run.n_clusters = result.n_clusters
        run.n_outliers = len(result.outliers)
        run.n_excluded = len(result.excluded)
        run.progress = 100
        run.progress_message = (f"{run.n_clusters} regroupements trouvés parmi {run.n_contributions} contributions.")
        run.finished_at = utcnow()
        run.heartbeat_at = run.finished_at
    logger.info("clustering run %s done: %s clusters, %s contributions", run_id, result.n_clusters, len(corpus.ids))


def run_status(process_id: int, run_id: int) -> dict[str, Any]:
    """What the progress poller needs: status, French label, progress and message."""
    fail_stale_runs(process_id)
    run = get_run(process_id, run_id)
    db.session.refresh(run)
    return {"id": run.id, "status": run.status.value, "status_label": run.status.label,
            "progress": run.progress, "message": run.progress_message, "is_active": run.is_active}


# --- browsing ----------------------------------------------------------------------------------

def cluster_names(process_id: int) -> dict[str, str]:
    """``cluster key -> name`` given by moderators (active rename decisions)."""
    return {decision.cluster_key: decision.label
            for decision in active_decisions(process_id, (DecisionKind.RENAME,))}


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    name: str  # the moderator's name, else nlp's label
    is_renamed: bool
    representatives: list[Contribution]


def run_clusters(run: ClusteringRun, *, n_representatives: int = 3) -> list[ClusterView]:
    """The run's non-empty clusters, largest first, with names and representative contributions."""
    names = cluster_names(run.process_id)
    clusters = db.session.scalars(
        db.select(Cluster).where(Cluster.run_id == run.id, Cluster.size > 0)
        .order_by(Cluster.size.desc(), Cluster.key)).all()
    members = _members_by_cluster(run.id, [cluster.id for cluster in clusters])
    wanted = {}
    for cluster in clusters:
        present = members.get(cluster.id, [])
        chosen = [id_ for id_ in cluster.representative_ids if id_ in set(present)][:n_representatives]
        chosen += [id_ for id_ in present if id_ not in chosen][:n_representatives - len(chosen)]
        wanted[cluster.id] = chosen
    contributions = _contributions([id_ for ids in wanted.values() for id_ in ids])
    return [ClusterView(cluster, names.get(cluster.key) or cluster.label or cluster.key, cluster.key in names,
                        [contributions[id_] for id_ in wanted[cluster.id] if id_ in contributions])
            for cluster in clusters]


def _members_by_cluster(run_id: int, cluster_ids: list[int]) -> dict[int, list[int]]:
    rows = db.session.execute(
        db.select(ClusterMembership.cluster_id, ClusterMembership.contribution_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.cluster_id.in_(cluster_ids))
        .order_by(ClusterMembership.contribution_id)).all()
    members: dict[int, list[int]] = {}
    for cluster_id, contribution_id in rows:
        members.setdefault(cluster_id, []).append(contribution_id)
    return members


def _contributions(ids: list[int]) -> dict[int, Contribution]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids)))}


def get_cluster(run: ClusteringRun, key: str) -> Cluster:
    """The cluster ``key`` of the run; NotFound otherwise."""
    cluster = db.session.scalar(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key == key))
    if cluster is None:
        raise NotFound("Regroupement introuvable dans ce calcul.")
    return cluster


@dataclass(frozen=True)
class ClusterDetail:
    view: ClusterView
    contributions: list[Contribution]
    pinned_ids: set[int]
    other_clusters: list[ClusterView]


def cluster_detail(run: ClusteringRun, key: str) -> ClusterDetail:
    """A cluster with all its contributions (most supported first) and the run's other clusters."""
    cluster = get_cluster(run, key)
    views = run_clusters(run)
    view = next((v for v in views if v.cluster.id == cluster.id), None) or ClusterView(
        cluster, cluster_names(run.process_id).get(key) or cluster.label or key, False, [])
    contributions = db.session.scalars(
        db.select(Contribution).join(ClusterMembership, ClusterMembership.contribution_id == Contribution.id)
        .where(ClusterMembership.run_id == run.id, ClusterMembership.cluster_id == cluster.id)
        .order_by(Contribution.n_supports.desc(), Contribution.id)).all()
    pinned = {d.contribution_id for d in active_decisions(run.process_id, (DecisionKind.PIN,))
              if d.cluster_key == key}
    return ClusterDetail(view, contributions, pinned, [v for v in views if v.cluster.id != cluster.id])


MAP_SIZE = 600
MAP_MAX_POINTS = 3000
PALETTE = ("#1b6ac9", "#d1335b", "#2a9d3c", "#9b4dca", "#e07b00", "#00838f", "#795548", "#c2185b",
           "#5c6bc0", "#689f38", "#f57c00", "#455a64")
OUTLIER_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class MapPoint:
    cx: float
    cy: float
    colour: str
    title: str


@dataclass(frozen=True)
class LegendEntry:
    key: str
    name: str
    colour: str
    size: int
    centre: tuple[float, float] | None  # mean position in [0, 1] (x to the right, y downwards)


def map_view(run: ClusteringRun) -> tuple[list[MapPoint], list[LegendEntry], int]:
    """Points of the run's map (at most MAP_MAX_POINTS, evenly sampled), the legend, and the total count."""
    names = cluster_names(run.process_id)
    rows = db.session.execute(
        db.select(ClusterMembership.contribution_id, ClusterMembership.x, ClusterMembership.y, Cluster.key,
                  Cluster.label, Contribution.text)
        .join(Contribution, Contribution.id == ClusterMembership.contribution_id)
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run.id, ClusterMembership.is_excluded.is_(False))
        .order_by(ClusterMembership.contribution_id)).all()
    views = run_clusters(run, n_representatives=0)
    colour = {view.cluster.key: PALETTE[i % len(PALETTE)] for i, view in enumerate(views)}
    step = max(1, -(-len(rows) // MAP_MAX_POINTS))
    margin = 10
    span = MAP_SIZE - 2 * margin
    points, sums = [], {}
    for i, (id_, x, y, key, label, text) in enumerate(rows):
        total = sums.setdefault(key, [0, 0.0, 0.0])
        total[0] += 1
        total[1] += x or 0
        total[2] += y or 0
        if i % step:
            continue
        name = names.get(key) or label or "Hors regroupement"
        excerpt = text if len(text) <= 90 else text[:89] + "…"
        points.append(MapPoint(round(margin + (x or 0) * span, 1), round(margin + (y or 0) * span, 1),
                               colour.get(key, OUTLIER_COLOUR), f"n° {id_} — {name} : {excerpt}"))
    legend = [LegendEntry(view.cluster.key, view.name, colour[view.cluster.key], sums.get(view.cluster.key, [0])[0],
                          _centre(sums.get(view.cluster.key))) for view in views]
    if None in sums:
        legend.append(LegendEntry("", "Hors regroupement", OUTLIER_COLOUR, sums[None][0], _centre(sums[None])))
    return points, legend, len(rows)


def _centre(total) -> tuple[float, float] | None:
    return (round(total[1] / total[0], 2), round(total[2] / total[0], 2)) if total and total[0] else None


@dataclass(frozen=True)
class Comparison:
    previous: ClusteringRun | None
    stability: float | None
    kept: list[tuple[str, str, int, int]]  # key, name, size before, size now
    new: list[tuple[str, str, int]]
    vanished: list[tuple[str, str, int]]
    moved: list[tuple[Contribution, str, str]]  # contribution, from (name), to (name)
    n_moved: int


COMPARISON_MAX_MOVED = 200


def compare_with_previous(run: ClusteringRun) -> Comparison:
    """What changed since the run's previous run: matched clusters, new and vanished ones, moved contributions."""
    previous = db.session.get(ClusteringRun, run.previous_run_id) if run.previous_run_id else None
    if previous is None:
        return Comparison(None, None, [], [], [], [], 0)
    before, after = _assignment(previous.id), _assignment(run.id)
    names = cluster_names(run.process_id)
    label_before = {c.key: c.label for c in db.session.scalars(db.select(Cluster).where(Cluster.run_id == previous.id))}
    label_after = {c.key: c.label for c in db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id))}

    def name(key, labels):
        return "Hors regroupement" if key is None else names.get(key) or labels.get(key) or key

    size_before = Counter(key for key in before.values() if key is not None)
    size_after = Counter(key for key in after.values() if key is not None)
    kept = [(key, name(key, label_after), size_before[key], size_after[key])
            for key in sorted(size_after, key=_key_sort) if key in size_before]
    new = [(key, name(key, label_after), size_after[key]) for key in sorted(size_after, key=_key_sort)
           if key not in size_before]
    vanished = [(key, name(key, label_before), size_before[key]) for key in sorted(size_before, key=_key_sort)
                if key not in size_after]
    moved_ids = [id_ for id_ in sorted(after) if id_ in before and before[id_] != after[id_]]
    contributions = _contributions(moved_ids[:COMPARISON_MAX_MOVED])
    moved = [(contributions[id_], name(before[id_], label_before), name(after[id_], label_after))
             for id_ in moved_ids[:COMPARISON_MAX_MOVED] if id_ in contributions]
    stability = run.scores.get("stability")
    if stability is None:
        stability = round(nlp.co_assignment_stability(before, after), 4)
    return Comparison(previous, stability, kept, new, vanished, moved, len(moved_ids))


def _key_sort(key: str):
    digits = key[1:] if key.startswith("c") else ""
    return (0, int(digits), key) if digits.isdigit() else (1, 0, key)


# --- adjustments -------------------------------------------------------------------------------

Memberships = dict[int, tuple[str | None, bool]]  # contribution id -> (cluster key, excluded)


def _adjustable_run(process_id: int, run_id: int) -> ClusteringRun:
    run = get_run(process_id, run_id)
    latest = latest_done_run(process_id)
    if latest is None or latest.id != run.id:
        raise Conflict("Seul le dernier regroupement terminé peut être ajusté. Ouvrez le plus récent.")
    if _active_run(process_id) is not None:
        raise Conflict("Un regroupement est en cours de calcul : attendez qu'il se termine pour ajuster.")
    return run


def _memberships(run_id: int, ids) -> Memberships:
    rows = db.session.execute(
        db.select(ClusterMembership.contribution_id, Cluster.key, ClusterMembership.is_excluded)
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.contribution_id.in_(list(ids)))).all()
    return {id_: (key, bool(excluded)) for id_, key, excluded in rows}


def _cluster_for_key(run: ClusteringRun, key: str, template_run_id: int | None = None) -> Cluster:
    """The run's cluster ``key``, created (empty, named after the template run's) when missing."""
    cluster = db.session.scalar(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key == key))
    if cluster is None:
        template = None
        if template_run_id is not None:
            template = db.session.scalar(
                db.select(Cluster).where(Cluster.run_id == template_run_id, Cluster.key == key))
        cluster = Cluster(run_id=run.id, key=key, label=template.label if template else "",
                          top_terms=list(template.top_terms) if template else [], size=0,
                          representative_ids=[], theme_mix=[], support_total=0)
        db.session.add(cluster)
        db.session.flush()
    return cluster


def _apply_memberships(run: ClusteringRun, wanted: Memberships, *, template_run_id: int | None = None) -> None:
    """Set the memberships of ``run`` and refresh the figures of the clusters they touch."""
    current = _memberships(run.id, wanted)
    touched_keys = {key for key, _ in current.values() if key} | {key for key, _ in wanted.values() if key}
    for id_, (key, excluded) in wanted.items():
        if id_ not in current:
            continue  # not in this run (hidden before it ran): nothing to place
        cluster_id = _cluster_for_key(run, key, template_run_id).id if key else None
        db.session.execute(
            db.update(ClusterMembership)
            .where(ClusterMembership.run_id == run.id, ClusterMembership.contribution_id == id_)
            .values(cluster_id=cluster_id, is_excluded=excluded).execution_options(synchronize_session=False))
    _refresh_clusters(run, touched_keys)
    _refresh_run_counts(run)


def _refresh_clusters(run: ClusteringRun, keys: set[str]) -> None:
    for cluster in db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key.in_(keys))):
        rows = db.session.execute(
            db.select(Theme.name, Contribution.n_supports)
            .join(Contribution, Contribution.theme_id == Theme.id)
            .join(ClusterMembership, ClusterMembership.contribution_id == Contribution.id)
            .where(ClusterMembership.run_id == run.id, ClusterMembership.cluster_id == cluster.id)).all()
        mix = Counter(theme for theme, _ in rows)
        cluster.size = len(rows)
        cluster.support_total = sum(n for _, n in rows)
        cluster.theme_mix = [[theme, n] for theme, n in sorted(mix.items(), key=lambda tn: (-tn[1], tn[0]))]


def _refresh_run_counts(run: ClusteringRun) -> None:
    base = db.select(sa.func.count()).select_from(ClusterMembership).where(ClusterMembership.run_id == run.id)
    run.n_excluded = db.session.scalar(base.where(ClusterMembership.is_excluded.is_(True)))
    run.n_outliers = db.session.scalar(base.where(ClusterMembership.is_excluded.is_(False),
                                                  ClusterMembership.cluster_id.is_(None)))
    run.n_clusters = db.session.scalar(db.select(sa.func.count()).select_from(Cluster)
                                       .where(Cluster.run_id == run.id, Cluster.size > 0))


def _decide(process_id: int, kind: DecisionKind, actor: User, **values) -> ClusteringDecision:
    decision = ClusteringDecision(process_id=process_id, kind=kind, created_by_id=actor.id, is_active=True, **values)
    db.session.add(decision)
    return decision


def _retire_placement(process_id: int, contribution_ids) -> list[int]:
    """Deactivate the pins and exclusions of these contributions; returns the ids deactivated."""
    ids = set(contribution_ids)
    retired = [d for d in active_decisions(process_id, (DecisionKind.PIN, DecisionKind.EXCLUDE))
               if d.contribution_id in ids]
    for decision in retired:
        decision.is_active = False
    return [decision.id for decision in retired]


def _record(action: str, run: ClusteringRun, actor: User, *, before: Memberships, after: Memberships,
            created: list[ClusteringDecision], retired: list[int], keys=(), extra_before: dict | None = None,
            extra_after: dict | None = None) -> AuditEntry:
    """Audit an adjustment with what undo needs: memberships and active decisions before and after."""
    db.session.flush()
    keys = sorted({k for k, _ in [*before.values(), *after.values()] if k} | set(keys))
    common = {"run_id": run.id, "contribution_ids": sorted(after), "keys": keys}
    return audit.record(
        action, actor=actor, target_type=TARGET_TYPE, target_id=run.process_id,
        before={**common, "memberships": _as_json(before), "decisions": retired, **(extra_before or {})},
        after={**common, "memberships": _as_json(after), "decisions": [d.id for d in created],
               **(extra_after or {})})


def _as_json(memberships: Memberships) -> dict[str, list]:
    return {str(id_): [key, excluded] for id_, (key, excluded) in memberships.items()}


def _from_json(memberships: dict[str, list]) -> Memberships:
    return {int(id_): (key, bool(excluded)) for id_, (key, excluded) in memberships.items()}


def _place(run: ClusteringRun, placements: dict[int, str | None], *, actor: User, action: str,
           **details) -> AuditEntry:
    """Pin each contribution to a key (or exclude it when the key is None): the shared core of the adjustments."""
    process_id = run.process_id
    before = _memberships(run.id, placements)
    missing = set(placements) - set(before)
    if missing:
        raise NotFound("Cette contribution ne fait pas partie de ce regroupement.")
    retired = _retire_placement(process_id, placements)
    created = []
    for id_, key in placements.items():
        if key is None:
            created.append(_decide(process_id, DecisionKind.EXCLUDE, actor, contribution_id=id_))
        else:
            created.append(_decide(process_id, DecisionKind.PIN, actor, contribution_id=id_, cluster_key=key))
    after = {id_: (key, key is None) for id_, key in placements.items()}
    _apply_memberships(run, after)
    return _record(action, run, actor, before=before, after=after, created=created, retired=retired, **details)


def _existing_key(run: ClusteringRun, key: str) -> Cluster:
    cluster = db.session.scalar(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key == key,
                                                         Cluster.size > 0))
    if cluster is None:
        raise NotFound("Regroupement introuvable dans ce calcul.")
    return cluster


def rename_cluster(process_id: int, run_id: int, key: str, name: str, *, actor: User) -> AuditEntry:
    """Give cluster ``key`` a moderator's name, kept by every later run (keys are stable)."""
    _moderator(actor)
    name = clean_text(name, field_label="Nom du regroupement", max_length=LABEL_MAX_LENGTH)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        _existing_key(run, key)
        previous = [d for d in active_decisions(process_id, (DecisionKind.RENAME,)) if d.cluster_key == key]
        if previous and previous[-1].label == name:
            raise InvalidInput("Ce regroupement porte déjà ce nom.", field="name")
        for decision in previous:
            decision.is_active = False
        created = _decide(process_id, DecisionKind.RENAME, actor, cluster_key=key, label=name)
        return _record("clustering:cluster:rename", run, actor, before={}, after={}, created=[created],
                       retired=[d.id for d in previous], keys=[key],
                       extra_before={"name": previous[-1].label if previous else None}, extra_after={"name": name})


def move_contribution(process_id: int, run_id: int, contribution_id: int, key: str, *, actor: User) -> AuditEntry:
    """Put a contribution in cluster ``key`` and pin it there for the next runs."""
    _moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        _existing_key(run, key)
        if _memberships(run.id, [contribution_id]).get(contribution_id, (None, False))[0] == key \
                and _is_pinned(process_id, contribution_id, key):
            raise InvalidInput("Cette contribution est déjà épinglée dans ce regroupement.")
        return _place(run, {contribution_id: key}, actor=actor, action="clustering:contribution:move")


def _is_pinned(process_id: int, contribution_id: int, key: str) -> bool:
    return any(d.contribution_id == contribution_id and d.cluster_key == key
               for d in active_decisions(process_id, (DecisionKind.PIN,)))


def pin_contribution(process_id: int, run_id: int, contribution_id: int, *, actor: User) -> AuditEntry:
    """Keep a contribution in its current cluster in every later run."""
    _moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        key, _ = _memberships(run.id, [contribution_id]).get(contribution_id, (None, False))
        if key is None:
            raise InvalidInput("Seule une contribution placée dans un regroupement peut y être épinglée.")
        if _is_pinned(process_id, contribution_id, key):
            raise InvalidInput("Cette contribution est déjà épinglée dans ce regroupement.")
        return _place(run, {contribution_id: key}, actor=actor, action="clustering:contribution:pin")


def exclude_contribution(process_id: int, run_id: int, contribution_id: int, *, actor: User) -> AuditEntry:
    """Leave a contribution out of clustering (it stays visible everywhere else)."""
    _moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        if _memberships(run.id, [contribution_id]).get(contribution_id, (None, False))[1]:
            raise InvalidInput("Cette contribution est déjà exclue du regroupement.")
        return _place(run, {contribution_id: None}, actor=actor,
                      action="clustering:contribution:exclude")


def merge_clusters(process_id: int, run_id: int, source_key: str, target_key: str, *, actor: User) -> AuditEntry:
    """Move every contribution of ``source_key`` into ``target_key``; both clusters' members are pinned there."""
    _moderator(actor)
    if source_key == target_key:
        raise InvalidInput("Choisissez deux regroupements différents à fusionner.", field="target")
    with transaction():
        run = _adjustable_run(process_id, run_id)
        source, target = _existing_key(run, source_key), _existing_key(run, target_key)
        ids = member_ids(run.id, source.id) + member_ids(run.id, target.id)
        return _place(run, dict.fromkeys(ids, target_key), actor=actor,
                      action="clustering:cluster:merge")


def split_cluster(process_id: int, run_id: int, key: str, contribution_ids: list[int], *,
                  actor: User) -> AuditEntry:
    """Move the ticked contributions of ``key`` into a new cluster; both parts are pinned apart."""
    _moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        members = member_ids(run.id, _existing_key(run, key).id)
        chosen = sorted(set(contribution_ids))
        if not chosen:
            raise InvalidInput("Cochez les contributions qui forment le nouveau regroupement.")
        if set(chosen) - set(members):
            raise InvalidInput("Certaines contributions cochées ne sont pas dans ce regroupement.")
        if len(chosen) == len(members):
            raise InvalidInput("Laissez au moins une contribution dans le regroupement d'origine.")
        new_key = _new_key(process_id)
        placements = {id_: (new_key if id_ in set(chosen) else key) for id_ in members}
        return _place(run, placements, actor=actor, action="clustering:cluster:split",
                      extra_after={"new_key": new_key})


def member_ids(run_id: int, cluster_id: int) -> list[int]:
    """The contributions of a cluster of a run, in id order."""
    return db.session.scalars(
        db.select(ClusterMembership.contribution_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.cluster_id == cluster_id)
        .order_by(ClusterMembership.contribution_id)).all()


def _new_key(process_id: int) -> str:
    """A key no run or decision of the process ever used ("c<max + 1>")."""
    keys = db.session.scalars(
        db.select(Cluster.key).join(ClusteringRun, ClusteringRun.id == Cluster.run_id)
        .where(ClusteringRun.process_id == process_id)).all()
    keys += db.session.scalars(db.select(ClusteringDecision.cluster_key).where(
        ClusteringDecision.process_id == process_id, ClusteringDecision.cluster_key.is_not(None))).all()
    numbers = [int(key[1:]) for key in keys if key.startswith("c") and key[1:].isdigit()]
    return f"c{max(numbers, default=0) + 1}"


# --- undo and redo -------------------------------------------------------------------------------

ADJUSTMENTS = {
    "clustering:cluster:rename": "Regroupement renommé",
    "clustering:contribution:move": "Contribution déplacée dans un autre regroupement",
    "clustering:contribution:pin": "Contribution épinglée dans son regroupement",
    "clustering:contribution:exclude": "Contribution exclue du regroupement",
    "clustering:cluster:merge": "Fusion de deux regroupements",
    "clustering:cluster:split": "Scission d'un regroupement",
}


def _blocking(entry: AuditEntry) -> list[AuditEntry]:
    """Later live adjustments on the same contributions or cluster keys."""
    ids, keys = set(entry.after["contribution_ids"]), set(entry.after["keys"])
    return [later for later in undo.later_acts(entry, [(TARGET_TYPE, entry.target_id)])
            if later.action in ADJUSTMENTS
            and (ids & set(later.after["contribution_ids"]) or keys & set(later.after["keys"]))]


def _switch(entry: AuditEntry, *, from_state: dict, to_state: dict) -> None:
    """Swap decisions and memberships from ``from_state`` to ``to_state`` on the latest run."""
    process_id = entry.target_id
    if _active_run(process_id) is not None:
        raise Conflict("Un regroupement est en cours de calcul : attendez qu'il se termine pour annuler.")
    to_deactivate = db.session.scalars(db.select(ClusteringDecision).where(
        ClusteringDecision.id.in_(from_state["decisions"]))).all()
    to_activate = db.session.scalars(db.select(ClusteringDecision).where(
        ClusteringDecision.id.in_(to_state["decisions"]))).all()
    if not all(d.is_active for d in to_deactivate) or any(d.is_active for d in to_activate):
        raise Conflict("Les décisions de regroupement ont changé depuis cet acte : rien n'a été modifié.")
    for decision in to_deactivate:
        decision.is_active = False
    for decision in to_activate:
        decision.is_active = True
    run = latest_done_run(process_id)
    if run is None or not from_state["memberships"]:
        return
    expected, wanted = _from_json(from_state["memberships"]), _from_json(to_state["memberships"])
    current = _memberships(run.id, expected)
    # A later run may have placed some contributions elsewhere on its own: only those still where
    # the act left them go back.
    _apply_memberships(run, {id_: wanted[id_] for id_, state in current.items() if state == expected[id_]},
                       template_run_id=entry.after["run_id"])


def _undo_adjustment(entry: AuditEntry, actor: User) -> None:
    blocking = _blocking(entry)
    if blocking:
        raise undo.Blocked(blocking)
    _switch(entry, from_state=entry.after, to_state=entry.before)


def _redo_adjustment(entry: AuditEntry, actor: User) -> None:
    _switch(entry, from_state=entry.before, to_state=entry.after)


for _action, _label in ADJUSTMENTS.items():
    undo.handler(_action, label=_label, redo=_redo_adjustment)(_undo_adjustment)
undo.describe("clustering:run:launch", label="Lancement d'un regroupement")
