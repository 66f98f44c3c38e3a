"""One definition of "coverage of the cluster's duplicate groups", shared by the synthesis benches.

A scope's duplicate groups are those the app's duplicate detection finds over the whole process
(:mod:`contrib.duplicates.detection`: :func:`nlp.find_duplicates` with the themes and the stored sentence
vectors of title + text), restricted to the scope: the members in it, two at least. A group is covered
when the summary cites one of its members. The target (issue 20: at least 90 %) is over the groups whose
text holds a sentence that can stand as an idea (:func:`nlp._sentences.is_idea_sentence`); the copy and
near-copy groups (reason not ``"semantic"``) among them are reported apart.

The other groups are of two kinds. Remarks (:func:`nlp._sentences.is_noise`: thanks, "Hors sujet", "Rien à voir
avec le sujet", a link) are no idea and rightly left out. The rest are mostly short answers to the question
("Impôts sur le revenus" x 36, "Panneaux solaires" x 18), with a few questions and texts opening in lower case:
real answers, which a summary stating only complete sentences cannot cite as one; it names each with its count
("Réponses brèves reprises à l'identique : « Panneaux solaires » (18)"). Reported beside the target: the remarks,
the others named (quoted in a count line) or cited, and all groups but the remarks cited or named.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from contrib.participation.vectors import meaning_text
from nlp import find_duplicates
from nlp._sentences import is_idea_sentence, is_noise
from nlp.citations import split_sentences
from nlp.embeddings import embed


def stored_vectors(rows: Sequence[dict]) -> np.ndarray:
    """What the app stores for each contribution: the vector of its title then its text."""
    return embed([meaning_text(r["title"], r["text"]) for r in rows])


@dataclass(frozen=True)
class Group:
    """A duplicate group of one scope: its members' ids and the detection's reason."""

    ids: tuple
    reason: str


def process_groups(rows: Sequence[dict], vectors: np.ndarray) -> list[Group]:
    """The duplicate groups of one process (rows of one file), found as the app finds them."""
    found = find_duplicates(
        [r["id"] for r in rows], [r["text"] for r in rows], themes=[r["theme"] for r in rows], vectors=vectors
    )
    return [Group(tuple(g.ids), g.reason) for g in found]


def groups_in(groups: Sequence[Group], scope: dict[Hashable, Hashable]) -> list[Group]:
    """The groups of the process with two members or more in a scope, ``scope`` mapping a row id to the
    id the summary cites (rows numbered from 1 in the benches)."""
    out = []
    for group in groups:
        members = tuple(scope[i] for i in group.ids if i in scope)
        if len(members) >= 2:
            out.append(Group(members, group.reason))
    return out


@dataclass(frozen=True)
class Coverage:
    """Counts of covered groups; :attr:`share` is the target figure."""

    n_groups: int
    n_covered: int
    n_substantive: int
    n_substantive_covered: int
    n_copies: int
    n_copies_covered: int
    n_remarks: int  # groups with no idea sentence whose text is a remark (thanks, an aside, a link)
    n_short: int  # the other groups with no idea sentence: short answers, questions
    n_short_named: int  # of which named in a count line, or cited

    @property
    def share(self) -> float:
        return self.n_substantive_covered / self.n_substantive if self.n_substantive else 1.0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(*(a + b for a, b in zip(self.counts(), other.counts())))

    def counts(self) -> tuple[int, ...]:
        return (
            self.n_groups,
            self.n_covered,
            self.n_substantive,
            self.n_substantive_covered,
            self.n_copies,
            self.n_copies_covered,
            self.n_remarks,
            self.n_short,
            self.n_short_named,
        )

    def describe(self) -> str:
        return (
            f"duplicate-group coverage {self.share:.0%} (groups with an idea sentence, cited: "
            f"{self.n_substantive_covered}/{self.n_substantive}; copy and near-copy groups among them "
            f"{self.n_copies_covered}/{self.n_copies}); groups with no idea sentence: remarks (thanks, asides, links) "
            f"{self.n_remarks}, left out; short answers and questions named with their count or cited "
            f"{self.n_short_named}/{self.n_short}; all groups but the remarks cited or named "
            f"{self.n_substantive_covered + self.n_short_named}/{self.n_groups - self.n_remarks}; all groups cited "
            f"{self.n_covered}/{self.n_groups}"
        )


def named(text: str, counted: str) -> bool:
    """Whether ``text`` is quoted in ``counted`` (the summary's count lines): its opening, up to 12 words, after «."""
    return f"« {' '.join(text.split()[:12])}" in counted


def coverage(
    groups: Sequence[Group], cited: Collection[Hashable], text_of: dict[Hashable, str], counted: str = ""
) -> Coverage:
    """How many of a scope's groups (:func:`groups_in`) the summary cites, ``cited`` being the ids it cites, and
    how many of those with no idea sentence it names, ``counted`` being the text of its count lines (segments
    of kind ``"statistique"``)."""
    cited = set(cited)
    substantive = [g for g in groups if any(is_idea_sentence(s) for s in split_sentences(text_of[g.ids[0]]))]
    copies = [g for g in substantive if g.reason != "semantic"]
    rest = [g for g in groups if g not in substantive]
    remarks = [g for g in rest if is_noise(text_of[g.ids[0]])]
    short = [g for g in rest if g not in remarks]
    return Coverage(
        len(groups),
        sum(bool(cited & set(g.ids)) for g in groups),
        len(substantive),
        sum(bool(cited & set(g.ids)) for g in substantive),
        len(copies),
        sum(bool(cited & set(g.ids)) for g in copies),
        len(remarks),
        len(short),
        sum(bool(cited & set(g.ids)) or any(named(text_of[i], counted) for i in g.ids) for g in short),
    )


def counted_text(segments) -> str:
    """The text of a summary's count lines (segments of kind ``"statistique"``), for :func:`coverage`."""
    return "\n".join(s.text for s in segments if s.kind == "statistique")


EMPTY = Coverage(0, 0, 0, 0, 0, 0, 0, 0, 0)
