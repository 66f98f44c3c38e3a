"""Undo and redo of the plaidoyer's acts: the journaled ``State`` before or after the act is put back,
only if the document is still exactly as the act left it; undos go in reverse order per plaidoyer
(``undo.Blocked`` names the later act). Versions and exports are history: described, not undoable.
"""

from __future__ import annotations

from contrib.core import undo
from contrib.core.errors import Conflict
from contrib.models import AuditEntry, Plaidoyer, Role, User
from contrib.plaidoyer.structure import (
    CREATE,
    EDIT,
    EXPORT,
    PROCESS_ADD,
    PROPOSAL_ADD,
    PROPOSAL_MOVE,
    PROPOSAL_REMOVE,
    SECTION_ADD,
    SECTION_MOVE,
    SECTION_REMOVE,
    SECTION_RENAME,
    SNAPSHOT,
    State,
    get_plaidoyer,
    require_staff,
    restore,
    state_of,
)


def _check_state(plaidoyer: Plaidoyer, expected: dict) -> None:
    if state_of(plaidoyer) != State.from_json(expected):
        raise Conflict("Le plaidoyer a changé depuis cet acte : rien n'a été modifié.")


def _undo_structure(entry: AuditEntry, actor: User) -> None:
    require_staff(actor)
    blocking = undo.later_acts(entry, [("plaidoyer", entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)
    plaidoyer = get_plaidoyer(entry.target_id)
    _check_state(plaidoyer, entry.after["state"])
    restore(plaidoyer, State.from_json(entry.before["state"]), actor)


def _redo_structure(entry: AuditEntry, actor: User) -> None:
    require_staff(actor)
    plaidoyer = get_plaidoyer(entry.target_id)
    _check_state(plaidoyer, entry.before["state"])
    restore(plaidoyer, State.from_json(entry.after["state"]), actor)


UNDOABLE = {
    EDIT: "Plaidoyer : texte modifié",
    SECTION_ADD: "Plaidoyer : section ajoutée",
    SECTION_RENAME: "Plaidoyer : section renommée",
    SECTION_MOVE: "Plaidoyer : section déplacée",
    SECTION_REMOVE: "Plaidoyer : section retirée",
    PROPOSAL_ADD: "Plaidoyer : proposition ajoutée",
    PROPOSAL_MOVE: "Plaidoyer : proposition déplacée",
    PROPOSAL_REMOVE: "Plaidoyer : proposition retirée",
    PROCESS_ADD: "Plaidoyer : propositions retenues d'une démarche ajoutées",
}


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) the plaidoyer's acts; called by create_app."""
    for action, label in UNDOABLE.items():
        undo.handler(action, label=label, redo=_redo_structure, role=Role.STAFF)(_undo_structure)
    undo.describe(CREATE, label="Plaidoyer créé")
    undo.describe(SNAPSHOT, label="Plaidoyer : version enregistrée")
    undo.describe(EXPORT, label="Plaidoyer exporté")


def history(plaidoyer_id: int, *, limit: int = 20) -> list[AuditEntry]:
    """The plaidoyer's recent acts (and their undos), newest first."""
    return undo.journal(target=("plaidoyer", plaidoyer_id), limit=limit)
