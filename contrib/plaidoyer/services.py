"""Assembling the plaidoyer: sections, proposals in order, provenance, versions and their diff.

Acts (staff only, one transaction each, audited on ``("plaidoyer", id)``):

- ``create``, ``update_text`` (title, introduction, conclusion);
- sections: ``add_section``, ``rename_section``, ``move_section``, ``remove_section`` (soft: the row stays);
- proposals: ``add_proposal``, ``move_proposal`` (up, down, to another section), ``remove_proposal``;
- ``add_from_process``: the retained proposals of one more event go to the sections of their themes
  (created as needed), appended after what is there; nothing else moves;
- ``snapshot``: a frozen version (not undoable: versions are history).

Every act that changes the document stores the document's *structure* before and after
(``_state``: texts, sections in order, proposal ids in order per section). Undo puts the "before"
back, redo the "after", each only if the document is still exactly as the act left it; undos go
in reverse order per plaidoyer (``undo.Blocked`` names the later act). Proposals are only
referenced: nothing here changes a proposal or a contribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.duplicates.diff import highlight_differences
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    Plaidoyer,
    PlaidoyerItem,
    PlaidoyerSection,
    PlaidoyerVersion,
    Process,
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalStatus,
    ProposalSupport,
    Role,
    User,
)
from contrib.models.accounts import counted
from contrib.models.base import utcnow
from contrib.models.plaidoyer import (
    PLAIDOYER_TEXT_MAX_LENGTH,
    PLAIDOYER_TITLE_MAX_LENGTH,
    SECTION_TITLE_MAX_LENGTH,
    VERSION_LABEL_MAX_LENGTH,
)
from nlp import fold

CREATE = "plaidoyer:plaidoyer:create"
EDIT = "plaidoyer:plaidoyer:edit"
SECTION_ADD = "plaidoyer:section:add"
SECTION_RENAME = "plaidoyer:section:rename"
SECTION_MOVE = "plaidoyer:section:move"
SECTION_REMOVE = "plaidoyer:section:remove"
PROPOSAL_ADD = "plaidoyer:proposal:add"
PROPOSAL_MOVE = "plaidoyer:proposal:move"
PROPOSAL_REMOVE = "plaidoyer:proposal:remove"
PROCESS_ADD = "plaidoyer:process:add"
SNAPSHOT = "plaidoyer:version:create"
EXPORT = "plaidoyer:plaidoyer:export"

OTHER_SECTION_TITLE = "Autres propositions"
UP, DOWN = "up", "down"
_PRIORITY_RANK = {ProposalPriority.HIGH: 0, ProposalPriority.MEDIUM: 1, ProposalPriority.LOW: 2}


def _staff(user: User | None) -> None:
    require_role(user, Role.STAFF, "Seule l'équipe de la CPOF peut assembler le plaidoyer.")


def _plaidoyer(plaidoyer_id: int, *, expected_version: int | None = None) -> Plaidoyer:
    plaidoyer = db.session.get(Plaidoyer, plaidoyer_id)
    if plaidoyer is None:
        raise NotFound("Plaidoyer introuvable.")
    if expected_version is not None and plaidoyer.version != expected_version:
        raise Conflict("Le plaidoyer vient d'être modifié par quelqu'un d'autre. Rechargez la page et recommencez.")
    return plaidoyer


def _sections(plaidoyer_id: int) -> list[PlaidoyerSection]:
    """The sections shown, in order."""
    return list(
        db.session.scalars(
            db.select(PlaidoyerSection)
            .where(PlaidoyerSection.plaidoyer_id == plaidoyer_id, PlaidoyerSection.removed_at.is_(None))
            .order_by(PlaidoyerSection.position, PlaidoyerSection.id)
        )
    )


def _items(plaidoyer_id: int) -> dict[int, list[PlaidoyerItem]]:
    """{section id: its items in order}."""
    placed: dict[int, list[PlaidoyerItem]] = {}
    for item in db.session.scalars(
        db.select(PlaidoyerItem)
        .where(PlaidoyerItem.plaidoyer_id == plaidoyer_id)
        .order_by(PlaidoyerItem.position, PlaidoyerItem.id)
    ):
        placed.setdefault(item.section_id, []).append(item)
    return placed


def _section(plaidoyer_id: int, section_id: int) -> PlaidoyerSection:
    section = db.session.get(PlaidoyerSection, section_id)
    if section is None or section.plaidoyer_id != plaidoyer_id or section.is_removed:
        raise NotFound("Section introuvable dans ce plaidoyer.")
    return section


def _item(plaidoyer_id: int, proposal_id: int) -> PlaidoyerItem:
    item = db.session.scalar(
        db.select(PlaidoyerItem).where(
            PlaidoyerItem.plaidoyer_id == plaidoyer_id, PlaidoyerItem.proposal_id == proposal_id
        )
    )
    if item is None:
        raise NotFound(f"La proposition n° {proposal_id} n'est pas dans ce plaidoyer.")
    return item


def _renumber(rows: Iterable) -> None:
    for position, row in enumerate(rows):
        row.position = position


def _state(plaidoyer: Plaidoyer) -> dict:
    """The document's structure and texts: what an undo restores (JSON-ready)."""
    placed = _items(plaidoyer.id)
    return {
        "title": plaidoyer.title,
        "introduction": plaidoyer.introduction,
        "conclusion": plaidoyer.conclusion,
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "proposals": [item.proposal_id for item in placed.get(section.id, [])],
            }
            for section in _sections(plaidoyer.id)
        ],
    }


def _restore(plaidoyer: Plaidoyer, state: dict, actor: User) -> None:
    """Make the document exactly ``state`` (sections revived or soft-removed, items placed)."""
    plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion = (
        state["title"],
        state["introduction"],
        state["conclusion"],
    )
    wanted = {section["id"]: (position, section) for position, section in enumerate(state["sections"])}
    for row in db.session.scalars(db.select(PlaidoyerSection).where(PlaidoyerSection.plaidoyer_id == plaidoyer.id)):
        if row.id in wanted:
            row.position, row.title, row.removed_at = wanted[row.id][0], wanted[row.id][1]["title"], None
        elif row.removed_at is None:
            row.removed_at = utcnow()
    placement = {
        proposal_id: (section["id"], position)
        for section in state["sections"]
        for position, proposal_id in enumerate(section["proposals"])
    }
    existing = {item.proposal_id: item for items in _items(plaidoyer.id).values() for item in items}
    for proposal_id, item in existing.items():
        if proposal_id not in placement:
            db.session.delete(item)
    for proposal_id, (section_id, position) in placement.items():
        item = existing.get(proposal_id)
        if item is None:
            db.session.add(
                PlaidoyerItem(
                    plaidoyer_id=plaidoyer.id,
                    proposal_id=proposal_id,
                    section_id=section_id,
                    position=position,
                    added_by_id=actor.id,
                )
            )
        else:
            item.section_id, item.position = section_id, position
    plaidoyer.updated_at = utcnow()
    db.session.flush()


def _record(action: str, plaidoyer: Plaidoyer, actor: User, before: dict, **details) -> AuditEntry:
    plaidoyer.updated_at = utcnow()  # bumps the optimistic version
    db.session.flush()
    return audit.record(
        action,
        actor=actor,
        target_type="plaidoyer",
        target_id=plaidoyer.id,
        before={"state": before, **details},
        after={"state": _state(plaidoyer)},
    )


# --- the document ------------------------------------------------------------------------------


def _title(title: str | None) -> str:
    return clean_text(title, field_label="Titre", max_length=PLAIDOYER_TITLE_MAX_LENGTH, multiline=False)


def create(title: str | None, *, actor: User) -> Plaidoyer:
    """A new, empty plaidoyer; sections come with the proposals."""
    _staff(actor)
    title = _title(title)
    with transaction():
        plaidoyer = Plaidoyer(title=title, introduction="", conclusion="", created_by_id=actor.id)
        db.session.add(plaidoyer)
        db.session.flush()
        audit.record(CREATE, actor=actor, target_type="plaidoyer", target_id=plaidoyer.id, after={"title": title})
    return plaidoyer


def update_text(
    plaidoyer_id: int,
    title: str | None,
    introduction: str | None,
    conclusion: str | None,
    *,
    actor: User,
    expected_version: int | None = None,
) -> Plaidoyer:
    """Change the title, introduction and conclusion (both may be empty)."""
    _staff(actor)
    title = _title(title)
    introduction = (
        clean_text(introduction, field_label="Introduction", max_length=PLAIDOYER_TEXT_MAX_LENGTH, required=False) or ""
    )
    conclusion = (
        clean_text(conclusion, field_label="Conclusion", max_length=PLAIDOYER_TEXT_MAX_LENGTH, required=False) or ""
    )
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        before = _state(plaidoyer)
        if (plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion) == (title, introduction, conclusion):
            raise InvalidInput("Rien n'a changé dans le titre, l'introduction ni la conclusion.")
        plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion = title, introduction, conclusion
        _record(EDIT, plaidoyer, actor, before)
    return plaidoyer


def _section_title(title: str | None) -> str:
    return clean_text(title, field_label="Titre de la section", max_length=SECTION_TITLE_MAX_LENGTH, multiline=False)


def add_section(
    plaidoyer_id: int, title: str | None, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    """A new empty section at the end."""
    _staff(actor)
    title = _section_title(title)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        before = _state(plaidoyer)
        section = _new_section(plaidoyer, title, theme_key=None, position=len(before["sections"]))
        _record(SECTION_ADD, plaidoyer, actor, before, section_id=section.id)
    return section


def _new_section(plaidoyer: Plaidoyer, title: str, *, theme_key: str | None, position: int) -> PlaidoyerSection:
    section = PlaidoyerSection(plaidoyer_id=plaidoyer.id, title=title, theme_key=theme_key, position=position)
    db.session.add(section)
    db.session.flush()
    return section


def rename_section(
    plaidoyer_id: int, section_id: int, title: str | None, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    _staff(actor)
    title = _section_title(title)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = _section(plaidoyer.id, section_id)
        if section.title == title:
            raise InvalidInput("La section porte déjà ce titre.", field="title")
        before = _state(plaidoyer)
        section.title = title
        _record(SECTION_RENAME, plaidoyer, actor, before, section_id=section.id)
    return section


def _swap(rows: list, index: int, direction: str, *, first: str, last: str) -> None:
    if direction not in (UP, DOWN):
        raise InvalidInput("Direction inconnue : choisissez « monter » ou « descendre ».")
    other = index - 1 if direction == UP else index + 1
    if other < 0:
        raise InvalidInput(first)
    if other >= len(rows):
        raise InvalidInput(last)
    rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)


def move_section(
    plaidoyer_id: int, section_id: int, direction: str, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    """Move a section one place up or down."""
    _staff(actor)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = _section(plaidoyer.id, section_id)
        before = _state(plaidoyer)
        sections = _sections(plaidoyer.id)
        _swap(
            sections,
            sections.index(section),
            direction,
            first=f"La section « {section.title} » est déjà la première.",
            last=f"La section « {section.title} » est déjà la dernière.",
        )
        _record(SECTION_MOVE, plaidoyer, actor, before, section_id=section.id, direction=direction)
    return section


def remove_section(plaidoyer_id: int, section_id: int, *, actor: User, expected_version: int | None = None) -> None:
    """Take an empty section out of the document (its row stays, for undo)."""
    _staff(actor)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = _section(plaidoyer.id, section_id)
        n_items = len(_items(plaidoyer.id).get(section.id, []))
        if n_items:
            raise InvalidInput(
                f"La section « {section.title} » contient encore {n_items} proposition"
                f"{'s' if n_items > 1 else ''} : déplacez-les ou retirez-les d'abord."
            )
        before = _state(plaidoyer)
        section.removed_at = utcnow()
        _renumber(_sections(plaidoyer.id))
        _record(SECTION_REMOVE, plaidoyer, actor, before, section_id=section.id)


# --- proposals ---------------------------------------------------------------------------------


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


def _theme_of(proposal: Proposal) -> tuple[str | None, str]:
    """(theme key, section title) of the section a proposal goes to by default: its first theme."""
    if not proposal.themes:
        return None, OTHER_SECTION_TITLE
    name = proposal.themes[0].name
    return fold(name)[:120], name


def _section_for(
    plaidoyer: Plaidoyer, proposal: Proposal, sections: list[PlaidoyerSection]
) -> tuple[PlaidoyerSection, bool]:
    """The section of the proposal's theme, created at the end when missing; (section, created)."""
    key, title = _theme_of(proposal)
    for section in sections:
        if section.theme_key == key or (section.theme_key is None and key is None and section.title == title):
            return section, False
    section = _new_section(plaidoyer, title, theme_key=key, position=len(sections))
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
    _staff(actor)
    try:
        with transaction():
            plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
            proposal = _placeable(proposal_id)
            if _already_placed(plaidoyer.id, [proposal.id]):
                section = _section(plaidoyer.id, _item(plaidoyer.id, proposal.id).section_id)
                raise Conflict(
                    f"La proposition n° {proposal.id} est déjà dans la section « {section.title} ».",
                    field="proposal_id",
                )
            before = _state(plaidoyer)
            if section_id is not None:
                section = _section(plaidoyer.id, section_id)
            else:
                section, _ = _section_for(plaidoyer, proposal, _sections(plaidoyer.id))
            _place(plaidoyer, proposal, section, actor)
            _record(PROPOSAL_ADD, plaidoyer, actor, before, proposal_id=proposal.id, section_id=section.id)
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
    _staff(actor)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        item = _item(plaidoyer.id, proposal_id)
        before = _state(plaidoyer)
        placed = _items(plaidoyer.id)
        if to_section_id is not None:
            target = _section(plaidoyer.id, to_section_id)
            if target.id == item.section_id:
                raise InvalidInput(f"La proposition n° {proposal_id} est déjà dans la section « {target.title} ».")
            source_items = [other for other in placed.get(item.section_id, []) if other.id != item.id]
            _renumber(source_items)
            item.section_id, item.position = target.id, len(placed.get(target.id, []))
        else:
            siblings = placed.get(item.section_id, [])
            _swap(
                siblings,
                siblings.index(item),
                direction or "",
                first=f"La proposition n° {proposal_id} est déjà en tête de sa section.",
                last=f"La proposition n° {proposal_id} est déjà la dernière de sa section.",
            )
        _record(
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
    _staff(actor)
    with transaction():
        plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
        item = _item(plaidoyer.id, proposal_id)
        before = _state(plaidoyer)
        siblings = [other for other in _items(plaidoyer.id).get(item.section_id, []) if other.id != item.id]
        db.session.delete(item)
        _renumber(siblings)
        _record(PROPOSAL_REMOVE, plaidoyer, actor, before, proposal_id=proposal_id)


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
    _staff(actor)
    try:
        with transaction():
            plaidoyer = _plaidoyer(plaidoyer_id, expected_version=expected_version)
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
            before = _state(plaidoyer)
            sections = _sections(plaidoyer.id)
            new_sections = []
            for proposal in fresh:
                section, created = _section_for(plaidoyer, proposal, sections)
                if created:
                    new_sections.append(section.title)
                _place(plaidoyer, proposal, section, actor)
            _record(
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


# --- undo / redo -------------------------------------------------------------------------------


def _check_state(entry: AuditEntry, plaidoyer: Plaidoyer, expected: dict) -> None:
    if _state(plaidoyer) != expected:
        raise Conflict("Le plaidoyer a changé depuis cet acte : rien n'a été modifié.")


def _undo_structure(entry: AuditEntry, actor: User) -> None:
    _staff(actor)
    blocking = undo.later_acts(entry, [("plaidoyer", entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)
    plaidoyer = _plaidoyer(entry.target_id)
    _check_state(entry, plaidoyer, entry.after["state"])
    _restore(plaidoyer, entry.before["state"], actor)


def _redo_structure(entry: AuditEntry, actor: User) -> None:
    _staff(actor)
    plaidoyer = _plaidoyer(entry.target_id)
    _check_state(entry, plaidoyer, entry.before["state"])
    _restore(plaidoyer, entry.after["state"], actor)


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
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    for action, label in UNDOABLE.items():
        undo.handler(action, label=label, redo=_redo_structure, role=Role.STAFF)(_undo_structure)
    undo.describe(CREATE, label="Plaidoyer créé")
    undo.describe(SNAPSHOT, label="Plaidoyer : version enregistrée")
    undo.describe(EXPORT, label="Plaidoyer exporté")


def history(plaidoyer_id: int, *, limit: int = 20) -> list[AuditEntry]:
    """The plaidoyer's recent acts (and their undos), newest first."""
    return undo.journal(target=("plaidoyer", plaidoyer_id), limit=limit)


# --- reading: the document with its provenance --------------------------------------------------


def list_plaidoyers() -> list[Plaidoyer]:
    return list(db.session.scalars(db.select(Plaidoyer).order_by(Plaidoyer.updated_at.desc(), Plaidoyer.id.desc())))


def get(plaidoyer_id: int) -> Plaidoyer:
    """The plaidoyer; NotFound when it does not exist."""
    return _plaidoyer(plaidoyer_id)


def provenance(proposals: list[Proposal]) -> dict[int, dict]:
    """For each proposal: its visible source contributions, distinct supporters, events, regions, actor mix.

    Three queries whatever the number of proposals. Hidden contributions are left out (exports are
    public); events are the processes of the sources, plus the proposal's own.
    """
    ids = [proposal.id for proposal in proposals]
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(ProposalSource.proposal_id, Contribution)
        .join(Contribution, Contribution.id == ProposalSource.contribution_id)
        .options(joinedload(Contribution.process), joinedload(Contribution.theme))
        .where(ProposalSource.proposal_id.in_(ids), Contribution.hidden_at.is_(None))
        .order_by(Contribution.id)
    ).all()
    sources: dict[int, list[Contribution]] = {proposal_id: [] for proposal_id in ids}
    for proposal_id, contribution in rows:
        sources[proposal_id].append(contribution)
    supporters = dict(
        db.session.execute(
            db.select(ProposalSupport.proposal_id, db.func.count(db.distinct(ProposalSupport.user_id)))
            .where(ProposalSupport.proposal_id.in_(ids), counted(ProposalSupport.user_id))
            .group_by(ProposalSupport.proposal_id)
        ).all()
    )
    result = {}
    for proposal in proposals:
        contributions = sources[proposal.id]
        per_event = Counter(contribution.process_id for contribution in contributions)
        processes = {contribution.process_id: contribution.process for contribution in contributions}
        processes.setdefault(proposal.process_id, proposal.process)
        events = [
            {
                "id": process.id,
                "slug": process.slug,
                "title": process.title,
                "region": process.region,
                "n_sources": per_event.get(process.id, 0),
                "url": f"/demarches/{process.slug}",
            }
            for process in sorted(processes.values(), key=lambda process: process.id)
        ]
        actor_types = Counter(contribution.actor_type.label for contribution in contributions)
        result[proposal.id] = {
            "n_sources": len(contributions),
            "n_supporters": supporters.get(proposal.id, 0),
            "n_events": len(events),
            "events": events,
            "regions": sorted({event["region"] for event in events if event["region"]}),
            "actor_types": [
                {"label": label, "n": n}
                for label, n in sorted(actor_types.items(), key=lambda pair: (-pair[1], pair[0]))
            ],
            "sources": [_source(contribution) for contribution in contributions],
        }
    return result


def _source(contribution: Contribution) -> dict:
    return {
        "id": contribution.id,
        "title": contribution.title,
        "text": contribution.text,
        "kind": contribution.kind.label,
        "theme": contribution.theme.name,
        "actor_type": contribution.actor_type.label,
        "process_id": contribution.process_id,
        "process": contribution.process.title,
        "region": contribution.process.region,
        "date": contribution.created_at.date().isoformat(),
        "url": f"/contributions/{contribution.id}",
    }


def document(plaidoyer: Plaidoyer) -> dict:
    """The whole document as plain data (what a version freezes and what every export renders)."""
    placed = _items(plaidoyer.id)
    sections = _sections(plaidoyer.id)
    proposal_ids = [item.proposal_id for section in sections for item in placed.get(section.id, [])]
    proposals = (
        {
            proposal.id: proposal
            for proposal in db.session.scalars(
                db.select(Proposal)
                .options(joinedload(Proposal.process), selectinload(Proposal.themes))
                .where(Proposal.id.in_(proposal_ids))
            )
        }
        if proposal_ids
        else {}
    )
    origins = provenance(list(proposals.values()))
    content_sections = []
    for section in sections:
        entries = []
        for item in placed.get(section.id, []):
            proposal = proposals[item.proposal_id]
            entries.append(
                {
                    "id": proposal.id,
                    "title": proposal.title,
                    "text": proposal.text,
                    "priority": proposal.priority.label,
                    "status": proposal.status.label,
                    "status_reason": proposal.status_reason,
                    "themes": [theme.name for theme in proposal.themes],
                    "process": proposal.process.title,
                    "url": f"/propositions/{proposal.id}",
                    "provenance": origins[proposal.id],
                }
            )
        content_sections.append({"id": section.id, "title": section.title, "proposals": entries})
    all_sources = {source["id"] for origin in origins.values() for source in origin["sources"]}
    all_events = {event["id"]: event for origin in origins.values() for event in origin["events"]}
    return {
        "plaidoyer": {
            "id": plaidoyer.id,
            "title": plaidoyer.title,
            "introduction": plaidoyer.introduction,
            "conclusion": plaidoyer.conclusion,
        },
        "sections": content_sections,
        "totals": {
            "n_sections": len(content_sections),
            "n_proposals": len(proposal_ids),
            "n_sources": len(all_sources),
            "n_events": len(all_events),
            "regions": sorted({event["region"] for event in all_events.values() if event["region"]}),
        },
    }


# --- versions ----------------------------------------------------------------------------------


def snapshot(plaidoyer_id: int, label: str | None, *, actor: User) -> PlaidoyerVersion:
    """Freeze the document as it is now, provenance included, under the next version number."""
    _staff(actor)
    label = clean_text(
        label, field_label="Nom de la version", max_length=VERSION_LABEL_MAX_LENGTH, required=False, multiline=False
    )
    try:
        with transaction():
            plaidoyer = _plaidoyer(plaidoyer_id)
            number = (
                db.session.scalar(
                    db.select(db.func.max(PlaidoyerVersion.number)).where(PlaidoyerVersion.plaidoyer_id == plaidoyer.id)
                )
                or 0
            ) + 1
            version = PlaidoyerVersion(
                plaidoyer_id=plaidoyer.id,
                number=number,
                label=label or f"Version {number}",
                created_by_id=actor.id,
                content=document(plaidoyer),
            )
            db.session.add(version)
            db.session.flush()
            audit.record(
                SNAPSHOT,
                actor=actor,
                target_type="plaidoyer",
                target_id=plaidoyer.id,
                after={"version_id": version.id, "number": number, "label": version.label},
            )
    except IntegrityError as error:
        raise Conflict("Quelqu'un vient d'enregistrer une version en même temps. Recommencez.") from error
    return version


def versions(plaidoyer_id: int) -> list[PlaidoyerVersion]:
    """The plaidoyer's versions, newest first."""
    return list(
        db.session.scalars(
            db.select(PlaidoyerVersion)
            .options(joinedload(PlaidoyerVersion.created_by))
            .where(PlaidoyerVersion.plaidoyer_id == plaidoyer_id)
            .order_by(PlaidoyerVersion.number.desc())
        )
    )


def get_version(plaidoyer_id: int, version_id: int) -> PlaidoyerVersion:
    version = db.session.get(PlaidoyerVersion, version_id)
    if version is None or version.plaidoyer_id != plaidoyer_id:
        raise NotFound("Version introuvable.")
    return version


def version_meta(version: PlaidoyerVersion | None) -> dict | None:
    """What exports print about a version (None for the current document)."""
    if version is None:
        return None
    return {
        "number": version.number,
        "label": version.label,
        "created_at": version.created_at.isoformat(),
        "author": version.created_by.display_name if version.created_by else None,
    }


def record_export(plaidoyer_id: int, file_format: str, version: PlaidoyerVersion | None, *, actor: User) -> None:
    """Audit a download: what left the platform, when, taken by whom."""
    _staff(actor)
    with transaction():
        audit.record(
            EXPORT,
            actor=actor,
            target_type="plaidoyer",
            target_id=plaidoyer_id,
            after={"format": file_format, "version": version.number if version else None},
        )


@dataclass
class ProposalChange:
    id: int
    title: str
    title_diff: Markup | None = None
    text_diff: Markup | None = None
    figures: list[str] = field(default_factory=list)


@dataclass
class Diff:
    """What changed between two states of the document, in words a person reads."""

    texts: list[tuple[str, Markup]] = field(default_factory=list)  # (field label, word diff)
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_renamed: list[tuple[str, str]] = field(default_factory=list)
    sections_moved: list[tuple[str, int, int]] = field(default_factory=list)  # title, old rank, new rank (1-based)
    proposals_added: list[tuple[int, str, str]] = field(default_factory=list)  # id, title, section
    proposals_removed: list[tuple[int, str, str]] = field(default_factory=list)
    proposals_moved: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, title, from, to
    proposals_reordered: list[tuple[int, str, str, int, int]] = field(
        default_factory=list
    )  # id, title, section, old, new
    proposals_changed: list[ProposalChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


def _moved(old_order: list, new_order: list) -> set:
    """Elements of both orders that left the longest common sequence: those a person moved."""
    common = set(old_order) & set(new_order)
    old_kept, new_kept = [x for x in old_order if x in common], [x for x in new_order if x in common]
    matcher = SequenceMatcher(None, old_kept, new_kept, autojunk=False)
    stayed = {new_kept[block.b + offset] for block in matcher.get_matching_blocks() for offset in range(block.size)}
    return common - stayed


def diff(old: dict, new: dict) -> Diff:
    """Compare two documents (``document()`` or a version's content); texts are diffed word by word, escaped."""
    result = Diff()
    for key, label in (("title", "Titre"), ("introduction", "Introduction"), ("conclusion", "Conclusion")):
        before, after = old["plaidoyer"][key] or "", new["plaidoyer"][key] or ""
        if before != after:
            result.texts.append((label, highlight_differences(before, after)))
    old_sections = {section["id"]: section for section in old["sections"]}
    new_sections = {section["id"]: section for section in new["sections"]}
    old_rank = {section_id: rank for rank, section_id in enumerate(old_sections, 1)}
    new_rank = {section_id: rank for rank, section_id in enumerate(new_sections, 1)}
    result.sections_added = [
        section["title"] for section_id, section in new_sections.items() if section_id not in old_sections
    ]
    result.sections_removed = [
        section["title"] for section_id, section in old_sections.items() if section_id not in new_sections
    ]
    result.sections_renamed = [
        (old_sections[section_id]["title"], section["title"])
        for section_id, section in new_sections.items()
        if section_id in old_sections and old_sections[section_id]["title"] != section["title"]
    ]
    moved = _moved(list(old_sections), list(new_sections))
    result.sections_moved = [
        (new_sections[section_id]["title"], old_rank[section_id], new_rank[section_id])
        for section_id in new_sections
        if section_id in moved
    ]

    def placements(document_: dict) -> dict[int, tuple[dict, dict, int]]:
        return {
            proposal["id"]: (proposal, section, rank)
            for section in document_["sections"]
            for rank, proposal in enumerate(section["proposals"], 1)
        }

    old_placed, new_placed = placements(old), placements(new)
    for proposal_id, (proposal, section, _) in new_placed.items():
        if proposal_id not in old_placed:
            result.proposals_added.append((proposal_id, proposal["title"], section["title"]))
    for proposal_id, (proposal, section, _) in old_placed.items():
        if proposal_id not in new_placed:
            result.proposals_removed.append((proposal_id, proposal["title"], section["title"]))
    for section_id, section in new_sections.items():
        if section_id not in old_sections:
            continue
        new_ids = [p["id"] for p in section["proposals"]]
        reordered = _moved([p["id"] for p in old_sections[section_id]["proposals"]], new_ids)  # once, not per id
        for proposal_id in new_ids:
            if proposal_id in reordered:
                proposal, _, rank = new_placed[proposal_id]
                result.proposals_reordered.append(
                    (proposal_id, proposal["title"], section["title"], old_placed[proposal_id][2], rank)
                )
    for proposal_id, (proposal, section, _) in new_placed.items():
        if proposal_id not in old_placed:
            continue
        old_proposal, old_section, _ = old_placed[proposal_id]
        if old_section["id"] != section["id"]:
            result.proposals_moved.append((proposal_id, proposal["title"], old_section["title"], section["title"]))
        change = ProposalChange(proposal_id, proposal["title"])
        if old_proposal["title"] != proposal["title"]:
            change.title_diff = highlight_differences(old_proposal["title"], proposal["title"])
        if old_proposal["text"] != proposal["text"]:
            change.text_diff = highlight_differences(old_proposal["text"], proposal["text"])
        for key, label in (
            ("n_sources", "contributions sources"),
            ("n_supporters", "soutiens"),
            ("n_events", "démarches"),
        ):
            before, after = old_proposal["provenance"][key], proposal["provenance"][key]
            if before != after:
                change.figures.append(f"{label} : {before} → {after}")
        if old_proposal["status"] != proposal["status"]:
            change.figures.append(f"statut : {old_proposal['status']} → {proposal['status']}")
        if change.title_diff or change.text_diff or change.figures:
            result.proposals_changed.append(change)
    return result
