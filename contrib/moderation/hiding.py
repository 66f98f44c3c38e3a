"""Hiding and restoring contributions by moderators, and undoing those acts from the journal.

Hiding never deletes: ``hidden_at``/``hidden_reason`` are set and the contribution keeps its
supports, comments, cluster and proposal links. Every act is audited with the visibility state
before and after, which is all an undo needs.
"""

from __future__ import annotations

from contrib.core import audit, undo
from contrib.core.errors import Conflict, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, User
from contrib.models.base import utcnow
from contrib.notifications import services as notifications

HIDDEN_REASON_MAX_LENGTH = 300


_moderator = moderator_guard("masquer ou rétablir une contribution")


def _contribution(contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound("Contribution introuvable.")
    return contribution


def visibility(contribution: Contribution) -> dict:
    return {
        "hidden": contribution.is_hidden,
        "hidden_reason": contribution.hidden_reason,
        "hidden_by_id": contribution.hidden_by_id,
    }


def _apply_visibility(contribution: Contribution, state: dict) -> None:
    if state["hidden"]:
        contribution.hidden_at = contribution.hidden_at or utcnow()
        contribution.hidden_reason = state.get("hidden_reason")
        contribution.hidden_by_id = state.get("hidden_by_id")
    else:
        contribution.hidden_at = None
        contribution.hidden_reason = None
        contribution.hidden_by_id = None


def hide(contribution_id: int, reason: str, *, moderator: User, expected_version: int | None = None) -> Contribution:
    """Hide a contribution with a public reason; its author is told why."""
    _moderator(moderator)
    reason = clean_text(reason, field_label="Motif", max_length=HIDDEN_REASON_MAX_LENGTH)
    with transaction():
        contribution = _contribution(contribution_id)
        _check_version(contribution, expected_version)
        if contribution.is_hidden:
            raise Conflict("Cette contribution est déjà masquée.")
        before = visibility(contribution)
        _apply_visibility(contribution, {"hidden": True, "hidden_reason": reason, "hidden_by_id": moderator.id})
        db.session.flush()
        audit.record(
            "moderation:contribution:hide",
            actor=moderator,
            target_type="contribution",
            target_id=contribution.id,
            before=before,
            after=visibility(contribution),
        )
        pending = notifications.notify(
            contribution.author_id,
            "hidden",
            f"Votre contribution n° {contribution.id} a été masquée par la modération : {reason}. Rien n'est supprimé.",
            endpoint="participation.contribution",
            endpoint_args={"contribution_id": contribution.id},
        )
    notifications.deliver([pending])
    return contribution


def restore(contribution_id: int, *, moderator: User, expected_version: int | None = None) -> Contribution:
    """Make a hidden contribution visible again."""
    _moderator(moderator)
    with transaction():
        contribution = _contribution(contribution_id)
        _check_version(contribution, expected_version)
        if not contribution.is_hidden:
            raise Conflict("Cette contribution est déjà visible.")
        before = visibility(contribution)
        _apply_visibility(contribution, {"hidden": False})
        db.session.flush()
        audit.record(
            "moderation:contribution:restore",
            actor=moderator,
            target_type="contribution",
            target_id=contribution.id,
            before=before,
            after=visibility(contribution),
        )
    return contribution


def _check_version(contribution: Contribution, expected_version: int | None) -> None:
    """The page's version must still be current: a moderator never acts on what they did not see."""
    if expected_version is not None and contribution.version != expected_version:
        raise Conflict(
            "Cette contribution vient d'être modifiée par quelqu'un d'autre. Rechargez la page et recommencez."
        )


def _set_visibility_from(entry: AuditEntry, state_key: str, expected_key: str) -> None:
    """Put the contribution back in ``entry.<state_key>``, if it is still as ``entry.<expected_key>`` left it."""
    contribution = _contribution(entry.target_id)
    expected, wanted = getattr(entry, expected_key), getattr(entry, state_key)
    if contribution.is_hidden != expected["hidden"]:
        raise Conflict("La visibilité de cette contribution a changé depuis cet acte : rien n'a été modifié.")
    _apply_visibility(contribution, wanted)
    db.session.flush()


def _undo_visibility(entry: AuditEntry, actor: User) -> None:
    # Every later undoable act on a contribution changes its visibility (these, report decisions).
    blocking = undo.later_acts(entry, [("contribution", entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)
    _set_visibility_from(entry, "before", "after")


def _redo_visibility(entry: AuditEntry, actor: User) -> None:
    _set_visibility_from(entry, "after", "before")


VISIBILITY_ACTIONS = {
    "moderation:contribution:hide": "Masquage d'une contribution",
    "moderation:contribution:restore": "Rétablissement d'une contribution",
}


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    for action, label in VISIBILITY_ACTIONS.items():
        undo.handler(action, label=label, redo=_redo_visibility)(_undo_visibility)
