"""Proposals (propositions): merging contributions into consolidated proposals, and undoing it.

Acts (one transaction each, audited before/after, undoable from the journal, redoable):

- ``create_from_contributions``: a new proposal from selected contributions;
- ``add_contributions`` / ``remove_contribution``: a proposal takes or gives back sources;
- ``merge_proposals``: a proposal is absorbed by another (its sources move, it stays, marked
  "fusionnée dans …");
- ``split``: chosen sources leave a proposal for a new one;
- ``edit_text``: the title and text change (each version is in the journal, undoable).

A proposal's text is checked when saved (created, split off or edited): a citation ``[#id]`` must
name one of the proposal's sources, or nothing is saved; a sentence whose sources do not say what it
says (``nlp.citations``) is refused unless the moderator keeps it with a reason, stored in
``proposals.citation_review``. Texts without any citation are not checked: they are the moderator's
own words.

Invariants kept by every act and every undo/redo:

- a contribution feeds at most one proposal (unique ``proposal_sources.contribution_id``), and its
  status is MERGED exactly while it does (PUBLISHED again when it no longer does);
- a proposal's supporters are one row per person (unique (proposal, user)); the "carried" rows are
  derived, never edited by hand: ``_recompute_supports`` makes them equal to the people who support
  one of its source contributions, plus the direct supporters of the proposals merged into it. So
  supports carry over once per person whatever the sequence of merges, splits and undos;
- nothing a participant created is deleted; proposals are never deleted either (undoing a creation
  sets ``cancelled_at``), so ids are never reused and the journal keeps pointing at the right one.

Undo order: an act cannot be undone while a later, live act touches one of the same proposals or
contributions (or any act targets a proposal it created); ``undo.Blocked`` names that act.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.ids import parse_id
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    ContributionStatus,
    Process,
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalSupport,
    Role,
    Support,
    SupportOrigin,
    Theme,
    User,
)
from contrib.models.accounts import counted
from contrib.models.base import utcnow
from contrib.models.proposals import PROPOSAL_TEXT_MAX_LENGTH, PROPOSAL_TITLE_MAX_LENGTH
from contrib.notifications import services as notifications
from nlp.citations import check_text, parse_citations

MAX_SELECTION = 500

CREATE = "proposals:proposal:create"
ADD = "proposals:proposal:add"
REMOVE = "proposals:proposal:remove"
MERGE = "proposals:proposal:merge"
SPLIT = "proposals:proposal:split"
EDIT = "proposals:proposal:edit"
ACTIONS = (CREATE, ADD, REMOVE, MERGE, SPLIT, EDIT)
REVIEW_REASON_MAX_LENGTH = 500
# A citation that is a mere pointer ("Voir [#3].") states nothing to check.
_ACCEPTED_STATUSES = ("verifiee", "lien")

# --- small helpers -----------------------------------------------------------------------------


def numbers(ids: Iterable[int]) -> str:
    """'n° 4', 'n° 4 et 7', 'n° 4, 7 et 9'."""
    ordered = [str(i) for i in sorted(set(ids))]
    if len(ordered) == 1:
        return f"n° {ordered[0]}"
    return f"n° {', '.join(ordered[:-1])} et {ordered[-1]}"


def _one_or_many(ids: list[int], one: str, many: str) -> str:
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


def _moderator(user: User) -> None:
    require_role(user, Role.MODERATOR, "Seuls les modérateurs peuvent constituer des propositions.")


def _process(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound("Démarche introuvable.")
    return process


def _proposal(proposal_id: int, *, expected_version: int | None = None, live: bool = True) -> Proposal:
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


def _fields(title: str | None, text: str | None, priority: ProposalPriority | str | None) -> ProposalFields:
    title = clean_text(title, field_label="Titre", max_length=PROPOSAL_TITLE_MAX_LENGTH, multiline=False)
    text = clean_text(text, field_label="Texte de la proposition", max_length=PROPOSAL_TEXT_MAX_LENGTH)
    try:
        priority = ProposalPriority(priority)
    except ValueError:
        raise InvalidInput("Choisissez une priorité : haute, moyenne ou basse.", field="priority") from None
    return ProposalFields(title=title, text=text, priority=priority)


_CITATION = re.compile(r"\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\]")


def citation_parts(text: str) -> list[tuple[str, list[int]]]:
    """``text`` cut at its citation markers: (plain text, []) and (marker, [ids]) pieces, in order."""
    parts: list[tuple[str, list[int]]] = []
    position = 0
    for match in _CITATION.finditer(text or ""):
        parts.append((text[position : match.start()], []))
        parts.append((match.group(), list(dict.fromkeys(parse_citations(match.group())[1]))))
        position = match.end()
    parts.append(((text or "")[position:], []))
    return [part for part in parts if part[0]]


def review_citations(text: str, source_ids: Iterable[int], reason: str | None) -> dict | None:
    """Check the citations of a proposal's text against its sources; return what to store.

    Raises InvalidInput naming the citations that are not sources of the proposal (unknown ids
    included), and InvalidInput on ``citation_reason`` listing the sentences the checker does not
    verify when no reason is given. Returns None when there is nothing to keep with a reason.
    """
    cited = parse_citations(text)[1]
    if not cited:
        return None
    source_ids = set(source_ids)
    strangers = list(dict.fromkeys(i for i in cited if i not in source_ids))
    if strangers:  # refused before the (slower) check of meaning
        named = ", ".join(f"[#{i}]" for i in strangers)
        raise InvalidInput(
            f"La citation {named} ne correspond à aucune contribution de cette proposition."
            if len(strangers) == 1
            else f"Les citations {named} ne correspondent à aucune contribution de cette proposition.",
            field="text",
        )
    texts = dict(
        db.session.execute(
            db.select(Contribution.id, Contribution.text).where(Contribution.id.in_(list(source_ids)))
        ).all()
    )
    sentences = check_text(text, texts, scope_size=len(texts))
    flagged = [
        {"text": s.text, "citations": list(s.citations), "status": s.status, "reason": s.reason}
        for s in sentences
        if s.citations and s.status not in _ACCEPTED_STATUSES
    ]
    if not flagged:
        return None
    if not (reason or "").strip():
        listed = " ; ".join(f"« {s['text']} » ({s['reason']})" for s in flagged)
        raise InvalidInput(
            f"Les contributions citées ne disent pas ce que dit{'' if len(flagged) == 1 else 'ent'} "
            f"{'cette phrase' if len(flagged) == 1 else f'ces {len(flagged)} phrases'} : {listed}. "
            "Corrigez le texte, ou gardez-le en indiquant pourquoi.",
            field="citation_reason",
        )
    reason = clean_text(reason, field_label="Motif", max_length=REVIEW_REASON_MAX_LENGTH)
    return {"sentences": flagged, "reason": reason}


def _themes(process: Process, theme_ids: Iterable[int] | None) -> list[Theme]:
    wanted = list(dict.fromkeys(theme_ids or []))
    if not wanted:
        raise InvalidInput("Choisissez au moins une thématique.", field="theme_ids")
    themes = {theme.id: theme for theme in process.themes}
    unknown = [theme_id for theme_id in wanted if theme_id not in themes]
    if unknown:
        raise InvalidInput("Choisissez des thématiques de cette démarche.", field="theme_ids")
    return [themes[theme_id] for theme_id in wanted]


def _sources(proposal_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(ProposalSource.contribution_id)
            .where(ProposalSource.proposal_id == proposal_id)
            .order_by(ProposalSource.contribution_id)
        )
    )


def _selectable(
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
            _one_or_many(missing, "Contribution {n} introuvable.", "Contributions {n} introuvables."), field="ids"
        )
    elsewhere = [i for i in ids if found[i].process_id != process.id]
    if elsewhere:
        raise InvalidInput(
            _one_or_many(
                elsewhere,
                "La contribution {n} n'appartient pas à la démarche « " + process.title + " ».",
                "Les contributions {n} n'appartiennent pas à la démarche « " + process.title + " ».",
            ),
            field="ids",
        )
    hidden = [i for i in ids if found[i].is_hidden]
    if hidden:
        raise InvalidInput(
            _one_or_many(
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


def _touch(*proposals: Proposal) -> None:
    """Change each proposal's row, so its optimistic version settles concurrent acts on it."""
    for proposal in proposals:
        proposal.updated_at = utcnow()


def _attach(proposal: Proposal, contributions: list[Contribution], actor: User) -> None:
    # Sources first: on PostgreSQL a concurrent act on the same contribution waits here on the
    # unique index, then fails with IntegrityError instead of overwriting anything.
    for contribution in contributions:
        db.session.add(ProposalSource(proposal_id=proposal.id, contribution_id=contribution.id, added_by_id=actor.id))
    db.session.flush()
    for contribution in contributions:
        contribution.status = ContributionStatus.MERGED
    db.session.flush()


def _detach(proposal: Proposal, contribution_ids: list[int], statuses: dict | None = None) -> None:
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


def _move(contribution_ids: list[int], source: Proposal, target: Proposal) -> None:
    moved = db.session.execute(
        db.update(ProposalSource)
        .where(ProposalSource.proposal_id == source.id, ProposalSource.contribution_id.in_(contribution_ids))
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != len(contribution_ids):
        raise Conflict("Les contributions de cette proposition ont changé entre-temps : rien n'a été modifié.")


def _statuses(contributions: Iterable[Contribution]) -> dict[str, str]:
    return {str(c.id): c.status.value for c in contributions}


def _snapshot(proposal: Proposal) -> dict:
    return {
        "title": proposal.title,
        "text": proposal.text,
        "priority": proposal.priority.value,
        "status": proposal.status.value,
        "theme_ids": [theme.id for theme in proposal.themes],
        "process_id": proposal.process_id,
    }


def _check_no_direct_supports(proposal: Proposal) -> None:
    direct = db.session.scalar(
        db.select(db.func.count(ProposalSupport.id)).where(
            ProposalSupport.proposal_id == proposal.id, ProposalSupport.origin == SupportOrigin.DIRECT
        )
    )
    if direct:
        raise Conflict(
            f"La proposition n° {proposal.id} a reçu {direct} soutien(s) direct(s) : elle ne peut plus être annulée."
        )


# --- supporters --------------------------------------------------------------------------------


def _absorbed_ids(proposal_id: int) -> set[int]:
    """Proposals merged into ``proposal_id``, directly or through others."""
    found: set[int] = set()
    frontier = {proposal_id}
    while frontier:
        children = set(db.session.scalars(db.select(Proposal.id).where(Proposal.merged_into_id.in_(frontier))))
        frontier = children - found
        found |= children
    return found


def _carried_supporters(proposal: Proposal) -> set[int]:
    """Everyone who counts for ``proposal`` without supporting it directly (empty unless live)."""
    if not proposal.is_live:
        return set()
    users = set(
        db.session.scalars(
            db.select(Support.user_id)
            .join(ProposalSource, ProposalSource.contribution_id == Support.contribution_id)
            .where(ProposalSource.proposal_id == proposal.id)
        )
    )
    absorbed = _absorbed_ids(proposal.id)
    if absorbed:
        users |= set(
            db.session.scalars(
                db.select(ProposalSupport.user_id).where(
                    ProposalSupport.proposal_id.in_(absorbed), ProposalSupport.origin == SupportOrigin.DIRECT
                )
            )
        )
    return users


def counts_through_sources(proposal: Proposal, user_id: int) -> bool:
    """True when ``user_id`` counts for ``proposal`` without a direct support (a source, an absorbed proposal)."""
    return user_id in _carried_supporters(proposal)


def _recompute_supports(*proposals: Proposal) -> None:
    """Make each proposal's carried supporters exactly what its sources and merges give, once per person."""
    db.session.flush()
    for proposal in proposals:
        wanted = _carried_supporters(proposal)
        rows = dict(
            db.session.execute(
                db.select(ProposalSupport.user_id, ProposalSupport.origin).where(
                    ProposalSupport.proposal_id == proposal.id
                )
            ).all()
        )
        stale = [
            user_id for user_id, origin in rows.items() if origin == SupportOrigin.CARRIED and user_id not in wanted
        ]
        if stale:
            db.session.execute(
                db.delete(ProposalSupport)
                .where(
                    ProposalSupport.proposal_id == proposal.id,
                    ProposalSupport.user_id.in_(stale),
                    ProposalSupport.origin == SupportOrigin.CARRIED,
                )
                .execution_options(synchronize_session=False)
            )
        for user_id in sorted(wanted - rows.keys()):
            db.session.add(ProposalSupport(proposal_id=proposal.id, user_id=user_id, origin=SupportOrigin.CARRIED))
    db.session.flush()


def sync_supporter(contribution_id: int, user_id: int) -> None:
    """Carry one person's new or withdrawn support of a contribution to the proposal it feeds.

    Called by the supports service inside its transaction; does nothing for a contribution that feeds
    no proposal. Never raises on a concurrent duplicate (the insert ignores an existing row).
    """
    proposal_id = db.session.scalar(
        db.select(ProposalSource.proposal_id).where(ProposalSource.contribution_id == contribution_id)
    )
    if proposal_id is None:
        return
    proposal = db.session.get(Proposal, proposal_id)
    if user_id in _carried_supporters(proposal):
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.session.execute(
            insert(ProposalSupport)
            .values(
                proposal_id=proposal.id,
                user_id=user_id,
                origin=SupportOrigin.CARRIED,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
    else:
        db.session.execute(
            db.delete(ProposalSupport)
            .where(
                ProposalSupport.proposal_id == proposal.id,
                ProposalSupport.user_id == user_id,
                ProposalSupport.origin == SupportOrigin.CARRIED,
            )
            .execution_options(synchronize_session=False)
        )


# --- notifications -----------------------------------------------------------------------------


def _notify_merged(contributions: Iterable[Contribution], proposal: Proposal) -> list:
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


def _race(contribution_ids: list[int]) -> Conflict:
    """The French message for a lost race on the unique source constraint (read after the rollback)."""
    taken = sorted(taken_by(contribution_ids)) or contribution_ids
    return Conflict(
        _one_or_many(
            taken,
            "La contribution {n} vient d'être intégrée à une autre proposition par quelqu'un d'autre.",
            "Les contributions {n} viennent d'être intégrées à une autre proposition par quelqu'un d'autre.",
        )
        + " Rechargez la page et recommencez."
    )


# --- the acts ----------------------------------------------------------------------------------


def create_from_contributions(
    process_id: int,
    contribution_ids: Iterable[int],
    title: str | None,
    text: str | None,
    theme_ids: Iterable[int] | None,
    priority: ProposalPriority | str | None,
    *,
    moderator: User,
    citation_reason: str | None = None,
) -> Proposal:
    """Create a proposal from contributions of one process; each becomes "intégrée" and its author is told.

    Raises NotAllowed (not a moderator), NotFound (process), InvalidInput (title, text, themes,
    priority, selection: empty, unknown, other process, hidden) or Conflict (a contribution already
    feeds a proposal, also when another moderator took it a moment ago).
    """
    _moderator(moderator)
    fields = _fields(title, text, priority)
    contribution_ids = list(contribution_ids)
    try:
        with transaction():
            process = _process(process_id)
            themes = _themes(process, theme_ids)
            contributions = _selectable(process, contribution_ids)
            review = review_citations(fields.text, [c.id for c in contributions], citation_reason)
            before = _statuses(contributions)
            proposal = Proposal(
                process_id=process.id,
                title=fields.title,
                text=fields.text,
                priority=fields.priority,
                created_by_id=moderator.id,
                themes=themes,
                citation_review=review,
            )
            db.session.add(proposal)
            db.session.flush()
            _attach(proposal, contributions, moderator)
            _recompute_supports(proposal)
            ids = [c.id for c in contributions]
            audit.record(
                CREATE,
                actor=moderator,
                target_type="proposal",
                target_id=proposal.id,
                before={"statuses": before},
                after={
                    **_snapshot(proposal),
                    "proposal_ids": [proposal.id],
                    "created_ids": [proposal.id],
                    "contribution_ids": ids,
                },
            )
            pending = _notify_merged(contributions, proposal)
    except IntegrityError:
        raise _race(contribution_ids) from None
    notifications.deliver(pending)
    return proposal


def add_contributions(
    proposal_id: int, contribution_ids: Iterable[int], *, moderator: User, expected_version: int | None = None
) -> Proposal:
    """Add contributions to a live proposal (same rules as at creation); their authors are told."""
    _moderator(moderator)
    contribution_ids = list(contribution_ids)
    try:
        with transaction():
            proposal = _proposal(proposal_id, expected_version=expected_version)
            contributions = _selectable(proposal.process, contribution_ids, into=proposal)
            before = _statuses(contributions)
            _attach(proposal, contributions, moderator)
            _touch(proposal)
            _recompute_supports(proposal)
            audit.record(
                ADD,
                actor=moderator,
                target_type="proposal",
                target_id=proposal.id,
                before={"statuses": before},
                after={"proposal_ids": [proposal.id], "contribution_ids": [c.id for c in contributions]},
            )
            pending = _notify_merged(contributions, proposal)
    except IntegrityError:
        raise _race(contribution_ids) from None
    notifications.deliver(pending)
    return proposal


def remove_contribution(
    proposal_id: int, contribution_id: int, *, moderator: User, expected_version: int | None = None
) -> Proposal:
    """Give a source back: the contribution is "publiée" again; a proposal keeps at least one source."""
    _moderator(moderator)
    with transaction():
        proposal = _proposal(proposal_id, expected_version=expected_version)
        sources = _sources(proposal.id)
        if contribution_id not in sources:
            raise NotFound(f"La contribution n° {contribution_id} ne fait pas partie de cette proposition.")
        if len(sources) == 1:
            raise Conflict(
                "C'est la dernière contribution de cette proposition : une proposition garde au moins "
                "une source. Fusionnez-la plutôt dans une autre proposition."
            )
        _detach(proposal, [contribution_id])
        _touch(proposal)
        _recompute_supports(proposal)
        audit.record(
            REMOVE,
            actor=moderator,
            target_type="proposal",
            target_id=proposal.id,
            before={"statuses": {str(contribution_id): ContributionStatus.MERGED.value}},
            after={"proposal_ids": [proposal.id], "contribution_ids": [contribution_id]},
        )
    return proposal


def _apply_merge(source: Proposal, target: Proposal) -> tuple[list[int], list[int]]:
    """Move every source of ``source`` to ``target``, mark it merged; return (moved ids, added theme ids)."""
    moved = _sources(source.id)
    _move(moved, source, target)
    added_themes = [theme for theme in source.themes if theme not in target.themes]
    target.themes.extend(added_themes)
    source.merged_into_id = target.id
    source.merged_at = utcnow()
    _touch(source, target)
    _recompute_supports(source, target)
    return moved, [theme.id for theme in added_themes]


def merge_proposals(source_id: int, into_id: int, *, moderator: User, expected_version: int | None = None) -> Proposal:
    """Merge proposal ``source_id`` into ``into_id``; return the proposal that remains.

    The absorbed proposal stays, marked "fusionnée dans la proposition …"; its sources, themes and
    supporters move (each person counted once). Raises InvalidInput (same proposal, other process),
    NotFound, Conflict (not live, or changed since the page was read).
    """
    _moderator(moderator)
    if source_id == into_id:
        raise InvalidInput(
            "Choisissez une autre proposition : une proposition ne peut pas être fusionnée avec elle-même.",
            field="into_id",
        )
    with transaction():
        source = _proposal(source_id, expected_version=expected_version)
        target = _proposal(into_id)
        if target.process_id != source.process_id:
            raise InvalidInput("Les deux propositions doivent appartenir à la même démarche.", field="into_id")
        moved, added_themes = _apply_merge(source, target)
        audit.record(
            MERGE,
            actor=moderator,
            target_type="proposal",
            target_id=source.id,
            before={"merged_into_id": None},
            after={
                "merged_into_id": target.id,
                "proposal_ids": [source.id, target.id],
                "contribution_ids": moved,
                "added_theme_ids": added_themes,
            },
        )
        contributions = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(moved))).all()
        pending = _notify_merged(contributions, target)
    notifications.deliver(pending)
    return target


def split(
    proposal_id: int,
    contribution_ids: Iterable[int],
    title: str | None,
    text: str | None,
    *,
    moderator: User,
    theme_ids: Iterable[int] | None = None,
    priority: ProposalPriority | str | None = None,
    expected_version: int | None = None,
    citation_reason: str | None = None,
) -> Proposal:
    """Move chosen sources of a proposal to a new proposal; return the new one.

    Themes and priority default to the original's. Both keep at least one source; supporters are
    recomputed on both, once per person. Raises InvalidInput, NotFound, Conflict.
    """
    _moderator(moderator)
    contribution_ids = list(dict.fromkeys(contribution_ids))
    with transaction():
        original = _proposal(proposal_id, expected_version=expected_version)
        fields = _fields(title, text, priority if priority else original.priority)
        themes = _themes(original.process, theme_ids) if theme_ids else list(original.themes)
        sources = _sources(original.id)
        if not contribution_ids:
            raise InvalidInput("Cochez les contributions qui partent dans la nouvelle proposition.", field="ids")
        strangers = [i for i in contribution_ids if i not in sources]
        if strangers:
            raise InvalidInput(
                _one_or_many(
                    strangers,
                    "La contribution {n} ne fait pas partie de cette proposition.",
                    "Les contributions {n} ne font pas partie de cette proposition.",
                ),
                field="ids",
            )
        if len(contribution_ids) == len(sources):
            raise InvalidInput("Laissez au moins une contribution dans la proposition d'origine.", field="ids")
        review = review_citations(fields.text, contribution_ids, citation_reason)
        new = Proposal(
            process_id=original.process_id,
            title=fields.title,
            text=fields.text,
            priority=fields.priority,
            created_by_id=moderator.id,
            themes=themes,
            citation_review=review,
        )
        db.session.add(new)
        db.session.flush()
        _move(contribution_ids, original, new)
        _touch(original)
        _recompute_supports(original, new)
        audit.record(
            SPLIT,
            actor=moderator,
            target_type="proposal",
            target_id=original.id,
            before={"contribution_ids": sources},
            after={
                "new_proposal": {**_snapshot(new), "id": new.id},
                "proposal_ids": [original.id, new.id],
                "created_ids": [new.id],
                "contribution_ids": contribution_ids,
            },
        )
        contributions = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(contribution_ids))).all()
        pending = _notify_merged(contributions, new)
    notifications.deliver(pending)
    return new


def _wording(proposal: Proposal) -> dict:
    return {"title": proposal.title, "text": proposal.text, "citation_review": proposal.citation_review}


def edit_text(
    proposal_id: int,
    title: str | None,
    text: str | None,
    *,
    moderator: User,
    citation_reason: str | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Change a live proposal's title and text (checked like at creation); the journal keeps both versions.

    Raises InvalidInput (title, text, citations, nothing changed), NotFound, Conflict.
    """
    _moderator(moderator)
    with transaction():
        proposal = _proposal(proposal_id, expected_version=expected_version)
        fields = _fields(title, text, proposal.priority)
        review = review_citations(fields.text, _sources(proposal.id), citation_reason)
        before = _wording(proposal)
        after = {"title": fields.title, "text": fields.text, "citation_review": review}
        if after == before:
            raise InvalidInput("Le titre et le texte n'ont pas changé : rien n'a été enregistré.", field="text")
        _set_wording(proposal, after)
        audit.record(
            EDIT,
            actor=moderator,
            target_type="proposal",
            target_id=proposal.id,
            before=before,
            after={**after, "proposal_ids": [proposal.id]},
        )
    return proposal


def _set_wording(proposal: Proposal, wording: dict) -> None:
    proposal.title, proposal.text = wording["title"], wording["text"]
    proposal.citation_review = wording["citation_review"]
    _touch(proposal)


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
    if not set(contribution_ids) <= set(_sources(proposal.id)):
        raise Conflict(
            f"Les contributions de la proposition n° {proposal.id} ont changé depuis cet acte : rien n'a été modifié."
        )


def _undo_create(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = _proposal(entry.target_id)
    _check_no_direct_supports(proposal)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    _detach(proposal, ids, entry.before["statuses"])
    proposal.cancelled_at = utcnow()
    _recompute_supports(proposal)


def _redo_create(entry: AuditEntry, actor: User) -> None:
    proposal = db.session.get(Proposal, entry.target_id)
    if proposal is None or not proposal.is_cancelled:
        raise Conflict("Cette proposition existe déjà : rien n'a été modifié.")
    contributions = _selectable(proposal.process, entry.after["contribution_ids"])
    proposal.cancelled_at = None
    _attach(proposal, contributions, actor)
    _recompute_supports(proposal)


def _undo_add(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = _proposal(entry.target_id)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    _detach(proposal, ids, entry.before["statuses"])
    _touch(proposal)
    _recompute_supports(proposal)


def _redo_add(entry: AuditEntry, actor: User) -> None:
    proposal = _proposal(entry.target_id)
    _attach(proposal, _selectable(proposal.process, entry.after["contribution_ids"], into=proposal), actor)
    _touch(proposal)
    _recompute_supports(proposal)


def _undo_remove(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    proposal = _proposal(entry.target_id)
    ids = entry.after["contribution_ids"]
    taken = taken_by(ids)
    if taken:
        raise Conflict(
            f"La contribution {numbers(ids)} alimente maintenant une autre proposition : rien n'a été modifié."
        )
    contributions = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids))).all()
    _attach(proposal, list(contributions), actor)
    _touch(proposal)
    _recompute_supports(proposal)


def _redo_remove(entry: AuditEntry, actor: User) -> None:
    proposal = _proposal(entry.target_id)
    ids = entry.after["contribution_ids"]
    _expect_sources(proposal, ids)
    if len(_sources(proposal.id)) <= len(ids):
        raise Conflict("La proposition n'aurait plus aucune contribution : rien n'a été modifié.")
    _detach(proposal, ids)
    _touch(proposal)
    _recompute_supports(proposal)


def _undo_merge(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    source = _proposal(entry.target_id, live=False)
    target = _proposal(entry.after["merged_into_id"])
    if source.merged_into_id != target.id:
        raise Conflict("Cette fusion a déjà été défaite : rien n'a été modifié.")
    ids = entry.after["contribution_ids"]
    _expect_sources(target, ids)
    _move(ids, target, source)
    added = set(entry.after.get("added_theme_ids", []))
    target.themes = [theme for theme in target.themes if theme.id not in added]
    source.merged_into_id = None
    source.merged_at = None
    _touch(source, target)
    _recompute_supports(source, target)


def _redo_merge(entry: AuditEntry, actor: User) -> None:
    source = _proposal(entry.target_id)
    target = _proposal(entry.after["merged_into_id"])
    _expect_sources(source, entry.after["contribution_ids"])
    _apply_merge(source, target)


def _undo_split(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    original = _proposal(entry.target_id)
    new = _proposal(entry.after["new_proposal"]["id"])
    _check_no_direct_supports(new)
    ids = entry.after["contribution_ids"]
    _expect_sources(new, ids)
    _move(ids, new, original)
    new.cancelled_at = utcnow()
    _touch(original)
    _recompute_supports(original, new)


def _redo_split(entry: AuditEntry, actor: User) -> None:
    original = _proposal(entry.target_id)
    new = db.session.get(Proposal, entry.after["new_proposal"]["id"])
    if new is None or not new.is_cancelled:
        raise Conflict("La proposition issue de la scission existe déjà : rien n'a été modifié.")
    ids = entry.after["contribution_ids"]
    _expect_sources(original, ids)
    if len(_sources(original.id)) <= len(ids):
        raise Conflict("La proposition d'origine n'aurait plus aucune contribution : rien n'a été modifié.")
    _move(ids, original, new)
    new.cancelled_at = None
    _touch(original)
    _recompute_supports(original, new)


def _undo_edit(entry: AuditEntry, actor: User) -> None:
    _refuse_if_dependants(entry)
    _swap_wording(entry, entry.after, entry.before)


def _redo_edit(entry: AuditEntry, actor: User) -> None:
    _swap_wording(entry, entry.before, entry.after)


def _swap_wording(entry: AuditEntry, expected: dict, wanted: dict) -> None:
    proposal = _proposal(entry.target_id)
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


# --- reading -----------------------------------------------------------------------------------


def taken_by(contribution_ids: Iterable[int]) -> dict[int, Proposal]:
    """For each of ``contribution_ids`` that feeds a proposal, that proposal (one query)."""
    ids = list(contribution_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(ProposalSource.contribution_id, Proposal)
        .join(Proposal, Proposal.id == ProposalSource.proposal_id)
        .where(ProposalSource.contribution_id.in_(ids))
    ).all()
    return dict(rows)


def get_proposal(proposal_id: int) -> Proposal:
    """A proposal anyone may read (merged ones too, they say where they went); NotFound when cancelled."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_cancelled:
        raise NotFound("Proposition introuvable.")
    return proposal


def final_proposal(proposal: Proposal) -> Proposal:
    """The live proposal a merged one ended up in (itself when live)."""
    seen = set()
    while proposal.merged_into is not None and proposal.id not in seen:
        seen.add(proposal.id)
        proposal = proposal.merged_into
    return proposal


def sources_of(proposal_id: int) -> list[Contribution]:
    """The source contributions of a proposal, oldest first, with their authors and themes loaded."""
    return list(
        db.session.scalars(
            db.select(Contribution)
            .join(ProposalSource, ProposalSource.contribution_id == Contribution.id)
            .options(joinedload(Contribution.author), joinedload(Contribution.theme))
            .where(ProposalSource.proposal_id == proposal_id)
            .order_by(Contribution.id)
        )
    )


def n_supporters(proposal_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(ProposalSupport.id)).where(
            ProposalSupport.proposal_id == proposal_id, counted(ProposalSupport.user_id)
        )
    )


def supporter_ids(proposal_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(ProposalSupport.user_id)
            .where(ProposalSupport.proposal_id == proposal_id)
            .order_by(ProposalSupport.user_id)
        )
    )


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    n_sources: int
    n_supporters: int


def list_for_process(process_id: int) -> list[ProposalRow]:
    """The process's proposals (live first, then merged ones), with counts, in one query."""
    n_sources = (
        db.select(db.func.count(ProposalSource.id))
        .where(ProposalSource.proposal_id == Proposal.id)
        .correlate(Proposal)
        .scalar_subquery()
    )
    n_supporters_ = (
        db.select(db.func.count(ProposalSupport.id))
        .where(ProposalSupport.proposal_id == Proposal.id, counted(ProposalSupport.user_id))
        .correlate(Proposal)
        .scalar_subquery()
    )
    rows = db.session.execute(
        db.select(Proposal, n_sources, n_supporters_)
        .where(Proposal.process_id == process_id, Proposal.cancelled_at.is_(None))
        .order_by(Proposal.merged_into_id.is_not(None), Proposal.id.desc())
    ).all()
    return [ProposalRow(proposal, sources, supporters) for proposal, sources, supporters in rows]


def merge_targets(proposal: Proposal) -> list[Proposal]:
    """The other live proposals of the same process, newest first."""
    return list(
        db.session.scalars(
            db.select(Proposal)
            .where(
                Proposal.process_id == proposal.process_id,
                Proposal.id != proposal.id,
                Proposal.merged_into_id.is_(None),
                Proposal.cancelled_at.is_(None),
            )
            .order_by(Proposal.id.desc())
        )
    )


def selection(process_id: int, contribution_ids: list[int]) -> list[Contribution]:
    """The contributions of ``process_id`` among ``contribution_ids``, in that order (unknown ones skipped)."""
    if not contribution_ids:
        return []
    found = {
        c.id: c
        for c in db.session.scalars(
            db.select(Contribution)
            .options(joinedload(Contribution.theme))
            .where(Contribution.id.in_(contribution_ids), Contribution.process_id == process_id)
        )
    }
    return [found[i] for i in contribution_ids if i in found]


def search_candidates(
    process_id: int, query: str | None, *, exclude: Iterable[int] = (), limit: int = 50
) -> list[Contribution]:
    """Visible contributions of the process matching ``query`` (all when empty), newest first."""
    from contrib.participation.contributions import visible_contributions

    statement = visible_contributions(process_id, query=query).options(joinedload(Contribution.theme))
    excluded = list(exclude)
    if excluded:
        statement = statement.where(Contribution.id.not_in(excluded))
    return list(db.session.scalars(statement.order_by(Contribution.id.desc()).limit(limit)))
