"""Duplicate decisions: confirm a group as one idea or dismiss it; both audited and undoable.

Confirming makes a group "one idea": supports are then counted once per person across its
members. Dismissing stores every pair of the group, so detection never proposes them together again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    DismissedPair,
    DuplicateGroup,
    DuplicateStatus,
    User,
)
from contrib.models.base import utcnow

CONFIRM = "duplicates:group:confirm"
DISMISS = "duplicates:group:dismiss"
TARGET = "duplicate_group"

require_moderator = moderator_guard("traiter les doublons")


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


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
    require_moderator(moderator)
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
    require_moderator(moderator)
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
