"""Public results of a process: what was said (themes, kinds), by whom (actor types), what came out on top,
and what was decided (proposals retained or discarded, with their reason and the plaidoyer that carries them).

Everything counted here is what the process page shows anyone: hidden contributions are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from contrib.core.french import count
from contrib.extensions import db
from contrib.models import (
    ActorType,
    Contribution,
    ContributionKind,
    Plaidoyer,
    PlaidoyerItem,
    PlaidoyerSection,
    Process,
    Proposal,
    ProposalStatus,
    Theme,
)
from contrib.prioritisation import ranking
from contrib.prioritisation.charts import BarChart, bar_chart

TOP_PROPOSALS = 10


@dataclass(frozen=True)
class Decision:
    """A proposal whose fate is decided: its status, the public reason, where the plaidoyer carries it."""

    proposal: Proposal
    reason: str | None
    placements: list[tuple[str, str]]  # (plaidoyer title, section title)


@dataclass(frozen=True)
class ProcessResults:
    n_contributions: int
    n_participants: int
    by_theme: BarChart
    by_kind: BarChart
    by_actor_type: BarChart
    top_proposals: BarChart
    ranked: list[ranking.RankedProposal]
    retained: list[Decision]
    discarded: list[Decision]


def _grouped(process_id: int, column) -> dict:
    return dict(
        db.session.execute(
            db.select(column, db.func.count(Contribution.id))
            .where(Contribution.process_id == process_id, Contribution.hidden_at.is_(None))
            .group_by(column)
        ).all()
    )


def decisions(process_id: int, status: ProposalStatus) -> list[Decision]:
    """The process's live proposals with this status, newest first, each with the plaidoyers it is placed in."""
    chosen = list(
        db.session.scalars(
            db.select(Proposal)
            .where(
                Proposal.process_id == process_id,
                Proposal.status == status,
                Proposal.merged_into_id.is_(None),
                Proposal.cancelled_at.is_(None),
            )
            .order_by(Proposal.id.desc())
        )
    )
    placements: dict[int, list[tuple[str, str]]] = {}
    for proposal_id, plaidoyer, section in db.session.execute(
        db.select(PlaidoyerItem.proposal_id, Plaidoyer.title, PlaidoyerSection.title)
        .join(Plaidoyer, Plaidoyer.id == PlaidoyerItem.plaidoyer_id)
        .join(PlaidoyerSection, PlaidoyerSection.id == PlaidoyerItem.section_id)
        .where(PlaidoyerItem.proposal_id.in_([proposal.id for proposal in chosen]))
        .order_by(Plaidoyer.id)
    ).all():
        placements.setdefault(proposal_id, []).append((plaidoyer, section))
    return [Decision(p, p.status_reason, placements.get(p.id, [])) for p in chosen]


def process_results(process: Process) -> ProcessResults:
    """Counts and charts of one process (a handful of grouped queries, whatever its size)."""
    themes = _grouped(process.id, Contribution.theme_id)
    kinds = _grouped(process.id, Contribution.kind)
    actors = _grouped(process.id, Contribution.actor_type)
    theme_names = dict(
        db.session.execute(
            db.select(Theme.id, Theme.name).where(Theme.process_id == process.id).order_by(Theme.position)
        ).all()
    )
    by_theme = bar_chart(
        "par-thematique",
        "Contributions par thématique",
        [
            (name, themes.get(theme_id, 0), count(themes.get(theme_id, 0), "contribution"))
            for theme_id, name in theme_names.items()
        ],
        value_heading="Contributions",
    )
    by_kind = bar_chart(
        "par-type",
        "Contributions par type",
        [(kind.label, kinds.get(kind, 0), count(kinds.get(kind, 0), "contribution")) for kind in ContributionKind],
        value_heading="Contributions",
    )
    by_actor_type = bar_chart(
        "par-acteur",
        "Contributions par type d'acteur",
        [
            (actor.label, actors.get(actor, 0), count(actors.get(actor, 0), "contribution"))
            for actor in ActorType
            if actors.get(actor, 0)
        ],
        value_heading="Contributions",
    )
    ranked = ranking.rank_proposals([process.id])
    top = bar_chart(
        "propositions",
        "Propositions les mieux classées",
        [
            (
                f"{row.rank}. {row.proposal.title}",
                round(100 * row.score, 1),
                f"{100 * row.score:.0f} % · {count(row.n_supporters, 'soutien')}",
            )
            for row in ranked[:TOP_PROPOSALS]
        ],
        value_heading="Score et soutiens",
    )
    n_participants = ranking.participants_by_process([process.id])[process.id]
    return ProcessResults(
        n_contributions=sum(themes.values()),
        n_participants=n_participants,
        by_theme=by_theme,
        by_kind=by_kind,
        by_actor_type=by_actor_type,
        top_proposals=top,
        ranked=ranked,
        retained=decisions(process.id, ProposalStatus.RETAINED),
        discarded=decisions(process.id, ProposalStatus.DISCARDED),
    )
