"""Duplicate review: detect groups with ``nlp``, confirm them as one idea or dismiss them.

Detection is a pure function of the database (visible contributions, dismissed pairs, decided
groups) and returns counts, so it can move to a task queue unchanged. It replaces the pending
queue and never touches a decided group. Confirming makes a group "one idea": supports are then
counted once per person across its members. Dismissing stores every pair of the group, so
detection never proposes them together again. Both acts are audited and undoable from the journal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy.orm import selectinload

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    DismissedPair,
    DuplicateGroup,
    DuplicateMember,
    DuplicateStatus,
    Role,
    Support,
    Theme,
    User,
)
from contrib.models.accounts import counted
from contrib.models.base import utcnow
from contrib.participation import vectors
from nlp import find_duplicates

logger = logging.getLogger(__name__)

DETECT = "duplicates:detection:run"
CONFIRM = "duplicates:group:confirm"
DISMISS = "duplicates:group:dismiss"
TARGET = "duplicate_group"
QUEUE_PAGE_SIZE = 200
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


@dataclass(frozen=True)
class Idea:
    """Contributions confirmed as one idea, and the people supporting it (each counted once)."""

    group_ids: tuple[int, ...]
    representative_id: int
    contribution_ids: tuple[int, ...]
    n_supporters: int
    n_supports: int  # supports summed over the members, before counting each person once


def _moderator(user: User | None) -> None:
    require_role(user, Role.MODERATOR, "Seuls les modérateurs peuvent traiter les doublons.")


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


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
        _moderator(actor)
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


def _group(group_id: int, process_id: int | None = None) -> DuplicateGroup:
    group = db.session.get(DuplicateGroup, group_id)
    if group is None or (process_id is not None and group.process_id != process_id):
        raise NotFound("Groupe de doublons introuvable : une nouvelle détection l'a peut-être remplacé.")
    return group


def _pending(group: DuplicateGroup) -> None:
    if group.status != DuplicateStatus.PENDING:
        done = "confirmé" if group.status == DuplicateStatus.CONFIRMED else "écarté"
        who = f" par {group.decided_by.display_name}" if group.decided_by else ""
        when = f" le {group.decided_at:%d/%m/%Y à %H:%M}" if group.decided_at else ""
        raise Conflict(f"Ce groupe a déjà été {done}{who}{when}. Rechargez la page.")


def _add_dismissed_pairs(process_id: int, pairs: Iterable[tuple[int, int]], moderator: User) -> list[list[int]]:
    """Store the pairs not already dismissed; return those added (what an undo must remove)."""
    wanted = {_pair(a, b) for a, b in pairs}
    if not wanted:
        return []
    existing = {
        (first, second)
        for first, second in db.session.execute(
            db.select(DismissedPair.first_id, DismissedPair.second_id).where(
                DismissedPair.process_id == process_id, DismissedPair.first_id.in_({a for a, _ in wanted})
            )
        )
    }
    added = sorted(wanted - existing)
    db.session.add_all(
        DismissedPair(process_id=process_id, first_id=a, second_id=b, dismissed_by_id=moderator.id) for a, b in added
    )
    return [list(pair) for pair in added]


def _remove_dismissed_pairs(pairs: Sequence[Sequence[int]]) -> None:
    for first, second in pairs:
        db.session.execute(
            db.delete(DismissedPair).where(DismissedPair.first_id == first, DismissedPair.second_id == second)
        )


def _state(group: DuplicateGroup) -> dict:
    return {"status": group.status.value, "representative_id": group.representative_id}


def confirm(
    group_id: int,
    representative_id: int,
    *,
    moderator: User,
    member_ids: Iterable[int] | None = None,
    process_id: int | None = None,
) -> DuplicateGroup:
    """Confirm a pending group as one idea with ``representative_id`` shown first.

    ``member_ids`` keeps only those members (at least two, the representative among them); the
    others are left out of the group and their pairs with the kept ones are dismissed, so
    detection does not propose them together again. Raises NotFound, Conflict (already decided,
    or decided at the same moment by someone else), InvalidInput.
    """
    _moderator(moderator)
    with transaction():
        group = _group(group_id, process_id)
        _pending(group)
        all_ids = {member.contribution_id for member in group.members}
        kept = set(all_ids if member_ids is None else member_ids)
        if not kept <= all_ids:
            raise InvalidInput("Une contribution choisie ne fait pas partie de ce groupe.")
        if len(kept) < 2:
            raise InvalidInput(
                "Gardez au moins deux contributions pour confirmer un doublon ; sinon, écartez le groupe.",
                field="member_ids",
            )
        if representative_id not in kept:
            raise InvalidInput(
                "La contribution de référence doit faire partie des contributions gardées.", field="representative_id"
            )
        before = _state(group)
        excluded = sorted(all_ids - kept)
        for member in group.members:
            member.is_excluded = member.contribution_id in excluded
        added_pairs = _add_dismissed_pairs(group.process_id, ((a, b) for a in excluded for b in kept), moderator)
        group.status = DuplicateStatus.CONFIRMED
        group.representative_id = representative_id
        group.decided_by_id, group.decided_at = moderator.id, utcnow()
        db.session.flush()
        audit.record(
            CONFIRM,
            actor=moderator,
            target_type=TARGET,
            target_id=group.id,
            before=before,
            after={**_state(group), "kept_ids": sorted(kept), "excluded_ids": excluded, "dismissed_pairs": added_pairs},
        )
    return group


def dismiss(group_id: int, *, moderator: User, process_id: int | None = None) -> DuplicateGroup:
    """Say a pending group's contributions are not duplicates; none of its pairs is proposed again.

    Raises NotFound, Conflict (already decided).
    """
    _moderator(moderator)
    with transaction():
        group = _group(group_id, process_id)
        _pending(group)
        before = _state(group)
        ids = sorted(member.contribution_id for member in group.members)
        added_pairs = _add_dismissed_pairs(group.process_id, combinations(ids, 2), moderator)
        group.status = DuplicateStatus.DISMISSED
        group.decided_by_id, group.decided_at = moderator.id, utcnow()
        db.session.flush()
        audit.record(
            DISMISS,
            actor=moderator,
            target_type=TARGET,
            target_id=group.id,
            before=before,
            after={**_state(group), "dismissed_pairs": added_pairs},
        )
    return group


# --- Reading -------------------------------------------------------------------------------------


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


# --- Undo and redo from the journal ----------------------------------------------------------------


def _group_for_reversal(entry: AuditEntry) -> DuplicateGroup:
    group = db.session.get(DuplicateGroup, entry.target_id)
    if group is None:
        raise Conflict(
            "Ce groupe de doublons n'existe plus : une nouvelle détection l'a remplacé. Rien n'a été modifié."
        )
    return group


def _refuse_if_later_acts(entry: AuditEntry) -> None:
    blocking = undo.later_acts(entry, [(TARGET, entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)


def _back_to_pending(entry: AuditEntry, actor: User) -> None:
    """Undo a confirm or a dismiss: the group is pending again and the pairs it dismissed are not."""
    _refuse_if_later_acts(entry)
    group = _group_for_reversal(entry)
    if group.status.value != entry.after["status"]:
        raise Conflict("Ce groupe a changé depuis cet acte : rien n'a été modifié.")
    _remove_dismissed_pairs(entry.after["dismissed_pairs"])
    for member in group.members:
        member.is_excluded = False
    group.status = DuplicateStatus.PENDING
    group.representative_id = entry.before["representative_id"]
    group.decided_by_id, group.decided_at = None, None
    db.session.flush()


def _redo_decision(entry: AuditEntry, actor: User) -> None:
    """Apply a confirm or a dismiss again, as it was first decided."""
    _refuse_if_later_acts(entry)
    group = _group_for_reversal(entry)
    if group.status != DuplicateStatus.PENDING:
        raise Conflict("Ce groupe a été traité depuis : rien n'a été modifié.")
    pairs = [tuple(pair) for pair in entry.after["dismissed_pairs"]]
    if pairs and _add_dismissed_pairs(group.process_id, pairs, actor) != [list(pair) for pair in pairs]:
        raise Conflict("Certaines paires ont été écartées depuis par un autre acte : rien n'a été modifié.")
    excluded = set(entry.after.get("excluded_ids", []))
    for member in group.members:
        member.is_excluded = member.contribution_id in excluded
    group.status = DuplicateStatus(entry.after["status"])
    group.representative_id = entry.after["representative_id"]
    group.decided_by_id, group.decided_at = entry.actor_id, entry.created_at
    db.session.flush()


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    undo.handler(CONFIRM, label="Confirmation d'un groupe de doublons", redo=_redo_decision)(_back_to_pending)
    undo.handler(DISMISS, label="Groupe de doublons écarté", redo=_redo_decision)(_back_to_pending)
    undo.describe(DETECT, label="Recherche de doublons")
