"""Clustering of a process's contributions by theme, for moderators.

``runs``: launching a run and computing it on the task queue, stored whole; ``browsing``: reading a
run's clusters, map and comparison with the previous run; ``adjustments``: the moderators' changes
(rename, move, pin, exclude, merge, split), stored as decisions the next run respects, undoable.
"""

from contrib.clustering.adjustments import (
    exclude_contribution,
    member_ids,
    merge_clusters,
    move_contribution,
    pin_contribution,
    rename_cluster,
    split_cluster,
)
from contrib.clustering.browsing import (
    MAP_SIZE,
    ClusterDetail,
    ClusterView,
    Comparison,
    cluster_detail,
    cluster_names,
    compare_with_previous,
    get_cluster,
    map_view,
    run_clusters,
)
from contrib.clustering.computation import active_decisions, execute_run
from contrib.clustering.runs import (
    ALREADY_RUNNING,
    MAX_CLUSTERS,
    STALE_MESSAGE,
    active_run,
    fail_stale_runs,
    get_run,
    latest_done_run,
    launch_run,
    list_runs,
    run_status,
)

__all__ = [
    "ALREADY_RUNNING",
    "MAP_SIZE",
    "MAX_CLUSTERS",
    "STALE_MESSAGE",
    "ClusterDetail",
    "ClusterView",
    "Comparison",
    "active_decisions",
    "active_run",
    "cluster_detail",
    "cluster_names",
    "compare_with_previous",
    "exclude_contribution",
    "execute_run",
    "fail_stale_runs",
    "get_cluster",
    "get_run",
    "latest_done_run",
    "launch_run",
    "list_runs",
    "map_view",
    "member_ids",
    "merge_clusters",
    "move_contribution",
    "pin_contribution",
    "rename_cluster",
    "run_clusters",
    "run_status",
    "split_cluster",
]
