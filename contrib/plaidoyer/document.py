"""Reading the plaidoyer: the whole document with each proposal's provenance, as typed data.

``build`` gives a ``Document`` (frozen dataclasses); ``document`` gives its JSON shape, which a version
freezes and every export renders (the shape is the one versions have always stored).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy.orm import joinedload, selectinload

from contrib.core.routing import path_for
from contrib.extensions import db
from contrib.models import Contribution, Plaidoyer, Proposal, ProposalSource, ProposalSupport
from contrib.models.accounts import counted
from contrib.plaidoyer.structure import get_plaidoyer, placed_items, shown_sections


@dataclass(frozen=True)
class Event:
    id: int
    slug: str
    title: str
    region: str | None
    n_sources: int
    url: str


@dataclass(frozen=True)
class ActorCount:
    label: str
    n: int


@dataclass(frozen=True)
class Source:
    """A visible source contribution of a proposal."""

    id: int
    title: str | None
    text: str
    kind: str
    theme: str
    actor_type: str
    process_id: int
    process: str
    region: str | None
    date: str
    url: str


@dataclass(frozen=True)
class Provenance:
    n_sources: int
    n_supporters: int
    n_events: int
    events: tuple[Event, ...]
    regions: tuple[str, ...]
    actor_types: tuple[ActorCount, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Entry:
    """A proposal as the document shows it."""

    id: int
    title: str
    text: str
    priority: str
    status: str
    status_reason: str | None
    themes: tuple[str, ...]
    process: str
    url: str
    provenance: Provenance


@dataclass(frozen=True)
class Section:
    id: int
    title: str
    proposals: tuple[Entry, ...]


@dataclass(frozen=True)
class Header:
    id: int
    title: str
    introduction: str
    conclusion: str


@dataclass(frozen=True)
class Totals:
    n_sections: int
    n_proposals: int
    n_sources: int
    n_events: int
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    plaidoyer: Header
    sections: tuple[Section, ...]
    totals: Totals

    def as_json(self) -> dict:
        """Plain dicts and lists: what a version stores and the exports read."""
        return _plain(asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def list_plaidoyers() -> list[Plaidoyer]:
    return list(db.session.scalars(db.select(Plaidoyer).order_by(Plaidoyer.updated_at.desc(), Plaidoyer.id.desc())))


def get(plaidoyer_id: int) -> Plaidoyer:
    """The plaidoyer; NotFound when it does not exist."""
    return get_plaidoyer(plaidoyer_id)


def provenance(proposals: list[Proposal]) -> dict[int, Provenance]:
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
        events = tuple(
            Event(
                id=process.id,
                slug=process.slug,
                title=process.title,
                region=process.region,
                n_sources=per_event.get(process.id, 0),
                url=path_for("participation.show", slug=process.slug),
            )
            for process in sorted(processes.values(), key=lambda process: process.id)
        )
        actor_types = Counter(contribution.actor_type.label for contribution in contributions)
        result[proposal.id] = Provenance(
            n_sources=len(contributions),
            n_supporters=supporters.get(proposal.id, 0),
            n_events=len(events),
            events=events,
            regions=tuple(sorted({event.region for event in events if event.region})),
            actor_types=tuple(
                ActorCount(label, n) for label, n in sorted(actor_types.items(), key=lambda pair: (-pair[1], pair[0]))
            ),
            sources=tuple(_source(contribution) for contribution in contributions),
        )
    return result


def _source(contribution: Contribution) -> Source:
    return Source(
        id=contribution.id,
        title=contribution.title,
        text=contribution.text,
        kind=contribution.kind.label,
        theme=contribution.theme.name,
        actor_type=contribution.actor_type.label,
        process_id=contribution.process_id,
        process=contribution.process.title,
        region=contribution.process.region,
        date=contribution.created_at.date().isoformat(),
        url=path_for("participation.contribution", contribution_id=contribution.id),
    )


def build(plaidoyer: Plaidoyer) -> Document:
    """The whole document, provenance included."""
    placed = placed_items(plaidoyer.id)
    sections = shown_sections(plaidoyer.id)
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
    content_sections = tuple(
        Section(
            id=section.id,
            title=section.title,
            proposals=tuple(_entry(proposals[item.proposal_id], origins) for item in placed.get(section.id, [])),
        )
        for section in sections
    )
    all_sources = {source.id for origin in origins.values() for source in origin.sources}
    all_events = {event.id: event for origin in origins.values() for event in origin.events}
    return Document(
        plaidoyer=Header(
            id=plaidoyer.id,
            title=plaidoyer.title,
            introduction=plaidoyer.introduction,
            conclusion=plaidoyer.conclusion,
        ),
        sections=content_sections,
        totals=Totals(
            n_sections=len(content_sections),
            n_proposals=len(proposal_ids),
            n_sources=len(all_sources),
            n_events=len(all_events),
            regions=tuple(sorted({event.region for event in all_events.values() if event.region})),
        ),
    )


def _entry(proposal: Proposal, origins: dict[int, Provenance]) -> Entry:
    return Entry(
        id=proposal.id,
        title=proposal.title,
        text=proposal.text,
        priority=proposal.priority.label,
        status=proposal.status.label,
        status_reason=proposal.status_reason,
        themes=tuple(theme.name for theme in proposal.themes),
        process=proposal.process.title,
        url=path_for("proposals.show", proposal_id=proposal.id),
        provenance=origins[proposal.id],
    )


def document(plaidoyer: Plaidoyer) -> dict:
    """The whole document as plain data (what a version freezes and what every export renders)."""
    return build(plaidoyer).as_json()


def proposal_versions(proposal_ids: list[int]) -> dict[int, int]:
    """{proposal id: its version}: what the editor's text forms carry (the proposals' optimistic check)."""
    if not proposal_ids:
        return {}
    return dict(db.session.execute(db.select(Proposal.id, Proposal.version).where(Proposal.id.in_(proposal_ids))).all())
