"""Reading proposals: lookups, sources, supporters, lists for the moderation pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from contrib.core.errors import NotFound
from contrib.extensions import db
from contrib.models import (
    Contribution,
    Proposal,
    ProposalSource,
    ProposalSupport,
)
from contrib.models.accounts import counted

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
