"""Clustering runs of a process, their clusters and memberships, and the moderators' decisions.

A run is computed by a background task and stored in one transaction. Moderators' adjustments
are kept twice: applied to the latest run's memberships at once, and as ``ClusteringDecision``
rows (data, not code) that every later run turns into ``nlp.Constraints``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.processes import Process

KEY_MAX_LENGTH = 40
LABEL_MAX_LENGTH = 200
ACTIVE_STATUSES = ("queued", "running")


class RunStatus(LabelledEnum):
    QUEUED = ("queued", "En attente")
    RUNNING = ("running", "En cours")
    DONE = ("done", "Terminé")
    FAILED = ("failed", "Échoué")


class DecisionKind(LabelledEnum):
    RENAME = ("rename", "Renommer un regroupement")
    PIN = ("pin", "Épingler dans un regroupement")
    EXCLUDE = ("exclude", "Exclure du regroupement")
    MUST_LINK = ("must_link", "Toujours ensemble")
    CANNOT_LINK = ("cannot_link", "Jamais ensemble")


class ClusteringRun(db.Model):
    """One clustering of a process's visible contributions; progress lives here, not in the queue.

    At most one run per process is queued or running (partial unique index).
    """

    __tablename__ = "clustering_runs"
    __table_args__ = (
        sa.Index("ix_clustering_runs_process_recent", "process_id", "id"),
        sa.Index(
            "uq_clustering_runs_active",
            "process_id",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    progress_message: Mapped[str] = mapped_column(sa.String(300), default="")
    # {"n_clusters": int or null (automatic), "random_state": int}
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {"k_scores": [[k, silhouette]...], "stability": float or null (vs previous run)}
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    n_contributions: Mapped[int] = mapped_column(default=0)
    n_clusters: Mapped[int] = mapped_column(default=0)
    n_outliers: Mapped[int] = mapped_column(default=0)
    n_excluded: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    previous_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clustering_runs.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class Cluster(db.Model):
    """One cluster of a run; ``key`` is its identity across runs ("c1"...), kept by nlp."""

    __tablename__ = "clusters"
    __table_args__ = (sa.UniqueConstraint("run_id", "key", name="uq_clusters_run_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("clustering_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX_LENGTH))
    label: Mapped[str] = mapped_column(sa.String(LABEL_MAX_LENGTH), default="")
    top_terms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    size: Mapped[int] = mapped_column(default=0)
    representative_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # [[theme name, count]...], largest first
    theme_mix: Mapped[list[list[Any]]] = mapped_column(sa.JSON, default=list)
    support_total: Mapped[int] = mapped_column(default=0)


class ClusterMembership(db.Model):
    """Where one contribution is in one run: a cluster, the outlier bucket (no cluster) or excluded."""

    __tablename__ = "cluster_memberships"
    __table_args__ = (
        sa.Index("ix_cluster_memberships_cluster_id", "cluster_id"),
        sa.Index("ix_cluster_memberships_contribution_id", "contribution_id"),
    )

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("clustering_runs.id", ondelete="CASCADE"), primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contributions.id", ondelete="RESTRICT"), primary_key=True
    )
    cluster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clusters.id", ondelete="CASCADE"))
    is_excluded: Mapped[bool] = mapped_column(default=False)
    x: Mapped[float | None]
    y: Mapped[float | None]

    cluster: Mapped[Cluster | None] = relationship()


class ClusteringDecision(db.Model):
    """A moderator's decision every later run of the process respects (while ``is_active``).

    ``rename``: ``cluster_key`` shows as ``label``. ``pin``: ``contribution_id`` goes to
    ``cluster_key``. ``exclude``: ``contribution_id`` is left out. ``must_link`` /
    ``cannot_link``: ``contribution_id`` and ``other_contribution_id`` together / apart.
    """

    __tablename__ = "clustering_decisions"
    __table_args__ = (sa.Index("ix_clustering_decisions_process_active", "process_id", "is_active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"))
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind))
    cluster_key: Mapped[str | None] = mapped_column(sa.String(KEY_MAX_LENGTH))
    label: Mapped[str | None] = mapped_column(sa.String(LABEL_MAX_LENGTH))
    contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    other_contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
