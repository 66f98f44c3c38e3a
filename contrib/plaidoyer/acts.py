"""Assembling the plaidoyer's texts and sections (staff only, one transaction each, audited on ``("plaidoyer", id)``).

- ``create``, ``update_text`` (title, introduction, conclusion);
- sections: ``add_section``, ``rename_section``, ``move_section``, ``remove_section`` (soft: the row stays);
- proposals are placed by ``placement``.

Every act but ``create`` journals the ``State`` before and after it (see ``structure``): the undo
handlers in ``undo_handlers`` put it back.
"""

from __future__ import annotations

from contrib.core import audit
from contrib.core.errors import InvalidInput
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Plaidoyer, PlaidoyerSection, User
from contrib.models.base import utcnow
from contrib.models.plaidoyer import PLAIDOYER_TEXT_MAX_LENGTH, PLAIDOYER_TITLE_MAX_LENGTH, SECTION_TITLE_MAX_LENGTH
from contrib.plaidoyer.structure import (
    CREATE,
    EDIT,
    SECTION_ADD,
    SECTION_MOVE,
    SECTION_REMOVE,
    SECTION_RENAME,
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


def _title(title: str | None) -> str:
    return clean_text(title, field_label="Titre", max_length=PLAIDOYER_TITLE_MAX_LENGTH, multiline=False)


def create(title: str | None, *, actor: User) -> Plaidoyer:
    """A new, empty plaidoyer; sections come with the proposals."""
    require_staff(actor)
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
    require_staff(actor)
    title = _title(title)
    introduction = (
        clean_text(introduction, field_label="Introduction", max_length=PLAIDOYER_TEXT_MAX_LENGTH, required=False) or ""
    )
    conclusion = (
        clean_text(conclusion, field_label="Conclusion", max_length=PLAIDOYER_TEXT_MAX_LENGTH, required=False) or ""
    )
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        before = state_of(plaidoyer)
        if (plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion) == (title, introduction, conclusion):
            raise InvalidInput("Rien n'a changé dans le titre, l'introduction ni la conclusion.")
        plaidoyer.title, plaidoyer.introduction, plaidoyer.conclusion = title, introduction, conclusion
        record(EDIT, plaidoyer, actor, before)
    return plaidoyer


def _section_title(title: str | None) -> str:
    return clean_text(title, field_label="Titre de la section", max_length=SECTION_TITLE_MAX_LENGTH, multiline=False)


def add_section(
    plaidoyer_id: int, title: str | None, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    """A new empty section at the end."""
    require_staff(actor)
    title = _section_title(title)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        before = state_of(plaidoyer)
        section = new_section(plaidoyer, title, theme_key=None, position=len(before.sections))
        record(SECTION_ADD, plaidoyer, actor, before, section_id=section.id)
    return section


def rename_section(
    plaidoyer_id: int, section_id: int, title: str | None, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    require_staff(actor)
    title = _section_title(title)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = get_section(plaidoyer.id, section_id)
        if section.title == title:
            raise InvalidInput("La section porte déjà ce titre.", field="title")
        before = state_of(plaidoyer)
        section.title = title
        record(SECTION_RENAME, plaidoyer, actor, before, section_id=section.id)
    return section


def move_section(
    plaidoyer_id: int, section_id: int, direction: str, *, actor: User, expected_version: int | None = None
) -> PlaidoyerSection:
    """Move a section one place up or down."""
    require_staff(actor)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = get_section(plaidoyer.id, section_id)
        before = state_of(plaidoyer)
        sections = shown_sections(plaidoyer.id)
        swap(
            sections,
            sections.index(section),
            direction,
            first=f"La section « {section.title} » est déjà la première.",
            last=f"La section « {section.title} » est déjà la dernière.",
        )
        record(SECTION_MOVE, plaidoyer, actor, before, section_id=section.id, direction=direction)
    return section


def remove_section(plaidoyer_id: int, section_id: int, *, actor: User, expected_version: int | None = None) -> None:
    """Take an empty section out of the document (its row stays, for undo)."""
    require_staff(actor)
    with transaction():
        plaidoyer = get_plaidoyer(plaidoyer_id, expected_version=expected_version)
        section = get_section(plaidoyer.id, section_id)
        n_items = len(placed_items(plaidoyer.id).get(section.id, []))
        if n_items:
            raise InvalidInput(
                f"La section « {section.title} » contient encore {n_items} proposition"
                f"{'s' if n_items > 1 else ''} : déplacez-les ou retirez-les d'abord."
            )
        before = state_of(plaidoyer)
        section.removed_at = utcnow()
        renumber(shown_sections(plaidoyer.id))
        record(SECTION_REMOVE, plaidoyer, actor, before, section_id=section.id)
