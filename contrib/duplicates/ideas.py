"""Reading duplicate groups: the review queue, decided groups, and the idea a contribution belongs to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from contrib.core.errors import NotFound
from contrib.duplicates.decisions import CONFIRM, DISMISS, TARGET
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    DuplicateGroup,
    DuplicateMember,
    DuplicateStatus,
    Support,
)
from contrib.models.accounts import counted

QUEUE_PAGE_SIZE = 200


@dataclass(frozen=True)
class Idea:
    """Contributions confirmed as one idea, and the people supporting it (each counted once)."""

    group_ids: tuple[int, ...]
    representative_id: int
    contribution_ids: tuple[int, ...]
    n_supporters: int
    n_supports: int  # supports summed over the members, before counting each person once


def _with_members():
    return (
        selectinload(DuplicateGroup.members)
        .selectinload(DuplicateMember.contribution)
        .options(selectinload(Contribution.theme), selectinload(Contribution.author))
    )


def pending_groups(process_id: int, *, limit: int = QUEUE_PAGE_SIZE) -> list[DuplicateGroup]:
    """The review queue: strongest score first, then the largest groups."""
    size = (
        db.select(db.func.count(DuplicateMember.id))
        .where(DuplicateMember.group_id == DuplicateGroup.id)
        .correlate(DuplicateGroup)
        .scalar_subquery()
    )
    return db.session.scalars(
        db.select(DuplicateGroup)
        .options(_with_members())
        .where(DuplicateGroup.process_id == process_id, DuplicateGroup.status == DuplicateStatus.PENDING)
        .order_by(DuplicateGroup.score.desc(), size.desc(), DuplicateGroup.id)
        .limit(limit)
    ).all()


def count_pending(process_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(DuplicateGroup.id)).where(
            DuplicateGroup.process_id == process_id, DuplicateGroup.status == DuplicateStatus.PENDING
        )
    )


def decided_groups(process_id: int, *, limit: int = 50) -> list[DuplicateGroup]:
    """Confirmed and dismissed groups, latest decision first."""
    return db.session.scalars(
        db.select(DuplicateGroup)
        .options(_with_members(), selectinload(DuplicateGroup.decided_by))
        .where(DuplicateGroup.process_id == process_id, DuplicateGroup.status != DuplicateStatus.PENDING)
        .order_by(DuplicateGroup.decided_at.desc(), DuplicateGroup.id.desc())
        .limit(limit)
    ).all()


def get_group(group_id: int, *, process_id: int | None = None) -> DuplicateGroup:
    """Return a group with its members; raise NotFound (also when it belongs to another process)."""
    group = db.session.scalar(db.select(DuplicateGroup).options(_with_members()).where(DuplicateGroup.id == group_id))
    if group is None or (process_id is not None and group.process_id != process_id):
        raise NotFound("Groupe de doublons introuvable : une nouvelle détection l'a peut-être remplacé.")
    return group


def themes_of(group: DuplicateGroup) -> list[str]:
    """Distinct themes of a group's members, in name order."""
    return sorted({member.contribution.theme.name for member in group.members})


def decision_entries(group_ids: Iterable[int]) -> dict[int, AuditEntry]:
    """The live (not undone) confirm or dismiss journal entry of each group."""
    group_ids = list(group_ids)
    if not group_ids:
        return {}
    entries = db.session.scalars(
        db.select(AuditEntry)
        .where(
            AuditEntry.target_type == TARGET,
            AuditEntry.target_id.in_(group_ids),
            AuditEntry.action.in_([CONFIRM, DISMISS]),
            AuditEntry.undone_at.is_(None),
        )
        .order_by(AuditEntry.id)
    )
    return {entry.target_id: entry for entry in entries}


def _idea_group_ids(contribution_id: int) -> set[int]:
    """Confirmed groups reachable from the contribution through shared members (one idea)."""
    group_ids: set[int] = set()
    members, frontier = set(), {contribution_id}
    while frontier:
        members |= frontier
        found = (
            set(
                db.session.scalars(
                    db.select(DuplicateMember.group_id)
                    .join(DuplicateGroup)
                    .where(
                        DuplicateMember.contribution_id.in_(frontier),
                        DuplicateMember.is_excluded.is_(False),
                        DuplicateGroup.status == DuplicateStatus.CONFIRMED,
                    )
                )
            )
            - group_ids
        )
        if not found:
            break
        group_ids |= found
        frontier = (
            set(
                db.session.scalars(
                    db.select(DuplicateMember.contribution_id).where(
                        DuplicateMember.group_id.in_(found), DuplicateMember.is_excluded.is_(False)
                    )
                )
            )
            - members
        )
    return group_ids


def _idea_contribution_ids(contribution_id: int) -> tuple[list[int], set[int]]:
    group_ids = _idea_group_ids(contribution_id)
    if not group_ids:
        return [], {contribution_id}
    ids = set(
        db.session.scalars(
            db.select(DuplicateMember.contribution_id).where(
                DuplicateMember.group_id.in_(group_ids), DuplicateMember.is_excluded.is_(False)
            )
        )
    )
    return sorted(group_ids), ids


def idea_supporters(contribution_id: int) -> set[int]:
    """Ids of the people supporting the contribution's idea: any visible member of its confirmed group(s).

    A contribution in no confirmed group is its own idea.
    """
    _, ids = _idea_contribution_ids(contribution_id)
    return set(
        db.session.scalars(
            db.select(Support.user_id)
            .join(Contribution, Support.contribution_id == Contribution.id)
            .where(Support.contribution_id.in_(ids), Contribution.hidden_at.is_(None), counted(Support.user_id))
            .distinct()
        )
    )


def idea_support_count(contribution_id: int) -> int:
    """Number of distinct people supporting the contribution's idea (each person counted once)."""
    return len(idea_supporters(contribution_id))


def idea_of(contribution_id: int) -> Idea | None:
    """The confirmed idea the contribution belongs to, or None."""
    group_ids, ids = _idea_contribution_ids(contribution_id)
    if not group_ids:
        return None
    representative_id = db.session.scalar(
        db.select(DuplicateGroup.representative_id).where(DuplicateGroup.id == group_ids[0])
    )
    n_supports = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Contribution.n_supports), 0)).where(
            Contribution.id.in_(ids), Contribution.hidden_at.is_(None)
        )
    )
    return Idea(
        group_ids=tuple(group_ids),
        representative_id=representative_id,
        contribution_ids=tuple(sorted(ids, key=lambda id_: (id_ != representative_id, id_))),
        n_supporters=idea_support_count(contribution_id),
        n_supports=n_supports,
    )


def groups_within(ids: list[int]) -> list[list[int]]:
    """The kept members of each duplicate group not dismissed, cut to ``ids``; groups left with one member dropped.

    Detection compares each text with the whole process, so it finds repeats that a scope on one subject,
    where every text is close to the others, cannot tell apart from the rest.
    """
    if not ids:
        return []
    rows = db.session.execute(
        db.select(DuplicateMember.group_id, DuplicateMember.contribution_id)
        .join(DuplicateGroup)
        .where(
            DuplicateMember.contribution_id.in_(ids),
            DuplicateMember.is_excluded.is_(False),
            DuplicateGroup.status != DuplicateStatus.DISMISSED,
        )
        .order_by(DuplicateMember.group_id, DuplicateMember.contribution_id)
    )
    groups: dict[int, list[int]] = {}
    for group_id, contribution_id in rows:
        groups.setdefault(group_id, []).append(contribution_id)
    return [members for members in groups.values() if len(members) > 1]
