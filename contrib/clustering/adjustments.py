"""Moderators' adjustments of the latest run (rename, move, pin, exclude, merge, split).

Each changes the run's memberships at once and is stored as a decision the next run respects. Each
is audited with the memberships and active decisions before and after; undo and redo swap them
back on the latest run (``adjustments_undo.py``).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from contrib.clustering.computation import active_decisions
from contrib.clustering.runs import (
    TARGET_TYPE,
    active_run,
    get_run,
    latest_done_run,
    require_moderator,
)
from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    Contribution,
    DecisionKind,
    Theme,
    User,
)
from contrib.models.clustering import LABEL_MAX_LENGTH

# --- adjustments -------------------------------------------------------------------------------

Memberships = dict[int, tuple[str | None, bool]]  # contribution id -> (cluster key, excluded)


def _adjustable_run(process_id: int, run_id: int) -> ClusteringRun:
    run = get_run(process_id, run_id)
    latest = latest_done_run(process_id)
    if latest is None or latest.id != run.id:
        raise Conflict("Seul le dernier regroupement terminé peut être ajusté. Ouvrez le plus récent.")
    if active_run(process_id) is not None:
        raise Conflict("Un regroupement est en cours de calcul : attendez qu'il se termine pour ajuster.")
    return run


def memberships_of(run_id: int, ids) -> Memberships:
    """The run's memberships of the contributions ``ids`` (cluster key and excluded flag each)."""
    rows = db.session.execute(
        db.select(ClusterMembership.contribution_id, Cluster.key, ClusterMembership.is_excluded)
        .outerjoin(Cluster, Cluster.id == ClusterMembership.cluster_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.contribution_id.in_(list(ids)))
    ).all()
    return {id_: (key, bool(excluded)) for id_, key, excluded in rows}


def _cluster_for_key(run: ClusteringRun, key: str, template_run_id: int | None = None) -> Cluster:
    """The run's cluster ``key``, created (empty, named after the template run's) when missing."""
    cluster = db.session.scalar(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key == key))
    if cluster is None:
        template = None
        if template_run_id is not None:
            template = db.session.scalar(
                db.select(Cluster).where(Cluster.run_id == template_run_id, Cluster.key == key)
            )
        cluster = Cluster(
            run_id=run.id,
            key=key,
            label=template.label if template else "",
            top_terms=list(template.top_terms) if template else [],
            size=0,
            representative_ids=[],
            theme_mix=[],
            support_total=0,
        )
        db.session.add(cluster)
        db.session.flush()
    return cluster


def apply_memberships(run: ClusteringRun, wanted: Memberships, *, template_run_id: int | None = None) -> None:
    """Set the memberships of ``run`` and refresh the figures of the clusters they touch."""
    current = memberships_of(run.id, wanted)
    touched_keys = {key for key, _ in current.values() if key} | {key for key, _ in wanted.values() if key}
    for id_, (key, excluded) in wanted.items():
        if id_ not in current:
            continue  # not in this run (hidden before it ran): nothing to place
        cluster_id = _cluster_for_key(run, key, template_run_id).id if key else None
        db.session.execute(
            db.update(ClusterMembership)
            .where(ClusterMembership.run_id == run.id, ClusterMembership.contribution_id == id_)
            .values(cluster_id=cluster_id, is_excluded=excluded)
            .execution_options(synchronize_session=False)
        )
    _refresh_clusters(run, touched_keys)
    _refresh_run_counts(run)


def _refresh_clusters(run: ClusteringRun, keys: set[str]) -> None:
    for cluster in db.session.scalars(db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key.in_(keys))):
        rows = db.session.execute(
            db.select(Theme.name, Contribution.n_supports)
            .join(Contribution, Contribution.theme_id == Theme.id)
            .join(ClusterMembership, ClusterMembership.contribution_id == Contribution.id)
            .where(ClusterMembership.run_id == run.id, ClusterMembership.cluster_id == cluster.id)
        ).all()
        mix = Counter(theme for theme, _ in rows)
        cluster.size = len(rows)
        cluster.support_total = sum(n for _, n in rows)
        cluster.theme_mix = [[theme, n] for theme, n in sorted(mix.items(), key=lambda tn: (-tn[1], tn[0]))]


def _refresh_run_counts(run: ClusteringRun) -> None:
    base = db.select(sa.func.count()).select_from(ClusterMembership).where(ClusterMembership.run_id == run.id)
    run.n_excluded = db.session.scalar(base.where(ClusterMembership.is_excluded.is_(True)))
    run.n_outliers = db.session.scalar(
        base.where(ClusterMembership.is_excluded.is_(False), ClusterMembership.cluster_id.is_(None))
    )
    run.n_clusters = db.session.scalar(
        db.select(sa.func.count()).select_from(Cluster).where(Cluster.run_id == run.id, Cluster.size > 0)
    )


def _decide(process_id: int, kind: DecisionKind, actor: User, **values) -> ClusteringDecision:
    decision = ClusteringDecision(process_id=process_id, kind=kind, created_by_id=actor.id, is_active=True, **values)
    db.session.add(decision)
    return decision


def _retire_placement(process_id: int, contribution_ids) -> list[int]:
    """Deactivate the pins and exclusions of these contributions; returns the ids deactivated."""
    ids = set(contribution_ids)
    retired = [
        d for d in active_decisions(process_id, (DecisionKind.PIN, DecisionKind.EXCLUDE)) if d.contribution_id in ids
    ]
    for decision in retired:
        decision.is_active = False
    return [decision.id for decision in retired]


def _record(
    action: str,
    run: ClusteringRun,
    actor: User,
    *,
    before: Memberships,
    after: Memberships,
    created: list[ClusteringDecision],
    retired: list[int],
    keys=(),
    extra_before: dict | None = None,
    extra_after: dict | None = None,
) -> AuditEntry:
    """Audit an adjustment with what undo needs: memberships and active decisions before and after."""
    db.session.flush()
    keys = sorted({k for k, _ in [*before.values(), *after.values()] if k} | set(keys))
    common = {"run_id": run.id, "contribution_ids": sorted(after), "keys": keys}
    return audit.record(
        action,
        actor=actor,
        target_type=TARGET_TYPE,
        target_id=run.process_id,
        before={**common, "memberships": memberships_as_json(before), "decisions": retired, **(extra_before or {})},
        after={
            **common,
            "memberships": memberships_as_json(after),
            "decisions": [d.id for d in created],
            **(extra_after or {}),
        },
    )


def memberships_as_json(memberships: Memberships) -> dict[str, list]:
    """Memberships as stored in an audit entry."""
    return {str(id_): [key, excluded] for id_, (key, excluded) in memberships.items()}


def memberships_from_json(memberships: dict[str, list]) -> Memberships:
    """Memberships read back from an audit entry."""
    return {int(id_): (key, bool(excluded)) for id_, (key, excluded) in memberships.items()}


def _place(run: ClusteringRun, placements: dict[int, str | None], *, actor: User, action: str, **details) -> AuditEntry:
    """Pin each contribution to a key (or exclude it when the key is None): the shared core of the adjustments."""
    process_id = run.process_id
    before = memberships_of(run.id, placements)
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
    apply_memberships(run, after)
    return _record(action, run, actor, before=before, after=after, created=created, retired=retired, **details)


def _existing_key(run: ClusteringRun, key: str) -> Cluster:
    cluster = db.session.scalar(
        db.select(Cluster).where(Cluster.run_id == run.id, Cluster.key == key, Cluster.size > 0)
    )
    if cluster is None:
        raise NotFound("Regroupement introuvable dans ce calcul.")
    return cluster


def rename_cluster(process_id: int, run_id: int, key: str, name: str, *, actor: User) -> AuditEntry:
    """Give cluster ``key`` a moderator's name, kept by every later run (keys are stable)."""
    require_moderator(actor)
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
        return _record(
            "clustering:cluster:rename",
            run,
            actor,
            before={},
            after={},
            created=[created],
            retired=[d.id for d in previous],
            keys=[key],
            extra_before={"name": previous[-1].label if previous else None},
            extra_after={"name": name},
        )


def move_contribution(process_id: int, run_id: int, contribution_id: int, key: str, *, actor: User) -> AuditEntry:
    """Put a contribution in cluster ``key`` and pin it there for the next runs."""
    require_moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        _existing_key(run, key)
        if memberships_of(run.id, [contribution_id]).get(contribution_id, (None, False))[0] == key and _is_pinned(
            process_id, contribution_id, key
        ):
            raise InvalidInput("Cette contribution est déjà épinglée dans ce regroupement.")
        return _place(run, {contribution_id: key}, actor=actor, action="clustering:contribution:move")


def _is_pinned(process_id: int, contribution_id: int, key: str) -> bool:
    return any(
        d.contribution_id == contribution_id and d.cluster_key == key
        for d in active_decisions(process_id, (DecisionKind.PIN,))
    )


def pin_contribution(process_id: int, run_id: int, contribution_id: int, *, actor: User) -> AuditEntry:
    """Keep a contribution in its current cluster in every later run."""
    require_moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        key, _ = memberships_of(run.id, [contribution_id]).get(contribution_id, (None, False))
        if key is None:
            raise InvalidInput("Seule une contribution placée dans un regroupement peut y être épinglée.")
        if _is_pinned(process_id, contribution_id, key):
            raise InvalidInput("Cette contribution est déjà épinglée dans ce regroupement.")
        return _place(run, {contribution_id: key}, actor=actor, action="clustering:contribution:pin")


def exclude_contribution(process_id: int, run_id: int, contribution_id: int, *, actor: User) -> AuditEntry:
    """Leave a contribution out of clustering (it stays visible everywhere else)."""
    require_moderator(actor)
    with transaction():
        run = _adjustable_run(process_id, run_id)
        if memberships_of(run.id, [contribution_id]).get(contribution_id, (None, False))[1]:
            raise InvalidInput("Cette contribution est déjà exclue du regroupement.")
        return _place(run, {contribution_id: None}, actor=actor, action="clustering:contribution:exclude")


def merge_clusters(process_id: int, run_id: int, source_key: str, target_key: str, *, actor: User) -> AuditEntry:
    """Move every contribution of ``source_key`` into ``target_key``; both clusters' members are pinned there."""
    require_moderator(actor)
    if source_key == target_key:
        raise InvalidInput("Choisissez deux regroupements différents à fusionner.", field="target")
    with transaction():
        run = _adjustable_run(process_id, run_id)
        source, target = _existing_key(run, source_key), _existing_key(run, target_key)
        ids = member_ids(run.id, source.id) + member_ids(run.id, target.id)
        return _place(run, dict.fromkeys(ids, target_key), actor=actor, action="clustering:cluster:merge")


def split_cluster(process_id: int, run_id: int, key: str, contribution_ids: list[int], *, actor: User) -> AuditEntry:
    """Move the ticked contributions of ``key`` into a new cluster; both parts are pinned apart."""
    require_moderator(actor)
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
        return _place(run, placements, actor=actor, action="clustering:cluster:split", extra_after={"new_key": new_key})


def member_ids(run_id: int, cluster_id: int) -> list[int]:
    """The contributions of a cluster of a run, in id order."""
    return db.session.scalars(
        db.select(ClusterMembership.contribution_id)
        .where(ClusterMembership.run_id == run_id, ClusterMembership.cluster_id == cluster_id)
        .order_by(ClusterMembership.contribution_id)
    ).all()


def _new_key(process_id: int) -> str:
    """A key no run or decision of the process ever used ("c<max + 1>")."""
    keys = db.session.scalars(
        db.select(Cluster.key)
        .join(ClusteringRun, ClusteringRun.id == Cluster.run_id)
        .where(ClusteringRun.process_id == process_id)
    ).all()
    keys += db.session.scalars(
        db.select(ClusteringDecision.cluster_key).where(
            ClusteringDecision.process_id == process_id, ClusteringDecision.cluster_key.is_not(None)
        )
    ).all()
    numbers = [int(key[1:]) for key in keys if key.startswith("c") and key[1:].isdigit()]
    return f"c{max(numbers, default=0) + 1}"
