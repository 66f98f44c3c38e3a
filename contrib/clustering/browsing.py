"""Reading a run's results: clusters with their names, one cluster's detail, the map, the
comparison with the previous run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import nlp
from contrib.clustering import map_layout
from contrib.clustering.computation import active_decisions, assignment_of
from contrib.clustering.map_layout import Circle
from contrib.core.errors import NotFound
from contrib.extensions import db
from contrib.models import Cluster, ClusteringRun, ClusterMembership, Contribution, DecisionKind

# --- browsing ----------------------------------------------------------------------------------


def cluster_names(process_id: int) -> dict[str, str]:
    """``cluster key -> name`` given by moderators (active rename decisions)."""
    return {decision.cluster_key: decision.label for decision in active_decisions(process_id, (DecisionKind.RENAME,))}


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
        db.select(Cluster).where(Cluster.run_id == run.id, Cluster.size > 0).order_by(Cluster.size.desc(), Cluster.key)
    ).all()
    members = _members_by_cluster(run.id, [cluster.id for cluster in clusters])
    wanted = {}
    for cluster in clusters:
        present = members.get(cluster.id, [])
        chosen = [id_ for id_ in cluster.representative_ids if id_ in set(present)][:n_representatives]
        chosen += [id_ for id_ in present if id_ not in chosen][: n_representatives - len(chosen)]
        wanted[cluster.id] = chosen
    contributions = _contributions([id_ for ids in wanted.values() for id_ in ids])
    return [
        ClusterView(
            cluster,
            names.get(cluster.key) or cluster.label or cluster.key,
            cluster.key in names,
            [contributions[id_] for id_ in wanted[cluster.id] if id_ in contributions],
        )
        for cluster in clusters
    ]


def _members_by_cluster(run_id: int, cluster_ids: list[int]) -> dict[int, list[int]]:
    rows = db.session.execute(
        db.select(ClusterMembership.cluster_id, ClusterMembership.contribution_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.cluster_id.in_(cluster_ids))
        .order_by(ClusterMembership.contribution_id)
    ).all()
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


MEMBERS_PER_PAGE = 25


@dataclass(frozen=True)
class ClusterDetail:
    view: ClusterView
    contributions: list[Contribution]  # this page's, most supported first
    member_ids: list[int]  # every member, same order
    page: int
    n_pages: int
    pinned_ids: set[int]
    other_clusters: list[ClusterView]


def cluster_detail(run: ClusteringRun, key: str, *, page: int = 1) -> ClusterDetail:
    """A cluster with one page of its contributions (most supported first) and the run's other clusters.

    Raises NotFound for a page past the last one."""
    cluster = get_cluster(run, key)
    views = run_clusters(run)
    view = next((v for v in views if v.cluster.id == cluster.id), None) or ClusterView(
        cluster, cluster_names(run.process_id).get(key) or cluster.label or key, False, []
    )
    members = (
        db.select(Contribution.id)
        .join(ClusterMembership, ClusterMembership.contribution_id == Contribution.id)
        .where(ClusterMembership.run_id == run.id, ClusterMembership.cluster_id == cluster.id)
        .order_by(Contribution.n_supports.desc(), Contribution.id)
    )
    member_ids = list(db.session.scalars(members))
    n_pages = max(1, -(-len(member_ids) // MEMBERS_PER_PAGE))
    if not 1 <= page <= n_pages:
        raise NotFound(f"Cette page n'existe pas : le regroupement a {n_pages} page{'s' if n_pages > 1 else ''}.")
    shown = member_ids[(page - 1) * MEMBERS_PER_PAGE : page * MEMBERS_PER_PAGE]
    by_id = _contributions(shown)
    pinned = {d.contribution_id for d in active_decisions(run.process_id, (DecisionKind.PIN,)) if d.cluster_key == key}
    return ClusterDetail(
        view,
        [by_id[id_] for id_ in shown],
        member_ids,
        page,
        n_pages,
        pinned,
        [v for v in views if v.cluster.id != cluster.id],
    )


MAP_SIZE = 600
PALETTE = (
    "#1b6ac9",
    "#d1335b",
    "#2a9d3c",
    "#9b4dca",
    "#e07b00",
    "#00838f",
    "#795548",
    "#c2185b",
    "#5c6bc0",
    "#689f38",
    "#f57c00",
    "#455a64",
)
OUTLIER_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class LegendEntry:
    number: int | None  # the number written in the cluster's circle (None: not drawn)
    key: str
    name: str
    colour: str
    size: int
    centre: tuple[float, float] | None  # mean position in [0, 1] (x to the right, y downwards)
    circle: Circle | None


def map_view(run: ClusteringRun) -> tuple[list[LegendEntry], int]:
    """The run's clusters as circles on the map (area by size, placed near their contributions, never
    overlapping), in legend order, and the number of contributions placed."""
    rows = db.session.execute(
        db.select(
            Cluster.key,
            db.func.count(ClusterMembership.contribution_id),
            db.func.avg(db.func.coalesce(ClusterMembership.x, 0.0)),
            db.func.avg(db.func.coalesce(ClusterMembership.y, 0.0)),
        )
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run.id, ClusterMembership.is_excluded.is_(False))
        .group_by(Cluster.key)
    ).all()
    stats = {key: (int(n), (round(float(x), 2), round(float(y), 2))) for key, n, x, y in rows}
    views = [view for view in run_clusters(run, n_representatives=0) if view.cluster.key in stats]
    circles = map_layout.layout(
        [stats[view.cluster.key][1] for view in views], [stats[view.cluster.key][0] for view in views], MAP_SIZE
    )
    legend = [
        LegendEntry(
            number,
            view.cluster.key,
            view.name,
            PALETTE[(number - 1) % len(PALETTE)],
            stats[view.cluster.key][0],
            stats[view.cluster.key][1],
            circle,
        )
        for number, (view, circle) in enumerate(zip(views, circles, strict=True), start=1)
    ]
    if None in stats:
        legend.append(LegendEntry(None, "", "Hors regroupement", OUTLIER_COLOUR, *stats[None], None))
    return legend, sum(n for n, _ in stats.values())


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
    before, after = assignment_of(previous.id), assignment_of(run.id)
    names = cluster_names(run.process_id)
    label_before = {c.key: c.label for c in db.session.scalars(db.select(Cluster).where(Cluster.run_id == previous.id))}
    label_after = {c.key: c.label for c in db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id))}

    def name(key, labels):
        return "Hors regroupement" if key is None else names.get(key) or labels.get(key) or key

    size_before = Counter(key for key in before.values() if key is not None)
    size_after = Counter(key for key in after.values() if key is not None)
    kept = [
        (key, name(key, label_after), size_before[key], size_after[key])
        for key in sorted(size_after, key=_key_sort)
        if key in size_before
    ]
    new = [
        (key, name(key, label_after), size_after[key])
        for key in sorted(size_after, key=_key_sort)
        if key not in size_before
    ]
    vanished = [
        (key, name(key, label_before), size_before[key])
        for key in sorted(size_before, key=_key_sort)
        if key not in size_after
    ]
    moved_ids = [id_ for id_ in sorted(after) if id_ in before and before[id_] != after[id_]]
    contributions = _contributions(moved_ids[:COMPARISON_MAX_MOVED])
    moved = [
        (contributions[id_], name(before[id_], label_before), name(after[id_], label_after))
        for id_ in moved_ids[:COMPARISON_MAX_MOVED]
        if id_ in contributions
    ]
    stability = run.scores.get("stability")
    if stability is None:
        stability = round(nlp.co_assignment_stability(before, after), 4)
    return Comparison(previous, stability, kept, new, vanished, moved, len(moved_ids))


def _key_sort(key: str):
    digits = key[1:] if key.startswith("c") else ""
    return (0, int(digits), key) if digits.isdigit() else (1, 0, key)
