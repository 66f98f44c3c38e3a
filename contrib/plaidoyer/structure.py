"""The plaidoyer's structure, shared by its acts and their undo: action names, lookups, and the
``State`` an act stores before and after itself (texts, sections in order, proposal ids per section).

Undo puts the "before" back, redo the "after", each only if the document is still exactly as the
act left it. Proposals are only referenced: nothing here changes a proposal or a contribution.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import require_role
from contrib.extensions import db
from contrib.models import AuditEntry, Plaidoyer, PlaidoyerItem, PlaidoyerSection, Role, User
from contrib.models.base import utcnow

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

UP, DOWN = "up", "down"


def require_staff(user: User | None) -> None:
    require_role(user, Role.STAFF, "Seule l'équipe de la CPOF peut assembler le plaidoyer.")


def get_plaidoyer(plaidoyer_id: int, *, expected_version: int | None = None) -> Plaidoyer:
    plaidoyer = db.session.get(Plaidoyer, plaidoyer_id)
    if plaidoyer is None:
        raise NotFound("Plaidoyer introuvable.")
    if expected_version is not None and plaidoyer.version != expected_version:
        raise Conflict("Le plaidoyer vient d'être modifié par quelqu'un d'autre. Rechargez la page et recommencez.")
    return plaidoyer


def shown_sections(plaidoyer_id: int) -> list[PlaidoyerSection]:
    """The sections shown, in order."""
    return list(
        db.session.scalars(
            db.select(PlaidoyerSection)
            .where(PlaidoyerSection.plaidoyer_id == plaidoyer_id, PlaidoyerSection.removed_at.is_(None))
            .order_by(PlaidoyerSection.position, PlaidoyerSection.id)
        )
    )


def placed_items(plaidoyer_id: int) -> dict[int, list[PlaidoyerItem]]:
    """{section id: its items in order}."""
    placed: dict[int, list[PlaidoyerItem]] = {}
    for item in db.session.scalars(
        db.select(PlaidoyerItem)
        .where(PlaidoyerItem.plaidoyer_id == plaidoyer_id)
        .order_by(PlaidoyerItem.position, PlaidoyerItem.id)
    ):
        placed.setdefault(item.section_id, []).append(item)
    return placed


def get_section(plaidoyer_id: int, section_id: int) -> PlaidoyerSection:
    section = db.session.get(PlaidoyerSection, section_id)
    if section is None or section.plaidoyer_id != plaidoyer_id or section.is_removed:
        raise NotFound("Section introuvable dans ce plaidoyer.")
    return section


def get_item(plaidoyer_id: int, proposal_id: int) -> PlaidoyerItem:
    item = db.session.scalar(
        db.select(PlaidoyerItem).where(
            PlaidoyerItem.plaidoyer_id == plaidoyer_id, PlaidoyerItem.proposal_id == proposal_id
        )
    )
    if item is None:
        raise NotFound(f"La proposition n° {proposal_id} n'est pas dans ce plaidoyer.")
    return item


def renumber(rows: Iterable) -> None:
    for position, row in enumerate(rows):
        row.position = position


@dataclass(frozen=True)
class SectionState:
    id: int
    title: str
    proposals: tuple[int, ...]


@dataclass(frozen=True)
class State:
    """The document's structure and texts: what an undo restores."""

    title: str
    introduction: str
    conclusion: str
    sections: tuple[SectionState, ...]

    def as_json(self) -> dict:
        """The shape stored in the audit journal (unchanged since the first plaidoyer acts)."""
        return {
            "title": self.title,
            "introduction": self.introduction,
            "conclusion": self.conclusion,
            "sections": [
                {"id": section.id, "title": section.title, "proposals": list(section.proposals)}
                for section in self.sections
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> State:
        return cls(
            title=data["title"],
            introduction=data["introduction"],
            conclusion=data["conclusion"],
            sections=tuple(
                SectionState(section["id"], section["title"], tuple(section["proposals"]))
                for section in data["sections"]
            ),
        )


def state_of(plaidoyer: Plaidoyer) -> State:
    placed = placed_items(plaidoyer.id)
    return State(
        title=plaidoyer.title,
        introduction=plaidoyer.introduction,
        conclusion=plaidoyer.conclusion,
        sections=tuple(
            SectionState(section.id, section.title, tuple(item.proposal_id for item in placed.get(section.id, [])))
            for section in shown_sections(plaidoyer.id)
        ),
    )


def restore(plaidoyer: Plaidoyer, state: State, actor: User) -> None:
    """Make the document exactly ``state`` (sections revived or soft-removed, items placed)."""
    plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion = state.title, state.introduction, state.conclusion
    wanted = {section.id: (position, section) for position, section in enumerate(state.sections)}
    for row in db.session.scalars(db.select(PlaidoyerSection).where(PlaidoyerSection.plaidoyer_id == plaidoyer.id)):
        if row.id in wanted:
            row.position, row.title, row.removed_at = wanted[row.id][0], wanted[row.id][1].title, None
        elif row.removed_at is None:
            row.removed_at = utcnow()
    placement = {
        proposal_id: (section.id, position)
        for section in state.sections
        for position, proposal_id in enumerate(section.proposals)
    }
    existing = {item.proposal_id: item for items in placed_items(plaidoyer.id).values() for item in items}
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


def record(action: str, plaidoyer: Plaidoyer, actor: User, before: State, **details) -> AuditEntry:
    """Journal an act on the structure with the state before and after it."""
    plaidoyer.updated_at = utcnow()  # bumps the optimistic version
    db.session.flush()
    return audit.record(
        action,
        actor=actor,
        target_type="plaidoyer",
        target_id=plaidoyer.id,
        before={"state": before.as_json(), **details},
        after={"state": state_of(plaidoyer).as_json()},
    )


def new_section(plaidoyer: Plaidoyer, title: str, *, theme_key: str | None, position: int) -> PlaidoyerSection:
    section = PlaidoyerSection(plaidoyer_id=plaidoyer.id, title=title, theme_key=theme_key, position=position)
    db.session.add(section)
    db.session.flush()
    return section


def swap(rows: list, index: int, direction: str, *, first: str, last: str) -> None:
    if direction not in (UP, DOWN):
        raise InvalidInput("Direction inconnue : choisissez « monter » ou « descendre ».")
    other = index - 1 if direction == UP else index + 1
    if other < 0:
        raise InvalidInput(first)
    if other >= len(rows):
        raise InvalidInput(last)
    rows[index], rows[other] = rows[other], rows[index]
    renumber(rows)
