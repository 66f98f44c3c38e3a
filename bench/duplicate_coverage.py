"""One definition of "coverage of the cluster's duplicate groups", shared by the synthesis benches.

A scope's duplicate groups are those the app's duplicate detection finds over the whole process
(:mod:`contrib.duplicates.detection`: :func:`nlp.find_duplicates` with the themes and the stored sentence
vectors of title + text), restricted to the scope: the members in it, two at least. A group is covered
when the summary cites one of its members. The target (issue 20: at least 90 %) is over the groups whose
text holds a sentence that can stand as an idea: a group of "Hors sujet ?" copies has none, and the summary
counts it without citing it. The copy and near-copy groups (reason not ``"semantic"``), and all the groups,
are reported beside it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from contrib.participation.vectors import meaning_text
from nlp import find_duplicates
from nlp._sentences import is_idea_sentence
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
        )

    def describe(self) -> str:
        return (
            f"duplicate-group coverage {self.share:.0%} ({self.n_substantive_covered}/{self.n_substantive}; "
            f"copy and near-copy groups {self.n_copies_covered}/{self.n_copies}; all groups incl. those with no "
            f"idea sentence {self.n_covered}/{self.n_groups})"
        )


def coverage(groups: Sequence[Group], cited: Collection[Hashable], text_of: dict[Hashable, str]) -> Coverage:
    """How many of a scope's groups (:func:`groups_in`) the summary cites, ``cited`` being the ids it cites."""
    cited = set(cited)
    substantive = [g for g in groups if any(is_idea_sentence(s) for s in split_sentences(text_of[g.ids[0]]))]
    copies = [g for g in substantive if g.reason != "semantic"]
    return Coverage(
        len(groups),
        sum(bool(cited & set(g.ids)) for g in groups),
        len(substantive),
        sum(bool(cited & set(g.ids)) for g in substantive),
        len(copies),
        sum(bool(cited & set(g.ids)) for g in copies),
    )


EMPTY = Coverage(0, 0, 0, 0, 0, 0)
