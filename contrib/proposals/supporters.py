"""A proposal's supporters: one row per person, the carried ones derived from its sources."""

from __future__ import annotations

from contrib.extensions import db
from contrib.models import (
    Proposal,
    ProposalSource,
    ProposalSupport,
    Support,
    SupportOrigin,
)
from contrib.models.base import utcnow

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


def recompute_supports(*proposals: Proposal) -> None:
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
