"""Undo and redo of the proposals' acts from the journal; ``register_undo`` is called by create_app."""

from __future__ import annotations

from collections.abc import Iterable

from contrib.core import undo
from contrib.core.errors import Conflict
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    Proposal,
    User,
)
from contrib.models.base import utcnow
from contrib.proposals.acts import _apply_merge, _set_wording, _wording
from contrib.proposals.common import (
    ACTIONS,
    ADD,
    CREATE,
    EDIT,
    MERGE,
    REMOVE,
    SPLIT,
    attach_sources,
    check_no_direct_supports,
    current_source_ids,
    detach_sources,
    move_sources,
    numbers,
    proposal_for_act,
    selectable_contributions,
    touch_proposals,
)
from contrib.proposals.queries import taken_by
from contrib.proposals.supporters import recompute_supports

# --- undo and redo -----------------------------------------------------------------------------


def _involved(entry: AuditEntry) -> tuple[set[int], set[int], set[int]]:
    after = entry.after or {}
    return (
        set(after.get("proposal_ids", [])),
        set(after.get("created_ids", [])),
        set(after.get("contribution_ids", [])),
    )


def _dependants(entry: AuditEntry) -> list[AuditEntry]:
    """Later live acts that rely on ``entry``: proposal acts sharing a proposal or a contribution with
    it, and any other undoable act aimed at one of its proposals."""
    proposals, _created, contributions = _involved(entry)
    later = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.id > entry.id, AuditEntry.undone_at.is_(None), AuditEntry.action.in_(ACTIONS))
        .order_by(AuditEntry.id)
    ).all()
    blocking = []
    for other in later:
        other_proposals, _, other_contributions = _involved(other)
        if other_proposals & proposals or other_contributions & contributions:
            blocking.append(other)
    blocking += undo.later_acts(
        entry, [("proposal", proposal_id) for proposal_id in sorted(proposals)], ignore_actions=ACTIONS
    )
    return sorted(blocking, key=lambda item: item.id)


def _refuse_if_dependants(entry: AuditEntry) -> None:
    blocking = _dependants(entry)
    if blocking:
        raise undo.Blocked(blocking)


def _expect_sources(proposal: Proposal, contribution_ids: Iterable[int]) -> None:
    if not set(contribution_ids) <= set(current_source_ids(proposal.id)):
        raise Conflict(
            f"Les contributions de la proposition n° {proposal.id} ont changé depuis cet acte : rien n'a été modifié."
        )


def _undo_create(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = proposal_for_act(entry.target_id)
    check_no_direct_supports(proposal)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    detach_sources(proposal, ids, entry.before["statuses"])
    proposal.cancelled_at = utcnow()
    recompute_supports(proposal)


def _redo_create(entry: AuditEntry, actor: User) -> None:
    proposal = db.session.get(Proposal, entry.target_id)
    if proposal is None or not proposal.is_cancelled:
        raise Conflict("Cette proposition existe déjà : rien n'a été modifié.")
    contributions = selectable_contributions(proposal.process, entry.after["contribution_ids"])
    proposal.cancelled_at = None
    attach_sources(proposal, contributions, actor)
    recompute_supports(proposal)


def _undo_add(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = proposal_for_act(entry.target_id)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    detach_sources(proposal, ids, entry.before["statuses"])
    touch_proposals(proposal)
    recompute_supports(proposal)


def _redo_add(entry: AuditEntry, actor: User) -> None:
    proposal = proposal_for_act(entry.target_id)
    attach_sources(
        proposal, selectable_contributions(proposal.process, entry.after["contribution_ids"], into=proposal), actor
    )
    touch_proposals(proposal)
    recompute_supports(proposal)


def _undo_remove(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = proposal_for_act(entry.target_id)
    ids = entry.after["contribution_ids"]
    taken = taken_by(ids)
    if taken:
        raise Conflict(
            f"La contribution {numbers(ids)} alimente maintenant une autre proposition : rien n'a été modifié."
        )
    contributions = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids))).all()
    attach_sources(proposal, list(contributions), actor)
    touch_proposals(proposal)
    recompute_supports(proposal)


def _redo_remove(entry: AuditEntry, actor: User) -> None:
    proposal = proposal_for_act(entry.target_id)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    if len(current_source_ids(proposal.id)) <= len(ids):
        raise Conflict("La proposition n'aurait plus aucune contribution : rien n'a été modifié.")
    detach_sources(proposal, ids)
    touch_proposals(proposal)
    recompute_supports(proposal)


def _undo_merge(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    source = proposal_for_act(entry.target_id, live=False)
    target = proposal_for_act(entry.after["merged_into_id"])
    if source.merged_into_id != target.id:
        raise Conflict("Cette fusion a déjà été défaite : rien n'a été modifié.")
    ids = entry.after["contribution_ids"]
    _expect_sources(target, ids)
    move_sources(ids, target, source)
    added = set(entry.after.get("added_theme_ids", []))
    target.themes = [theme for theme in target.themes if theme.id not in added]
    source.merged_into_id = None
    source.merged_at = None
    touch_proposals(source, target)
    recompute_supports(source, target)


def _redo_merge(entry: AuditEntry, actor: User) -> None:
    source = proposal_for_act(entry.target_id)
    target = proposal_for_act(entry.after["merged_into_id"])
    _expect_sources(source, entry.after["contribution_ids"])
    _apply_merge(source, target)


def _undo_split(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    original = proposal_for_act(entry.target_id)
    new = proposal_for_act(entry.after["new_proposal"]["id"])
    check_no_direct_supports(new)
    ids = entry.after["contribution_ids"]
    _expect_sources(new, ids)
    move_sources(ids, new, original)
    new.cancelled_at = utcnow()
    touch_proposals(original)
    recompute_supports(original, new)


def _redo_split(entry: AuditEntry, actor: User) -> None:
    original = proposal_for_act(entry.target_id)
    new = db.session.get(Proposal, entry.after["new_proposal"]["id"])
    if new is None or not new.is_cancelled:
        raise Conflict("La proposition issue de la scission existe déjà : rien n'a été modifié.")
    ids = entry.after["contribution_ids"]
    _expect_sources(original, ids)
    if len(current_source_ids(original.id)) <= len(ids):
        raise Conflict("La proposition d'origine n'aurait plus aucune contribution : rien n'a été modifié.")
    move_sources(ids, original, new)
    new.cancelled_at = None
    touch_proposals(original)
    recompute_supports(original, new)


def _undo_edit(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    _swap_wording(entry, entry.after, entry.before)


def _redo_edit(entry: AuditEntry, actor: User) -> None:
    _swap_wording(entry, entry.before, entry.after)


def _swap_wording(entry: AuditEntry, expected: dict, wanted: dict) -> None:
    proposal = proposal_for_act(entry.target_id)
    if _wording(proposal) != {key: expected[key] for key in ("title", "text", "citation_review")}:
        raise Conflict(f"Le texte de la proposition n° {proposal.id} a changé depuis cet acte : rien n'a été modifié.")
    _set_wording(proposal, wanted)


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    undo.handler(CREATE, label="Création d'une proposition", redo=_redo_create)(_undo_create)
    undo.handler(ADD, label="Ajout de contributions à une proposition", redo=_redo_add)(_undo_add)
    undo.handler(REMOVE, label="Retrait d'une contribution d'une proposition", redo=_redo_remove)(_undo_remove)
    undo.handler(MERGE, label="Fusion de deux propositions", redo=_redo_merge)(_undo_merge)
    undo.handler(SPLIT, label="Scission d'une proposition", redo=_redo_split)(_undo_split)
    undo.handler(EDIT, label="Modification du texte d'une proposition", redo=_redo_edit)(_undo_edit)
