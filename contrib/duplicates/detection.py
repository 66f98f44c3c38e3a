"""Duplicate detection: find groups with ``nlp`` and make them the pending review queue.

Detection is a pure function of the database (visible contributions, dismissed pairs, decided
groups) and returns counts, so it can move to a task queue unchanged. It replaces the pending
queue and never touches a decided group.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from contrib.core import audit, undo
from contrib.core.transaction import transaction
from contrib.duplicates.decisions import require_moderator
from contrib.extensions import db
from contrib.models import (
    Contribution,
    DismissedPair,
    DuplicateGroup,
    DuplicateMember,
    DuplicateStatus,
    Theme,
    User,
)
from contrib.models.base import utcnow
from contrib.participation import vectors
from nlp import find_duplicates

logger = logging.getLogger(__name__)

DETECT = "duplicates:detection:run"
# Rows without a stored vector that a detection embeds itself (about 10 ms each, in the request).
EMBED_IN_DETECTION = 300


@dataclass(frozen=True)
class DetectionResult:
    """What one detection did; ``seconds`` is the wall time of the whole act."""

    n_contributions: int
    n_groups: int  # pending groups in the queue afterwards
    n_new: int
    n_kept: int
    n_removed: int
    seconds: float


def dismissed_pairs(process_id: int) -> set[tuple[int, int]]:
    """Pairs of contribution ids a moderator said are not duplicates, in canonical order."""
    rows = db.session.execute(
        db.select(DismissedPair.first_id, DismissedPair.second_id).where(DismissedPair.process_id == process_id)
    )
    return {(first, second) for first, second in rows}


def _confirmed_ids(process_id: int) -> set[int]:
    return set(
        db.session.scalars(
            db.select(DuplicateMember.contribution_id)
            .join(DuplicateGroup)
            .where(
                DuplicateGroup.process_id == process_id,
                DuplicateGroup.status == DuplicateStatus.CONFIRMED,
                DuplicateMember.is_excluded.is_(False),
            )
        )
    )


def detect(process_id: int, *, actor: User | None) -> DetectionResult:
    """Find duplicate groups among the process's visible contributions and make them the pending queue.

    Idempotent: pending groups whose members are unchanged keep their id (and their page); groups
    nlp no longer finds are removed; confirmed and dismissed groups are never touched. Groups made
    only of contributions already in confirmed groups are left out. ``actor`` None means a
    background job. Raises NotAllowed for a non-moderator actor.
    """
    if actor is not None:
        require_moderator(actor)
    start = time.perf_counter()
    with transaction():
        rows = db.session.execute(
            db.select(
                Contribution.id,
                Contribution.text,
                Theme.name,
                Contribution.title,
                Contribution.embedding,
                Contribution.embedding_model,
            )
            .join(Theme, Contribution.theme_id == Theme.id)
            .where(Contribution.process_id == process_id, Contribution.hidden_at.is_(None))
            .order_by(Contribution.id)
        ).all()
        ids = [row[0] for row in rows]
        # Stored vectors; the few rows without one are embedded now; with more the meaning tier waits
        # for the task queue to store them (words only meanwhile).
        stored = vectors.complete(
            [vectors.meaning_text(row[3], row[1]) for row in rows],
            [vectors.current(row[4], row[5]) for row in rows],
            embed_at_most=EMBED_IN_DETECTION,
        )
        found = (
            find_duplicates(
                ids,
                [row[1] for row in rows],
                themes=[row[2] for row in rows],
                ignore_pairs=dismissed_pairs(process_id),
                vectors=stored,
                semantic=stored is not None,
            )
            if len(ids) > 1
            else []
        )
        confirmed = _confirmed_ids(process_id)
        found = [group for group in found if not set(group.ids) <= confirmed]
        n_new, n_kept, n_removed = _replace_pending(process_id, found)
        result = DetectionResult(
            n_contributions=len(ids),
            n_groups=len(found),
            n_new=n_new,
            n_kept=n_kept,
            n_removed=n_removed,
            seconds=time.perf_counter() - start,
        )
        audit.record(
            DETECT,
            actor=actor,
            target_type="process",
            target_id=process_id,
            before=None,
            after={
                "n_contributions": result.n_contributions,
                "n_groups": result.n_groups,
                "n_new": n_new,
                "n_kept": n_kept,
                "n_removed": n_removed,
            },
        )
    logger.info(
        "duplicate detection on process %s: %s contributions, %s groups (%s new) in %.2f s",
        process_id,
        result.n_contributions,
        result.n_groups,
        n_new,
        result.seconds,
    )
    return result


def _replace_pending(process_id: int, found) -> tuple[int, int, int]:
    """Make the pending groups of the process exactly ``found``; return (new, kept, removed).

    Bulk statements rather than ORM objects: thousands of groups are stored in a second, not four.
    """
    members: dict[int, set[int]] = {}
    stored: dict[int, tuple] = {}
    for group_id, contribution_id, *values in db.session.execute(
        db.select(
            DuplicateMember.group_id,
            DuplicateMember.contribution_id,
            DuplicateGroup.score,
            DuplicateGroup.reason,
            DuplicateGroup.representative_id,
        )
        .join(DuplicateGroup)
        .where(DuplicateGroup.process_id == process_id, DuplicateGroup.status == DuplicateStatus.PENDING)
    ):
        members.setdefault(group_id, set()).add(contribution_id)
        stored[group_id] = tuple(values)
    by_members = {frozenset(ids): group_id for group_id, ids in members.items()}
    new, changed = [], []
    for group in found:
        group_id = by_members.pop(frozenset(group.ids), None)
        if group_id is None:
            new.append(group)
        elif stored[group_id] != (group.score, group.reason, group.representative):
            changed.append(
                {
                    "group_id": group_id,
                    "score": group.score,
                    "reason": group.reason,
                    "representative_id": group.representative,
                }
            )
    if changed:
        table = DuplicateGroup.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == db.bindparam("group_id"))
            .values(
                score=db.bindparam("score"),
                reason=db.bindparam("reason"),
                representative_id=db.bindparam("representative_id"),
                version=table.c.version + 1,
            ),
            changed,
        )
    # Pending groups are suggestions computed by nlp, not anyone's decision: a stale one goes.
    stale = list(by_members.values())
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        db.session.execute(db.delete(DuplicateMember).where(DuplicateMember.group_id.in_(chunk)))
        db.session.execute(
            db.delete(DuplicateGroup).where(
                DuplicateGroup.id.in_(chunk), DuplicateGroup.status == DuplicateStatus.PENDING
            )
        )
    if new:
        now = utcnow()
        group_ids = db.session.scalars(
            db.insert(DuplicateGroup).returning(DuplicateGroup.id, sort_by_parameter_order=True),
            [
                {
                    "process_id": process_id,
                    "status": DuplicateStatus.PENDING,
                    "representative_id": group.representative,
                    "score": group.score,
                    "reason": group.reason,
                    "detected_at": now,
                    "version": 1,
                }
                for group in new
            ],
        ).all()
        db.session.execute(
            db.insert(DuplicateMember),
            [
                {"group_id": group_id, "contribution_id": contribution_id, "is_excluded": False}
                for group_id, group in zip(group_ids, new)
                for contribution_id in group.ids
            ],
        )
    return len(new), len(found) - len(new), len(stale)


def register_undo() -> None:
    """Name detections in the journal (a detection only replaces suggestions: nothing to undo)."""
    undo.describe(DETECT, label="Recherche de doublons")
