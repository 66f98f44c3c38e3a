"""Placing proposals in the plaidoyer (staff only, one transaction each, audited on ``("plaidoyer", id)``).

- ``add_proposal`` (to a section, or to the section of its main theme), ``move_proposal`` (up, down,
  to another section), ``remove_proposal``;
- ``add_from_process``: the retained proposals of one more event go to the sections of their main
  themes (created as needed), appended after what is there; nothing else moves.

A proposal's main theme is the one of its themes that most of its source contributions share (a
proposal drafted from a cluster gets every theme its contributions carry, in the themes' display
order, so the first of them is often a minor one).

Proposals are only referenced: nothing here changes a proposal or a contribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    Contribution,
    Plaidoyer,
    PlaidoyerItem,
    PlaidoyerSection,
    Process,
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalStatus,
    Theme,
    User,
)
from contrib.plaidoyer.structure import (
    PROCESS_ADD,
    PROPOSAL_ADD,
    PROPOSAL_MOVE,
    PROPOSAL_REMOVE,
    get_item,
    get_plaidoyer,
    get_section,
    new_section,
    placed_items,
    record,
    renumber,
    require_staff,
    shown_sections,
    state_of,
    swap,
)
from nlp import fold

OTHER_SECTION_TITLE = "Autres propositions"

_PRIORITY_RANK = {ProposalPriority.HIGH: 0, ProposalPriority.MEDIUM: 1, ProposalPriority.LOW: 2}


def _placeable(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_cancelled:
        raise NotFound(f"Proposition n° {proposal_id} introuvable.", field="proposal_id")
    if proposal.merged_into_id is not None:
        raise Conflict(
            f"La proposition n° {proposal.id} a été fusionnée dans la proposition "
            f"n° {proposal.merged_into_id} : ajoutez celle-ci.",
            field="proposal_id",
        )
    if proposal.status == ProposalStatus.DISCARDED:
        raise InvalidInput(
            f"La proposition n° {proposal.id} a été écartée : elle ne peut pas entrer dans le plaidoyer.",
            field="proposal_id",
        )
    return proposal


def main_themes(proposals: list[Proposal]) -> dict[int, Theme | None]:
    """Each proposal's main theme: among its themes, the one most of its sources are filed under (ties:
    the theme shown first); None without themes. One query whatever the number of proposals."""
    ids = [proposal.id for proposal in proposals]
    per_theme: dict[int, Counter[int]] = {proposal_id: Counter() for proposal_id in ids}
    if ids:
        rows = db.session.execute(
            db.select(ProposalSource.proposal_id, Contribution.theme_id)
            .join(Contribution, Contribution.id == ProposalSource.contribution_id)
            .where(ProposalSource.proposal_id.in_(ids))
        ).all()
        for proposal_id, theme_id in rows:
            per_theme[proposal_id][theme_id] += 1
    return {
        proposal.id: min(
            proposal.themes,
            key=lambda theme: (-per_theme[proposal.id][theme.id], theme.position, theme.id),
            default=None,
        )
        for proposal in proposals
    }


def _section_for(
    plaidoyer: Plaidoyer, theme: Theme | None, sections: list[PlaidoyerSection]
) -> tuple[PlaidoyerSection, bool]:
    """The section of ``theme``, created at the end when missing; (section, created)."""
    key, title = (fold(theme.name)[:120], theme.name) if theme else (None, OTHER_SECTION_TITLE)
    for section in sections:
        if section.theme_key == key or (section.theme_key is None and key is None and section.title == title):
            return section, False
    section = new_section(plaidoyer, title, theme_key=key, position=len(sections))
    sections.append(section)
    return section, True


def _place(plaidoyer: Plaidoyer, proposal: Proposal, section: PlaidoyerSection, actor: User) -> None:
    n_in_section = db.session.scalar(
        db.select(db.func.count(PlaidoyerItem.id)).where(PlaidoyerItem.section_id == section.id)
    )
    db.session.add(
        PlaidoyerItem(
            plaidoyer_id=plaidoyer.id,
            section_id=section.id,
            proposal_id=proposal.id,
            position=n_in_section,
            added_by_id=actor.id,
        )
    )
    db.session.flush()


def _already_placed(plaidoyer_id: int, proposal_ids: Iterable[int]) -> set[int]:
    ids = list(proposal_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            db.select(PlaidoyerItem.proposal_id).where(
                PlaidoyerItem.plaidoyer_id == plaidoyer_id, PlaidoyerItem.proposal_id.in_(ids)
            )
        )
    )


def _race() -> Conflict:
    return Conflict("Quelqu'un vient d'ajouter cette proposition au plaidoyer. Rechargez la page.")


def add_proposal(
    plaidoyer_id: int,
    proposal_id: int,
    *,
    actor: User,
    section_id: int | None = None,
    expected_version: int | None = None,
) -> PlaidoyerSection:
    """Append a proposal to ``section_id``, or to the section of its theme (created when missing)."""
    require_staff(actor)
    try:
        with transaction():
            plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
            proposal = _placeable(proposal_id)
            if _already_placed(plaidoyer.id, [proposal.id]):
                section = get_section(plaidoyer.id, get_item(plaidoyer.id, proposal.id).section_id)
                raise Conflict(
                    f"La proposition n° {proposal.id} est déjà dans la section « {section.title} ».",
                    field="proposal_id",
                )
            before = state_of(plaidoyer)
            if section_id is not None:
                section = get_section(plaidoyer.id, section_id)
            else:
                theme = main_themes([proposal])[proposal.id]
                section, _ = _section_for(plaidoyer, theme, shown_sections(plaidoyer.id))
            _place(plaidoyer, proposal, section, actor)
            record(PROPOSAL_ADD, plaidoyer, actor, before, proposal_id=proposal.id, section_id=section.id)
    except IntegrityError as error:
        raise _race() from error
    return section


def move_proposal(
    plaidoyer_id: int,
    proposal_id: int,
    *,
    actor: User,
    direction: str | None = None,
    to_section_id: int | None = None,
    expected_version: int | None = None,
) -> PlaidoyerItem:
    """Move a proposal one place up or down in its section, or to the end of another section."""
    require_staff(actor)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        item = get_item(plaidoyer.id, proposal_id)
        before = state_of(plaidoyer)
        placed = placed_items(plaidoyer.id)
        if to_section_id is not None:
            target = get_section(plaidoyer.id, to_section_id)
            if target.id == item.section_id:
                raise InvalidInput(f"La proposition n° {proposal_id} est déjà dans la section « {target.title} ».")
            source_items = [other for other in placed.get(item.section_id, []) if other.id != item.id]
            renumber(source_items)
            item.section_id, item.position = target.id, len(placed.get(target.id, []))
        else:
            siblings = placed.get(item.section_id, [])
            swap(
                siblings,
                siblings.index(item),
                direction or "",
                first=f"La proposition n° {proposal_id} est déjà en tête de sa section.",
                last=f"La proposition n° {proposal_id} est déjà la dernière de sa section.",
            )
        record(
            PROPOSAL_MOVE,
            plaidoyer,
            actor,
            before,
            proposal_id=proposal_id,
            direction=direction,
            to_section_id=to_section_id,
        )
    return item


def remove_proposal(plaidoyer_id: int, proposal_id: int, *, actor: User, expected_version: int | None = None) -> None:
    """Take a proposal out of the document (the proposal itself is untouched)."""
    require_staff(actor)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        item = get_item(plaidoyer.id, proposal_id)
        before = state_of(plaidoyer)
        siblings = [other for other in placed_items(plaidoyer.id).get(item.section_id, []) if other.id != item.id]
        db.session.delete(item)
        renumber(siblings)
        record(PROPOSAL_REMOVE, plaidoyer, actor, before, proposal_id=proposal_id)


@dataclass(frozen=True)
class ProcessAddition:
    """What ``add_from_process`` did."""

    n_added: int
    n_already: int
    new_sections: list[str]


def retained_proposals(process_id: int) -> list[Proposal]:
    """The live retained proposals of a process, highest priority first, then oldest first."""
    proposals = db.session.scalars(
        db.select(Proposal)
        .options(selectinload(Proposal.themes))
        .where(
            Proposal.process_id == process_id,
            Proposal.status == ProposalStatus.RETAINED,
            Proposal.merged_into_id.is_(None),
            Proposal.cancelled_at.is_(None),
        )
    ).all()
    return sorted(proposals, key=lambda proposal: (_PRIORITY_RANK[proposal.priority], proposal.id))


def add_from_process(
    plaidoyer_id: int, process_id: int, *, actor: User, expected_version: int | None = None
) -> ProcessAddition:
    """Append the retained proposals of one process to the sections of their themes.

    Sections missing for a theme are created at the end; what is already in the document (sections,
    order, proposals) is left as it is, and proposals already placed are skipped (counted).
    """
    require_staff(actor)
    try:
        with transaction():
            plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
            process = db.session.get(Process, process_id)
            if process is None:
                raise NotFound("Démarche introuvable.", field="process_id")
            proposals = retained_proposals(process.id)
            if not proposals:
                raise InvalidInput(
                    f"La démarche « {process.title} » n'a aucune proposition retenue pour l'instant.",
                    field="process_id",
                )
            already = _already_placed(plaidoyer.id, [proposal.id for proposal in proposals])
            fresh = [proposal for proposal in proposals if proposal.id not in already]
            if not fresh:
                raise Conflict(
                    f"Les {len(proposals)} propositions retenues de « {process.title} » sont déjà dans le plaidoyer."
                    if len(proposals) > 1
                    else f"La proposition retenue de « {process.title} » est déjà dans le plaidoyer.",
                    field="process_id",
                )
            before = state_of(plaidoyer)
            sections = shown_sections(plaidoyer.id)
            new_sections = []
            themes = main_themes(fresh)
            for proposal in fresh:
                section, created = _section_for(plaidoyer, themes[proposal.id], sections)
                if created:
                    new_sections.append(section.title)
                _place(plaidoyer, proposal, section, actor)
            record(
                PROCESS_ADD,
                plaidoyer,
                actor,
                before,
                process_id=process.id,
                proposal_ids=[proposal.id for proposal in fresh],
            )
    except IntegrityError as error:
        raise _race() from error
    return ProcessAddition(n_added=len(fresh), n_already=len(already), new_sections=new_sections)
