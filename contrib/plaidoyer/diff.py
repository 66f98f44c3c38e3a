"""What changed between two states of the plaidoyer (versions or the current document), in words a
person reads. Texts are diffed word by word, escaped.

The entries are named tuples: typed and immutable, and still unpacked as tuples by the comparison page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import NamedTuple

from markupsafe import Markup

from contrib.core.text_diff import highlight_differences


class TextChange(NamedTuple):
    label: str
    highlighted: Markup


class SectionRenamed(NamedTuple):
    old_title: str
    new_title: str


class SectionMoved(NamedTuple):
    title: str
    old_rank: int  # 1-based
    new_rank: int


class ProposalPlaced(NamedTuple):
    """A proposal added to, or removed from, a section."""

    id: int
    title: str
    section: str


class ProposalMoved(NamedTuple):
    id: int
    title: str
    from_section: str
    to_section: str


class ProposalReordered(NamedTuple):
    id: int
    title: str
    section: str
    old_rank: int
    new_rank: int


@dataclass(frozen=True)
class ProposalChange:
    id: int
    title: str
    title_diff: Markup | None = None
    text_diff: Markup | None = None
    figures: list[str] = field(default_factory=list)


@dataclass
class Diff:
    """What changed between two states of the document."""

    texts: list[TextChange] = field(default_factory=list)
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_renamed: list[SectionRenamed] = field(default_factory=list)
    sections_moved: list[SectionMoved] = field(default_factory=list)
    proposals_added: list[ProposalPlaced] = field(default_factory=list)
    proposals_removed: list[ProposalPlaced] = field(default_factory=list)
    proposals_moved: list[ProposalMoved] = field(default_factory=list)
    proposals_reordered: list[ProposalReordered] = field(default_factory=list)
    proposals_changed: list[ProposalChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


class _Placement(NamedTuple):
    """Where a proposal sits in a document (its stored dict, its section's dict, its 1-based rank)."""

    proposal: dict
    section: dict
    rank: int


def _moved(old_order: list, new_order: list) -> set:
    """Elements of both orders that left the longest common sequence: those a person moved."""
    common = set(old_order) & set(new_order)
    old_kept, new_kept = [x for x in old_order if x in common], [x for x in new_order if x in common]
    matcher = SequenceMatcher(None, old_kept, new_kept, autojunk=False)
    stayed = {new_kept[block.b + offset] for block in matcher.get_matching_blocks() for offset in range(block.size)}
    return common - stayed


def _placements(content: dict) -> dict[int, _Placement]:
    return {
        proposal["id"]: _Placement(proposal, section, rank)
        for section in content["sections"]
        for rank, proposal in enumerate(section["proposals"], 1)
    }


def _change(old: dict, new: dict) -> ProposalChange | None:
    """How one proposal changed between the two documents (None when it did not)."""
    figures = []
    for key, label in (("n_sources", "contributions sources"), ("n_supporters", "soutiens"), ("n_events", "démarches")):
        before, after = old["provenance"][key], new["provenance"][key]
        if before != after:
            figures.append(f"{label} : {before} → {after}")
    if old["status"] != new["status"]:
        figures.append(f"statut : {old['status']} → {new['status']}")
    title_diff = highlight_differences(old["title"], new["title"]) if old["title"] != new["title"] else None
    text_diff = highlight_differences(old["text"], new["text"]) if old["text"] != new["text"] else None
    if not (title_diff or text_diff or figures):
        return None
    return ProposalChange(new["id"], new["title"], title_diff, text_diff, figures)


def diff(old: dict, new: dict) -> Diff:
    """Compare two documents in their stored shape (``document()`` or a version's content)."""
    result = Diff()
    for key, label in (("title", "Titre"), ("introduction", "Introduction"), ("conclusion", "Conclusion")):
        before, after = old["plaidoyer"][key] or "", new["plaidoyer"][key] or ""
        if before != after:
            result.texts.append(TextChange(label, highlight_differences(before, after)))
    old_sections = {section["id"]: section for section in old["sections"]}
    new_sections = {section["id"]: section for section in new["sections"]}
    old_rank = {section_id: rank for rank, section_id in enumerate(old_sections, 1)}
    new_rank = {section_id: rank for rank, section_id in enumerate(new_sections, 1)}
    result.sections_added = [
        section["title"] for section_id, section in new_sections.items() if section_id not in old_sections
    ]
    result.sections_removed = [
        section["title"] for section_id, section in old_sections.items() if section_id not in new_sections
    ]
    result.sections_renamed = [
        SectionRenamed(old_sections[section_id]["title"], section["title"])
        for section_id, section in new_sections.items()
        if section_id in old_sections and old_sections[section_id]["title"] != section["title"]
    ]
    moved = _moved(list(old_sections), list(new_sections))
    result.sections_moved = [
        SectionMoved(new_sections[section_id]["title"], old_rank[section_id], new_rank[section_id])
        for section_id in new_sections
        if section_id in moved
    ]
    old_placed, new_placed = _placements(old), _placements(new)
    for proposal_id, (proposal, section, _) in new_placed.items():
        if proposal_id not in old_placed:
            result.proposals_added.append(ProposalPlaced(proposal_id, proposal["title"], section["title"]))
    for proposal_id, (proposal, section, _) in old_placed.items():
        if proposal_id not in new_placed:
            result.proposals_removed.append(ProposalPlaced(proposal_id, proposal["title"], section["title"]))
    for section_id, section in new_sections.items():
        if section_id not in old_sections:
            continue
        new_ids = [p["id"] for p in section["proposals"]]
        reordered = _moved([p["id"] for p in old_sections[section_id]["proposals"]], new_ids)  # once, not per id
        for proposal_id in new_ids:
            if proposal_id in reordered:
                placement = new_placed[proposal_id]
                result.proposals_reordered.append(
                    ProposalReordered(
                        proposal_id,
                        placement.proposal["title"],
                        section["title"],
                        old_placed[proposal_id].rank,
                        placement.rank,
                    )
                )
    for proposal_id, (proposal, section, _) in new_placed.items():
        if proposal_id not in old_placed:
            continue
        old_proposal, old_section, _ = old_placed[proposal_id]
        if old_section["id"] != section["id"]:
            result.proposals_moved.append(
                ProposalMoved(proposal_id, proposal["title"], old_section["title"], section["title"])
            )
        change = _change(old_proposal, proposal)
        if change is not None:
            result.proposals_changed.append(change)
    return result
