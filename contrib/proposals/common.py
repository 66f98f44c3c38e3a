"""Shared pieces of the proposals area: act names, lookups, source bookkeeping, notifications."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.french import count
from contrib.core.ids import parse_id
from contrib.core.permissions import moderator_guard
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    Contribution,
    ContributionStatus,
    Process,
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalSupport,
    SupportOrigin,
    Theme,
    User,
)
from contrib.models.base import utcnow
from contrib.models.proposals import PROPOSAL_TEXT_MAX_LENGTH, PROPOSAL_TITLE_MAX_LENGTH
from contrib.notifications import services as notifications
from contrib.proposals.queries import taken_by

MAX_SELECTION = 500

CREATE = "proposals:proposal:create"
ADD = "proposals:proposal:add"
REMOVE = "proposals:proposal:remove"
MERGE = "proposals:proposal:merge"
SPLIT = "proposals:proposal:split"
EDIT = "proposals:proposal:edit"
ACTIONS = (CREATE, ADD, REMOVE, MERGE, SPLIT, EDIT)

# --- small helpers -----------------------------------------------------------------------------


def numbers(ids: Iterable[int]) -> str:
    """'n° 4', 'n° 4 et 7', 'n° 4, 7 et 9'."""
    ordered = [str(i) for i in sorted(set(ids))]
    if len(ordered) == 1:
        return f"n° {ordered[0]}"
    return f"n° {', '.join(ordered[:-1])} et {ordered[-1]}"


def one_or_many(ids: list[int], one: str, many: str) -> str:
    return (one if len(set(ids)) == 1 else many).format(n=numbers(ids))


_ID_SEPARATORS = re.compile(r"[\s,;]+")


def parse_ids(values: Iterable[str] | str | None) -> list[int]:
    """Read contribution numbers typed or sent as "1, 2 3" or as repeated fields, in order, once each.

    Raises InvalidInput naming the first piece that is not a number, or as soon as there are more
    than MAX_SELECTION of them (a selection no act accepts: 20,000 ids in a URL are not read).
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    ids: dict[int, None] = {}  # an ordered set: the membership test stays constant-time
    for value in values:
        for piece in _ID_SEPARATORS.split(value or ""):
            piece = piece.strip().lstrip("#").removeprefix("n°").strip()
            if not piece:
                continue
            number = parse_id(piece)
            if number is None:
                shown = piece if len(piece) <= 20 else piece[:20] + "…"
                raise InvalidInput(f"« {shown} » n'est pas un numéro de contribution.", field="ids")
            ids[number] = None
            if len(ids) > MAX_SELECTION:
                raise InvalidInput(
                    f"Plus de {MAX_SELECTION} contributions sélectionnées : {MAX_SELECTION} au plus par acte.",
                    field="ids",
                )
    return list(ids)


require_moderator = moderator_guard("constituer des propositions")


def proposal_for_act(proposal_id: int, *, expected_version: int | None = None, live: bool = True) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_cancelled:
        raise NotFound("Proposition introuvable.")
    if live and proposal.merged_into_id is not None:
        raise Conflict(
            f"La proposition n° {proposal.id} a été fusionnée dans la proposition "
            f"n° {proposal.merged_into_id} : agissez sur celle-ci."
        )
    if expected_version is not None and proposal.version != expected_version:
        raise Conflict(
            f"La proposition n° {proposal.id} vient d'être modifiée par quelqu'un d'autre. "
            "Rechargez la page et recommencez."
        )
    return proposal


@dataclass(frozen=True)
class ProposalFields:
    title: str
    text: str
    priority: ProposalPriority


def proposal_fields(title: str | None, text: str | None, priority: ProposalPriority | str | None) -> ProposalFields:
    title = clean_text(title, field_label="Titre", max_length=PROPOSAL_TITLE_MAX_LENGTH, multiline=False)
    text = clean_text(text, field_label="Texte de la proposition", max_length=PROPOSAL_TEXT_MAX_LENGTH)
    try:
        priority = ProposalPriority(priority)
    except ValueError:
        raise InvalidInput("Choisissez une priorité : haute, moyenne ou basse.", field="priority") from None
    return ProposalFields(title=title, text=text, priority=priority)


def process_themes(process: Process, theme_ids: Iterable[int] | None) -> list[Theme]:
    wanted = list(dict.fromkeys(theme_ids or []))
    if not wanted:
        raise InvalidInput("Choisissez au moins une thématique.", field="theme_ids")
    themes = {theme.id: theme for theme in process.themes}
    unknown = [theme_id for theme_id in wanted if theme_id not in themes]
    if unknown:
        raise InvalidInput("Choisissez des thématiques de cette démarche.", field="theme_ids")
    return [themes[theme_id] for theme_id in wanted]


def current_source_ids(proposal_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(ProposalSource.contribution_id)
            .where(ProposalSource.proposal_id == proposal_id)
            .order_by(ProposalSource.contribution_id)
        )
    )


def selectable_contributions(
    process: Process, contribution_ids: Iterable[int], *, into: Proposal | None = None
) -> list[Contribution]:
    """The contributions of the selection, each checked; raise with a French message naming the culprits."""
    ids = list(dict.fromkeys(contribution_ids))
    if not ids:
        raise InvalidInput("Sélectionnez au moins une contribution.", field="ids")
    if len(ids) > MAX_SELECTION:
        raise InvalidInput(f"{len(ids)} contributions sélectionnées : {MAX_SELECTION} au plus par acte.", field="ids")
    found = {c.id: c for c in db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            one_or_many(missing, "Contribution {n} introuvable.", "Contributions {n} introuvables."), field="ids"
        )
    elsewhere = [i for i in ids if found[i].process_id != process.id]
    if elsewhere:
        raise InvalidInput(
            one_or_many(
                elsewhere,
                "La contribution {n} n'appartient pas à la démarche « " + process.title + " ».",
                "Les contributions {n} n'appartiennent pas à la démarche « " + process.title + " ».",
            ),
            field="ids",
        )
    hidden = [i for i in ids if found[i].is_hidden]
    if hidden:
        raise InvalidInput(
            one_or_many(
                hidden,
                "La contribution {n} est masquée : rétablissez-la ou retirez-la de la sélection.",
                "Les contributions {n} sont masquées : rétablissez-les ou retirez-les de la sélection.",
            ),
            field="ids",
        )
    taken = taken_by(ids)
    if taken:
        parts = []
        for contribution_id, proposal in sorted(taken.items()):
            where = (
                "cette proposition"
                if into is not None and proposal.id == into.id
                else f"la proposition n° {proposal.id} « {proposal.title} »"
            )
            parts.append(f"n° {contribution_id} (déjà dans {where})")
        raise Conflict(
            ("La contribution " if len(parts) == 1 else "Les contributions ")
            + ", ".join(parts)
            + (" ne peut" if len(parts) == 1 else " ne peuvent")
            + " pas être intégrée"
            + ("" if len(parts) == 1 else "s")
            + " : une contribution alimente une seule proposition."
        )
    return [found[i] for i in ids]


def touch_proposals(*proposals: Proposal) -> None:
    """Change each proposal's row, so its optimistic version settles concurrent acts on it."""
    for proposal in proposals:
        proposal.updated_at = utcnow()


def attach_sources(proposal: Proposal, contributions: list[Contribution], actor: User) -> None:
    # Sources first: on PostgreSQL a concurrent act on the same contribution waits here on the
    # unique index, then fails with IntegrityError instead of overwriting anything.
    for contribution in contributions:
        db.session.add(ProposalSource(proposal_id=proposal.id, contribution_id=contribution.id, added_by_id=actor.id))
    db.session.flush()
    for contribution in contributions:
        contribution.status = ContributionStatus.MERGED
    db.session.flush()


def detach_sources(proposal: Proposal, contribution_ids: list[int], statuses: dict | None = None) -> None:
    removed = db.session.execute(
        db.delete(ProposalSource)
        .where(ProposalSource.proposal_id == proposal.id, ProposalSource.contribution_id.in_(contribution_ids))
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed != len(contribution_ids):
        raise Conflict("Les contributions de cette proposition ont changé entre-temps : rien n'a été modifié.")
    for contribution in db.session.scalars(db.select(Contribution).where(Contribution.id.in_(contribution_ids))):
        # Back to what it was before it fed a proposal (published, unless a later stage was set).
        previous = (statuses or {}).get(str(contribution.id), ContributionStatus.PUBLISHED.value)
        if previous == ContributionStatus.MERGED.value:
            previous = ContributionStatus.PUBLISHED.value
        if contribution.status == ContributionStatus.MERGED:
            contribution.status = ContributionStatus(previous)
    db.session.flush()


def move_sources(contribution_ids: list[int], source: Proposal, target: Proposal) -> None:
    moved = db.session.execute(
        db.update(ProposalSource)
        .where(ProposalSource.proposal_id == source.id, ProposalSource.contribution_id.in_(contribution_ids))
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != len(contribution_ids):
        raise Conflict("Les contributions de cette proposition ont changé entre-temps : rien n'a été modifié.")


def statuses_of(contributions: Iterable[Contribution]) -> dict[str, str]:
    return {str(c.id): c.status.value for c in contributions}


def proposal_snapshot(proposal: Proposal) -> dict:
    return {
        "title": proposal.title,
        "text": proposal.text,
        "priority": proposal.priority.value,
        "status": proposal.status.value,
        "theme_ids": [theme.id for theme in proposal.themes],
        "process_id": proposal.process_id,
    }


def check_no_direct_supports(proposal: Proposal) -> None:
    direct = db.session.scalar(
        db.select(db.func.count(ProposalSupport.id)).where(
            ProposalSupport.proposal_id == proposal.id, ProposalSupport.origin == SupportOrigin.DIRECT
        )
    )
    if direct:
        raise Conflict(
            f"La proposition n° {proposal.id} a reçu {count(direct, 'soutien direct', 'soutiens directs')} : "
            "elle ne peut plus être annulée."
        )


# --- notifications -----------------------------------------------------------------------------


def notify_merged(contributions: Iterable[Contribution], proposal: Proposal) -> list:
    return [
        notifications.notify(
            contribution.author_id,
            "merged",
            f"Votre contribution n° {contribution.id} a été intégrée à la proposition « {proposal.title} ».",
            endpoint="proposals.show",
            endpoint_args={"proposal_id": proposal.id},
        )
        for contribution in contributions
    ]


def race_conflict(contribution_ids: list[int]) -> Conflict:
    """The French message for a lost race on the unique source constraint (read after the rollback)."""
    taken = sorted(taken_by(contribution_ids)) or contribution_ids
    return Conflict(
        one_or_many(
            taken,
            "La contribution {n} vient d'être intégrée à une autre proposition par quelqu'un d'autre.",
            "Les contributions {n} viennent d'être intégrées à une autre proposition par quelqu'un d'autre.",
        )
        + " Rechargez la page et recommencez."
    )
