"""Fair ranking of proposals, and the scores behind it.

A raw count of supporters favours the biggest process and says nothing about how sure we are;
a raw share favours tiny processes (3 supporters out of 3 people is "100 %"). We rank by the
**Wilson score lower bound** (95 %) of the share of the process's participants who support the
proposal, as Evan Miller's "How Not To Sort By Average Rating" recommends and Reddit's "best"
sort does: with few participants the interval is wide and the bound low, with many it closes on
the observed share. 3 of 3 scores 0.44; 30 of 40 scores 0.60; 300 of 2,000 scores 0.14.

"Participants" of a process are the distinct confirmed accounts who took part in it: authors of its visible
contributions, supporters of its contributions and direct supporters of its proposals (so a
proposal's supporters are always a subset). People who only sat at a workshop table typed in by a
facilitator have no account and are not counted: we cannot know who among them supports what.

Alongside the score the ranking shows what a reader needs to judge it: supporters (people, each
counted once), source contributions, distinct events and regions they come from, and the mix of
actor types who wrote them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from contrib.extensions import db
from contrib.models.accounts import counted
from contrib.models import (
    Contribution,
    Process,
    Proposal,
    ProposalSource,
    ProposalSupport,
    Support,
)

Z_95 = 1.959963984540054


def wilson_lower_bound(successes: int, trials: int, *, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval of ``successes / trials``; 0.0 when ``trials`` is 0.

    Raises ValueError when the counts are negative or ``successes > trials``.
    """
    if successes < 0 or trials < 0 or successes > trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} / {trials}")
    if trials == 0:
        return 0.0
    share = successes / trials
    z2 = z * z
    centre = share + z2 / (2 * trials)
    margin = z * math.sqrt((share * (1 - share) + z2 / (4 * trials)) / trials)
    return max(0.0, (centre - margin) / (1 + z2 / trials))


@dataclass(frozen=True)
class RankedProposal:
    proposal: Proposal
    rank: int
    score: float
    n_supporters: int
    n_participants: int
    n_sources: int
    n_events: int
    regions: list[str]
    actor_types: list[tuple[str, int]] = field(default_factory=list)  # (French label, count), largest first

    @property
    def share(self) -> float:
        return self.n_supporters / self.n_participants if self.n_participants else 0.0


def participants_by_process(process_ids: Iterable[int]) -> dict[int, int]:
    """Distinct accounts who took part in each process (contributed, supported a contribution or a proposal)."""
    ids = list(set(process_ids))
    if not ids:
        return {}
    authors = (db.select(Contribution.process_id.label("process_id"), Contribution.author_id.label("user_id"))
               .where(Contribution.process_id.in_(ids), Contribution.author_id.is_not(None),
                      Contribution.hidden_at.is_(None), counted(Contribution.author_id)))
    supporters = (db.select(Contribution.process_id, Support.user_id)
                  .join(Support, Support.contribution_id == Contribution.id)
                  .where(Contribution.process_id.in_(ids), counted(Support.user_id)))
    direct = (db.select(Proposal.process_id, ProposalSupport.user_id)
              .join(ProposalSupport, ProposalSupport.proposal_id == Proposal.id)
              .where(Proposal.process_id.in_(ids), counted(ProposalSupport.user_id)))
    everyone = db.union(authors, supporters, direct).subquery()  # UNION removes duplicate (process, user) pairs
    rows = db.session.execute(db.select(everyone.c.process_id, db.func.count())
                              .group_by(everyone.c.process_id)).all()
    counts = {process_id: 0 for process_id in ids}
    counts.update({process_id: n for process_id, n in rows})
    return counts


def rank_proposals(process_ids: Iterable[int]) -> list[RankedProposal]:
    """The live proposals of the processes, best first (score, then supporters, then id).

    A proposal is measured against the participants of the processes its sources come from (of
    its own process when it has none). Returns [] when there is no live proposal.
    """
    ids = list(set(process_ids))
    proposals = list(db.session.scalars(db.select(Proposal).where(
        Proposal.process_id.in_(ids), Proposal.merged_into_id.is_(None), Proposal.cancelled_at.is_(None))))
    if not proposals:
        return []
    proposal_ids = [proposal.id for proposal in proposals]
    supporters = dict(db.session.execute(
        db.select(ProposalSupport.proposal_id, db.func.count(ProposalSupport.id))
        .where(ProposalSupport.proposal_id.in_(proposal_ids), counted(ProposalSupport.user_id))
        .group_by(ProposalSupport.proposal_id)).all())
    sources = db.session.execute(
        db.select(ProposalSource.proposal_id, Contribution.process_id, Contribution.actor_type, Process.region)
        .join(Contribution, Contribution.id == ProposalSource.contribution_id)
        .join(Process, Process.id == Contribution.process_id)
        .where(ProposalSource.proposal_id.in_(proposal_ids))).all()
    by_proposal: dict[int, list] = {proposal_id: [] for proposal_id in proposal_ids}
    for row in sources:
        by_proposal[row.proposal_id].append(row)
    all_processes = {row.process_id for row in sources} | {proposal.process_id for proposal in proposals}
    participants = participants_by_process(all_processes)

    scored = []
    for proposal in proposals:
        rows = by_proposal[proposal.id]
        processes = {row.process_id for row in rows} or {proposal.process_id}
        n_participants = sum(participants[process_id] for process_id in processes)
        n_supporters = supporters.get(proposal.id, 0)
        n_participants = max(n_participants, n_supporters)
        actor_types = Counter(row.actor_type for row in rows)
        scored.append(dict(
            proposal=proposal, score=wilson_lower_bound(n_supporters, n_participants), n_supporters=n_supporters,
            n_participants=n_participants, n_sources=len(rows), n_events=len(processes),
            regions=sorted({row.region for row in rows if row.region}),
            actor_types=[(actor_type.label, n) for actor_type, n in
                         sorted(actor_types.items(), key=lambda item: (-item[1], item[0].label))]))
    scored.sort(key=lambda row: (-row["score"], -row["n_supporters"], row["proposal"].id))
    return [RankedProposal(rank=position, **row) for position, row in enumerate(scored, 1)]
