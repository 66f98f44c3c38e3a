"""Duplicate review, one import for the views: detection, decisions, and reading groups and ideas."""

from contrib.duplicates.decisions import CONFIRM, DISMISS, TARGET, confirm, dismiss
from contrib.duplicates.detection import DETECT, DetectionResult, detect, dismissed_pairs
from contrib.duplicates.ideas import (
    QUEUE_PAGE_SIZE,
    Idea,
    count_pending,
    decided_groups,
    decision_entries,
    get_group,
    groups_within,
    idea_of,
    idea_support_count,
    idea_supporters,
    pending_groups,
    themes_of,
)

__all__ = [
    "CONFIRM",
    "DETECT",
    "DISMISS",
    "QUEUE_PAGE_SIZE",
    "TARGET",
    "DetectionResult",
    "Idea",
    "confirm",
    "count_pending",
    "decided_groups",
    "decision_entries",
    "detect",
    "dismiss",
    "dismissed_pairs",
    "get_group",
    "groups_within",
    "idea_of",
    "idea_support_count",
    "idea_supporters",
    "pending_groups",
    "themes_of",
]
