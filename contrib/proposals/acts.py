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
  derived, never edited by hand: ``recompute_supports`` makes them equal to the people who support
  one of its source contributions, plus the direct supporters of the proposals merged into it. So
  supports carry over once per person whatever the sequence of merges, splits and undos;
- nothing a participant created is deleted; proposals are never deleted either (undoing a creation
  sets ``cancelled_at``), so ids are never reused and the journal keeps pointing at the right one.

Undo order: an act cannot be undone while a later, live act touches one of the same proposals or
contributions (or any act targets a proposal it created); ``undo.Blocked`` names that act.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    Contribution,
    ContributionStatus,
    Proposal,
    ProposalPriority,
    User,
)
from contrib.models.base import utcnow
from contrib.notifications import services as notifications
from contrib.processes.services import get_process
from contrib.proposals.citations import review_citations
from contrib.proposals.common import (
    ADD,
    CREATE,
    EDIT,
    MERGE,
    REMOVE,
    SPLIT,
    ProposalFields,
    attach_sources,
    current_source_ids,
    detach_sources,
    move_sources,
    notify_merged,
    one_or_many,
    process_themes,
    proposal_fields,
    proposal_for_act,
    proposal_snapshot,
    race_conflict,
    require_moderator,
    selectable_contributions,
    statuses_of,
    touch_proposals,
)
from contrib.proposals.supporters import recompute_supports

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
    require_moderator(moderator)
    fields = proposal_fields(title, text, priority)
    contribution_ids = list(contribution_ids)
    try:
        with transaction():
            process = get_process(process_id)
            themes = process_themes(process, theme_ids)
            contributions = selectable_contributions(process, contribution_ids)
            review = review_citations(fields.text, [c.id for c in contributions], citation_reason)
            before = statuses_of(contributions)
            proposal = _add_proposal(process.id, fields, themes, review, moderator)
            attach_sources(proposal, contributions, moderator)
            recompute_supports(proposal)
            ids = [c.id for c in contributions]
            audit.record(
                CREATE,
                actor=moderator,
                target_type="proposal",
                target_id=proposal.id,
                before={"statuses": before},
                after={
                    **proposal_snapshot(proposal),
                    "proposal_ids": [proposal.id],
                    "created_ids": [proposal.id],
                    "contribution_ids": ids,
                },
            )
            pending = notify_merged(contributions, proposal)
    except IntegrityError:
        raise race_conflict(contribution_ids) from None
    notifications.deliver(pending)
    return proposal


def add_contributions(
    proposal_id: int, contribution_ids: Iterable[int], *, moderator: User, expected_version: int | None = None
) -> Proposal:
    """Add contributions to a live proposal (same rules as at creation); their authors are told."""
    require_moderator(moderator)
    contribution_ids = list(contribution_ids)
    try:
        with transaction():
            proposal = proposal_for_act(proposal_id, expected_version=expected_version)
            contributions = selectable_contributions(proposal.process, contribution_ids, into=proposal)
            before = statuses_of(contributions)
            attach_sources(proposal, contributions, moderator)
            touch_proposals(proposal)
            recompute_supports(proposal)
            audit.record(
                ADD,
                actor=moderator,
                target_type="proposal",
                target_id=proposal.id,
                before={"statuses": before},
                after={"proposal_ids": [proposal.id], "contribution_ids": [c.id for c in contributions]},
            )
            pending = notify_merged(contributions, proposal)
    except IntegrityError:
        raise race_conflict(contribution_ids) from None
    notifications.deliver(pending)
    return proposal


def remove_contribution(
    proposal_id: int, contribution_id: int, *, moderator: User, expected_version: int | None = None
) -> Proposal:
    """Give a source back: the contribution is "publiée" again; a proposal keeps at least one source."""
    require_moderator(moderator)
    with transaction():
        proposal = proposal_for_act(proposal_id, expected_version=expected_version)
        sources = current_source_ids(proposal.id)
        if contribution_id not in sources:
            raise NotFound(f"La contribution n° {contribution_id} ne fait pas partie de cette proposition.")
        if len(sources) == 1:
            raise Conflict(
                "C'est la dernière contribution de cette proposition : une proposition garde au moins "
                "une source. Fusionnez-la plutôt dans une autre proposition."
            )
        detach_sources(proposal, [contribution_id])
        touch_proposals(proposal)
        recompute_supports(proposal)
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
    moved = current_source_ids(source.id)
    move_sources(moved, source, target)
    added_themes = [theme for theme in source.themes if theme not in target.themes]
    target.themes.extend(added_themes)
    source.merged_into_id = target.id
    source.merged_at = utcnow()
    touch_proposals(source, target)
    recompute_supports(source, target)
    return moved, [theme.id for theme in added_themes]


def merge_proposals(source_id: int, into_id: int, *, moderator: User, expected_version: int | None = None) -> Proposal:
    """Merge proposal ``source_id`` into ``into_id``; return the proposal that remains.

    The absorbed proposal stays, marked "fusionnée dans la proposition …"; its sources, themes and
    supporters move (each person counted once). Raises InvalidInput (same proposal, other process),
    NotFound, Conflict (not live, or changed since the page was read).
    """
    require_moderator(moderator)
    if source_id == into_id:
        raise InvalidInput(
            "Choisissez une autre proposition : une proposition ne peut pas être fusionnée avec elle-même.",
            field="into_id",
        )
    with transaction():
        source = proposal_for_act(source_id, expected_version=expected_version)
        target = proposal_for_act(into_id)
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
        pending = notify_merged(contributions, target)
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
    require_moderator(moderator)
    contribution_ids = list(dict.fromkeys(contribution_ids))
    with transaction():
        original = proposal_for_act(proposal_id, expected_version=expected_version)
        fields = proposal_fields(title, text, priority if priority else original.priority)
        themes = process_themes(original.process, theme_ids) if theme_ids else list(original.themes)
        sources = current_source_ids(original.id)
        if not contribution_ids:
            raise InvalidInput("Cochez les contributions qui partent dans la nouvelle proposition.", field="ids")
        strangers = [i for i in contribution_ids if i not in sources]
        if strangers:
            raise InvalidInput(
                one_or_many(
                    strangers,
                    "La contribution {n} ne fait pas partie de cette proposition.",
                    "Les contributions {n} ne font pas partie de cette proposition.",
                ),
                field="ids",
            )
        if len(contribution_ids) == len(sources):
            raise InvalidInput("Laissez au moins une contribution dans la proposition d'origine.", field="ids")
        review = review_citations(fields.text, contribution_ids, citation_reason)
        new = _add_proposal(original.process_id, fields, themes, review, moderator)
        move_sources(contribution_ids, original, new)
        touch_proposals(original)
        recompute_supports(original, new)
        audit.record(
            SPLIT,
            actor=moderator,
            target_type="proposal",
            target_id=original.id,
            before={"contribution_ids": sources},
            after={
                "new_proposal": {**proposal_snapshot(new), "id": new.id},
                "proposal_ids": [original.id, new.id],
                "created_ids": [new.id],
                "contribution_ids": contribution_ids,
            },
        )
        contributions = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(contribution_ids))).all()
        pending = notify_merged(contributions, new)
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
    require_moderator(moderator)
    with transaction():
        proposal = proposal_for_act(proposal_id, expected_version=expected_version)
        fields = proposal_fields(title, text, proposal.priority)
        review = review_citations(fields.text, current_source_ids(proposal.id), citation_reason)
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
    touch_proposals(proposal)


def _add_proposal(process_id: int, fields: ProposalFields, themes: list, review: dict | None, author: User) -> Proposal:
    """A new proposal of the process, flushed so that it has its id."""
    proposal = Proposal(
        process_id=process_id,
        title=fields.title,
        text=fields.text,
        priority=fields.priority,
        created_by_id=author.id,
        themes=themes,
        citation_review=review,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal
