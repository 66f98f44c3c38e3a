"""Exact and near-duplicate contributions, across themes and processes.

Pipeline: exact groups by normalised text (:func:`nlp.text.normalize_key`); one text per exact
group goes to a TF-IDF cosine join (:func:`nlp.neighbours.cosine_pairs`, prefix-filtered sparse
products, never an all-pairs loop); each candidate pair is verified with rapidfuzz on the folded
texts; verified pairs are merged strongest first into groups, never joining two ids a moderator
dismissed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from nlp._validation import check_corpus, check_pairs
from nlp.neighbours import cosine_pairs
from nlp.text import FrenchVectorizer, normalize_key

__all__ = ["REASON_LABELS", "DuplicateGroup", "find_duplicates"]

REASON_LABELS: dict[str, str] = {
    "exact": "identique",
    "near": "quasi-identique",
    "paraphrase": "reformulation proche",
}
"""French label of each duplicate reason code, for moderator screens."""

_REASON_RANK = {"exact": 0, "near": 1, "paraphrase": 2}
# Reordered or partial copies keep most of their vocabulary; below this they are new texts.
_PARAPHRASE_MIN_COSINE = 0.7


@dataclass(frozen=True)
class DuplicateGroup:
    """A group of contributions that say the same thing.

    Attributes
    ----------
    representative : hashable
        The id shown first: the earliest member in input order (the original, when the
        caller passes contributions oldest first).
    ids : tuple
        All member ids, representative first, then input order.
    score : float
        Weakest verified similarity inside the group, in [0, 1] (1.0 for identical texts).
    reason : str
        ``"exact"``, ``"near"`` or ``"paraphrase"``: the weakest link of the group.
    label : str
        French label of ``reason`` ("identique", "quasi-identique", "reformulation proche").
    themes : tuple of str
        Distinct themes of the members (empty when the caller gave none).
    """

    representative: Hashable
    ids: tuple
    score: float
    reason: str
    label: str
    themes: tuple[str, ...] = ()

    @property
    def spans_themes(self) -> bool:
        """Whether the same idea was posted under several themes."""
        return len(self.themes) > 1


def find_duplicates(
    ids: Sequence[Hashable],
    texts: Sequence[str],
    *,
    themes: Sequence[str | None] | None = None,
    ignore_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    candidate_threshold: float = 0.5,
    near_threshold: float = 94.0,
    paraphrase_threshold: float = 95.0,
    min_length_ratio: float = 0.75,
    min_words_near: int = 6,
) -> list[DuplicateGroup]:
    """Group exact and near-duplicate contributions.

    Parameters
    ----------
    ids : sequence of hashable
        Unique contribution ids (ints in the app).
    texts : sequence of str
        Original texts, same length as ``ids``.
    themes : sequence of str, optional
        Theme (or process) of each text, reported per group to spot cross-theme copies.
    ignore_pairs : iterable of (id, id)
        Pairs a moderator dismissed: no returned group ever contains both ids.
    candidate_threshold : float, default=0.5
        TF-IDF cosine from which a pair is verified with rapidfuzz.
    near_threshold : float, default=94
        rapidfuzz ``ratio`` (0-100) on folded texts from which a pair is "quasi-identique"
        (typos, accents, a few words changed).
    paraphrase_threshold : float, default=95
        rapidfuzz ``token_set_ratio`` / ``partial_ratio`` from which a pair is a
        "reformulation proche" (sentences reordered, truncated, a sentence added).
    min_length_ratio : float, default=0.75
        A paraphrase's shorter text must have at least this share of the longer one's
        length, so a one-line remark is not a duplicate of the essay that contains it.
    min_words_near : int, default=6
        Texts shorter than this (in words) only match exactly: "impôt sur le revenu" and
        "impôts sur les revenus" are different answers in a short-answer questionnaire.

    Returns
    -------
    list of DuplicateGroup
        Groups of at least two ids, largest first; an empty list when nothing repeats.

    Raises
    ------
    ValueError
        On invalid ids/texts/themes or a malformed pair.

    Examples
    --------
    >>> groups = find_duplicates([1, 2, 3], ["Plus de pistes cyclables !", "plus de pistes cyclables", "Baisser la TVA"])
    >>> [(g.ids, g.reason, g.label) for g in groups]
    [((1, 2), 'exact', 'identique')]
    """
    ids, texts, themes = check_corpus(ids, texts, themes)
    ignored = check_pairs(ignore_pairs, name="ignore_pairs")
    keys = [normalize_key(t) for t in texts]
    position = {id_: i for i, id_ in enumerate(ids)}
    forbidden = [(position[a], position[b]) for a, b in ignored if a in position and b in position]
    merger = _Merger(len(ids), forbidden)
    for score, a, b, reason in _exact_edges(keys):
        merger.merge(a, b, score, reason)
    unique_rows = _first_row_per_key(keys)
    _near_edges(
        [keys[i] for i in unique_rows],
        np.asarray(unique_rows, dtype=np.int64),
        merger,
        candidate_threshold=candidate_threshold,
        near_threshold=near_threshold,
        paraphrase_threshold=paraphrase_threshold,
        min_length_ratio=min_length_ratio,
        min_words_near=min_words_near,
    )
    return _groups(merger.components(), ids, themes)


def _exact_edges(keys: list[str]) -> list[tuple[float, int, int, str]]:
    first: dict[str, int] = {}
    edges = []
    for i, key in enumerate(keys):
        if not key:
            continue  # emoji-only or empty texts say nothing; they are not duplicates
        j = first.setdefault(key, i)
        if j != i:
            edges.append((1.0, j, i, "exact"))
    return edges


def _first_row_per_key(keys: list[str]) -> list[int]:
    seen: set[str] = set()
    rows = []
    for i, key in enumerate(keys):
        if key and key not in seen:
            seen.add(key)
            rows.append(i)
    return rows


def _near_edges(keys, rows, merger, *, candidate_threshold, near_threshold, paraphrase_threshold, min_length_ratio, min_words_near):
    """Verify candidate pairs, most similar first, and merge the verified ones into ``merger``.

    A pair whose texts are already in the same group is not verified: it could not change
    the groups, and skipping it avoids the rapidfuzz cost of every pair inside big groups
    (a text with 14 copies has 105 pairs but needs 14 links). The group score is therefore
    the weakest link of the verified spanning tree, built from the highest cosines.
    """
    if len(keys) < 2:
        return
    # Stemming makes "impots"/"impot" one feature; min_df=1 keeps rare words and typos,
    # which carry most of the evidence that two texts are copies.
    matrix = FrenchVectorizer(min_df=1, max_df=1.0, domain_words=()).fit_transform(keys)
    n_words = np.array([k.count(" ") + 1 for k in keys])
    lengths = np.array([len(k) for k in keys])
    left, right, cosines = cosine_pairs(matrix, candidate_threshold, lengths=lengths, min_length_ratio=min_length_ratio)
    long_enough = np.minimum(n_words[left], n_words[right]) >= min_words_near
    left, right, cosines = left[long_enough], right[long_enough], cosines[long_enough]
    order = np.lexsort((right, left, -cosines))
    rows_a, rows_b = rows[left[order]].tolist(), rows[right[order]].tolist()
    for a, b, ra, rb, cosine in zip(left[order].tolist(), right[order].tolist(), rows_a, rows_b, cosines[order].tolist()):
        if merger.same(ra, rb):
            continue
        verdict = _verify(keys[a], keys[b], cosine, near_threshold, paraphrase_threshold)
        if verdict is not None:
            merger.merge(ra, rb, *verdict)


def _verify(a: str, b: str, cosine: float, near_threshold: float, paraphrase_threshold: float):
    """Return (score, reason) for a verified pair, None otherwise (lengths already checked).

    ``score_cutoff`` lets rapidfuzz stop early on pairs that cannot reach a threshold
    (same verdicts and scores as without it).
    """
    ratio = fuzz.ratio(a, b, score_cutoff=near_threshold)
    if ratio:
        return ratio / 100.0, "near"
    if cosine < _PARAPHRASE_MIN_COSINE:
        return None
    reordered = fuzz.token_sort_ratio(a, b, score_cutoff=paraphrase_threshold)
    if reordered:
        return reordered / 100.0, "paraphrase"
    short, long_ = sorted((len(a), len(b)))
    # One text is (almost) contained in the other: truncated copy or a sentence added.
    contained = fuzz.partial_ratio(a, b, score_cutoff=paraphrase_threshold)
    if contained:
        return contained / 100.0 * short / long_, "paraphrase"
    return None


class _Merger:
    """Union-find of verified pairs that refuses merges joining a dismissed (forbidden) pair."""

    def __init__(self, n: int, forbidden: list[tuple[int, int]]):
        self.parent = list(range(n))
        self.partners: dict[int, set[int]] = {}
        for a, b in forbidden:
            self.partners.setdefault(a, set()).add(b)
            self.partners.setdefault(b, set()).add(a)
        self.members = {i: [i] for i in self.partners}  # only tracked where a forbidden pair may cross
        self.weakest: dict[int, tuple[float, str]] = {}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def same(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def merge(self, a: int, b: int, score: float, reason: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        watched_a, watched_b = self.members.get(ra, []), self.members.get(rb, [])
        if watched_a and watched_b and any(self.partners[x] & set(watched_b) for x in watched_a if x in self.partners):
            return False
        self.parent[rb] = ra
        if watched_b:
            self.members[ra] = watched_a + watched_b
            self.members.pop(rb, None)
        candidates = [(score, reason)] + [self.weakest[r] for r in (ra, rb) if r in self.weakest]
        low = min(candidates, key=lambda sr: (sr[0], -_REASON_RANK[sr[1]]))
        self.weakest[ra] = (low[0], max((sr[1] for sr in candidates), key=_REASON_RANK.get))
        self.weakest.pop(rb, None)
        return True

    def components(self) -> list[tuple[list[int], float, str]]:
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return [(rows, *self.weakest[root]) for root, rows in groups.items() if len(rows) > 1]


def _groups(components, ids, themes) -> list[DuplicateGroup]:
    out = []
    for rows, score, reason in components:
        member_themes = () if themes is None else tuple(sorted({themes[i] for i in rows if themes[i] is not None}))
        out.append(
            DuplicateGroup(
                representative=ids[rows[0]],
                ids=tuple(ids[i] for i in rows),
                score=round(float(score), 4),
                reason=reason,
                label=REASON_LABELS[reason],
                themes=member_themes,
            )
        )
    out.sort(key=lambda g: (-len(g.ids), -g.score))
    return out
