"""Undo and redo of the moderators' adjustments of a run: each swaps back the active decisions and the
memberships the act recorded before and after, on the latest run; a later adjustment of the same
contributions or clusters blocks it."""

from __future__ import annotations

from contrib.clustering.adjustments import apply_memberships, memberships_from_json, memberships_of
from contrib.clustering.runs import (
    TARGET_TYPE,
    active_run,
    latest_done_run,
)
from contrib.core import undo
from contrib.core.errors import Conflict
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    ClusteringDecision,
    User,
)

ADJUSTMENTS = {
    "clustering:cluster:rename": "Regroupement renommé",
    "clustering:contribution:move": "Contribution déplacée dans un autre regroupement",
    "clustering:contribution:pin": "Contribution épinglée dans son regroupement",
    "clustering:contribution:exclude": "Contribution exclue du regroupement",
    "clustering:cluster:merge": "Fusion de deux regroupements",
    "clustering:cluster:split": "Scission d'un regroupement",
}


def _blocking(entry: AuditEntry) -> list[AuditEntry]:
    """Later live adjustments on the same contributions or cluster keys."""
    ids, keys = set(entry.after["contribution_ids"]), set(entry.after["keys"])
    return [
        later
        for later in undo.later_acts(entry, [(TARGET_TYPE, entry.target_id)])
        if later.action in ADJUSTMENTS
        and (ids & set(later.after["contribution_ids"]) or keys & set(later.after["keys"]))
    ]


def _switch(entry: AuditEntry, *, from_state: dict, to_state: dict) -> None:
    """Swap decisions and memberships from ``from_state`` to ``to_state`` on the latest run."""
    process_id = entry.target_id
    if active_run(process_id) is not None:
        raise Conflict("Un regroupement est en cours de calcul : attendez qu'il se termine pour annuler.")
    to_deactivate = db.session.scalars(
        db.select(ClusteringDecision).where(ClusteringDecision.id.in_(from_state["decisions"]))
    ).all()
    to_activate = db.session.scalars(
        db.select(ClusteringDecision).where(ClusteringDecision.id.in_(to_state["decisions"]))
    ).all()
    if not all(d.is_active for d in to_deactivate) or any(d.is_active for d in to_activate):
        raise Conflict("Les décisions de regroupement ont changé depuis cet acte : rien n'a été modifié.")
    for decision in to_deactivate:
        decision.is_active = False
    for decision in to_activate:
        decision.is_active = True
    run = latest_done_run(process_id)
    if run is None or not from_state["memberships"]:
        return
    expected, wanted = memberships_from_json(from_state["memberships"]), memberships_from_json(to_state["memberships"])
    current = memberships_of(run.id, expected)
    # A later run may have placed some contributions elsewhere on its own: only those still where
    # the act left them go back.
    apply_memberships(
        run,
        {id_: wanted[id_] for id_, state in current.items() if state == expected[id_]},
        template_run_id=entry.after["run_id"],
    )


def _undo_adjustment(entry: AuditEntry, actor: User) -> None:
    blocking = _blocking(entry)
    if blocking:
        raise undo.Blocked(blocking)
    _switch(entry, from_state=entry.after, to_state=entry.before)


def _redo_adjustment(entry: AuditEntry, actor: User) -> None:
    _switch(entry, from_state=entry.before, to_state=entry.after)


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    for action, label in ADJUSTMENTS.items():
        undo.handler(action, label=label, redo=_redo_adjustment)(_undo_adjustment)
    undo.describe("clustering:run:launch", label="Lancement d'un regroupement")
