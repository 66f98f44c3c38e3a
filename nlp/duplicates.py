"""Duplicate contributions, across themes and processes, in four tiers.

Pipeline: exact groups by normalised text (:func:`nlp.text.normalize_key`); one text per exact
group goes to a TF-IDF cosine join (:func:`nlp.neighbours.cosine_pairs`, length-blocked sparse
products); each candidate pair is verified with rapidfuzz on the folded texts (near copies,
reordered, truncated or prefixed copies). Then the meaning tier: each distinct text's nearest
neighbours by sentence embedding (:func:`nlp.neighbours.dense_neighbours`, a few per text, so
the work grows with n, not n²), kept when the neighbourhood is mutual and a hybrid score
(embedding + TF-IDF cosine) is high. Pairs are merged strongest tier first, never joining two
ids a moderator dismissed, nor two texts of opposite stance (:mod:`nlp.stance`); a meaning
link never makes a group larger than ``max_semantic_group``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from nlp import embeddings
from nlp._validation import check_corpus, check_pairs
from nlp.neighbours import cosine_pairs, dense_neighbours
from nlp.stance import Stance, edit_changes_stance, opposite, stance
from nlp.text import FrenchVectorizer, normalize_key

__all__ = ["REASON_LABELS", "SEMANTIC_THRESHOLD", "DuplicateGroup", "find_duplicates"]

REASON_LABELS: dict[str, str] = {
    "exact": "identique",
    "near": "quasi-identique",
    "paraphrase": "reformulation proche",
    "semantic": "même idée, formulée autrement ? (à vérifier)",
}
"""French label of each duplicate reason code, for moderator screens."""

_REASON_RANK = {"exact": 0, "near": 1, "paraphrase": 2, "semantic": 3}

#: Hybrid score (embedding cosine after centring, and TF-IDF cosine) from which two texts may
#: state the same idea, and the share of the embedding in it; chosen on the tuning half of
#: dev_paraphrases.csv for precision >= 0.8 (see nlp/README.md).
SEMANTIC_THRESHOLD = 0.40
SEMANTIC_WEIGHT = 0.5
SEMANTIC_NEIGHBOURS = 3
# partial_ratio (0-100) from which the shorter text is a span of the longer one, typos aside.
_ALIGNED_THRESHOLD = 95.0


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
        ``"exact"``, ``"near"``, ``"paraphrase"`` or ``"semantic"``: the weakest link of the group.
    label : str
        French label of ``reason`` ("identique", "quasi-identique", "reformulation proche",
        "même idée, formulée autrement ? (à vérifier)"); a semantic group is a suggestion a
        moderator must check, never confirmed without one.
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
    vectors=None,
    semantic: bool = True,
    encoder: embeddings.Encoder | None = None,
    candidate_threshold: float = 0.5,
    near_threshold: float = 94.0,
    paraphrase_threshold: float = 90.0,
    min_length_ratio: float = 0.55,
    min_words_near: int = 6,
    semantic_threshold: float = SEMANTIC_THRESHOLD,
    semantic_weight: float = SEMANTIC_WEIGHT,
    semantic_neighbours: int = SEMANTIC_NEIGHBOURS,
    min_words_semantic: int = 8,
    max_semantic_group: int = 4,
) -> list[DuplicateGroup]:
    """Group duplicate contributions: identical, near copies, reworded copies, same idea.

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
    vectors : sequence, optional
        Stored sentence embeddings of ``texts`` ((n, 512) array or float16 ``bytes`` per text);
        computed when None and ``semantic``.
    semantic : bool, default=True
        Add the "same idea, worded differently" tier (reason ``"semantic"``).
    encoder : nlp.embeddings.Encoder, optional
    candidate_threshold : float, default=0.5
        TF-IDF cosine from which a pair is verified with rapidfuzz.
    near_threshold : float, default=94
        rapidfuzz ``ratio`` (0-100) on folded texts from which a pair is "quasi-identique"
        (typos, accents, a few words changed).
    paraphrase_threshold : float, default=90
        rapidfuzz ``token_sort_ratio`` (reordered) or ``token_set_ratio`` (one text contains
        most of the other's words: truncated, prefixed, a sentence added) from which a pair
        is a "reformulation proche".
    min_length_ratio : float, default=0.55
        The shorter text must have at least this share of the longer one's characters
        (truncated copies keep 60-90 % of the words), so a one-line remark is not a duplicate
        of the essay that contains it.
    min_words_near : int, default=6
        Texts shorter than this (in words) only match exactly: "impôt sur le revenu" and
        "impôts sur les revenus" are different answers in a short-answer questionnaire.
    semantic_threshold, semantic_weight : float
        A meaning pair needs ``semantic_weight * embedding cosine (centred) + (1 -
        semantic_weight) * TF-IDF cosine >= semantic_threshold``.
    semantic_neighbours : int
        Embedding neighbours looked at per text; a pair must be in each other's list.
    min_words_semantic : int, default=8
        Shorter texts never get a meaning link (short answers share a topic, not an idea).
    max_semantic_group : int, default=4
        A meaning link is refused when it would make a group larger than this (no flooding).

    Returns
    -------
    list of DuplicateGroup
        Groups of at least two ids, largest first; an empty list when nothing repeats.

    Raises
    ------
    ValueError
        On invalid ids/texts/themes/vectors or a malformed pair.

    Examples
    --------
    >>> texts = ["Plus de pistes cyclables !", "plus de pistes cyclables", "Baisser la TVA"]
    >>> groups = find_duplicates([1, 2, 3], texts)
    >>> [(g.ids, g.reason, g.label) for g in groups]
    [((1, 2), 'exact', 'identique')]
    """
    ids, texts, themes = check_corpus(ids, texts, themes)
    ignored = check_pairs(ignore_pairs, name="ignore_pairs")
    raw = embeddings.as_matrix(vectors, len(texts)) if semantic and vectors is not None else None
    keys = [normalize_key(t) for t in texts]
    position = {id_: i for i, id_ in enumerate(ids)}
    forbidden = [(position[a], position[b]) for a, b in ignored if a in position and b in position]
    merger = _Merger(len(ids), forbidden, [stance(t) for t in texts])
    for score, a, b, reason in _exact_edges(keys):
        merger.merge(a, b, score, reason)
    unique_rows = _first_row_per_key(keys)
    rows = np.asarray(unique_rows, dtype=np.int64)
    unique_keys = [keys[i] for i in unique_rows]
    matrix = _lexical_matrix(unique_keys)
    _near_edges(
        unique_keys,
        rows,
        matrix,
        merger,
        candidate_threshold=candidate_threshold,
        near_threshold=near_threshold,
        paraphrase_threshold=paraphrase_threshold,
        min_length_ratio=min_length_ratio,
        min_words_near=min_words_near,
    )
    if semantic and len(unique_rows) > 1:
        unique_vectors = embeddings.embed([texts[i] for i in unique_rows], encoder) if raw is None else raw[rows]
        _semantic_edges(
            unique_keys,
            rows,
            matrix,
            unique_vectors,
            merger,
            threshold=semantic_threshold,
            weight=semantic_weight,
            k=semantic_neighbours,
            min_words=min_words_semantic,
            max_group=max_semantic_group,
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


def _lexical_matrix(keys: list[str]):
    # Stemming makes "impots"/"impot" one feature; min_df=1 keeps rare words and typos,
    # which carry most of the evidence that two texts are copies.
    if len(keys) < 2:
        return None
    return FrenchVectorizer(min_df=1, max_df=1.0, domain_words=()).fit_transform(keys)


def _near_edges(
    keys,
    rows,
    matrix,
    merger,
    *,
    candidate_threshold,
    near_threshold,
    paraphrase_threshold,
    min_length_ratio,
    min_words_near,
):
    """Verify candidate pairs, most similar first, and merge the verified ones into ``merger``.

    A pair whose texts are already in the same group is not verified: it could not change
    the groups, and skipping it avoids the rapidfuzz cost of every pair inside big groups
    (a text with 14 copies has 105 pairs but needs 14 links). The group score is therefore
    the weakest link of the verified spanning tree, built from the highest cosines.
    """
    if matrix is None:
        return
    n_words = np.array([k.count(" ") + 1 for k in keys])
    lengths = np.array([len(k) for k in keys])
    left, right, cosines = cosine_pairs(matrix, candidate_threshold, lengths=lengths, min_length_ratio=min_length_ratio)
    long_enough = np.minimum(n_words[left], n_words[right]) >= min_words_near
    left, right, cosines = left[long_enough], right[long_enough], cosines[long_enough]
    order = np.lexsort((right, left, -cosines))
    rows_a, rows_b = rows[left[order]].tolist(), rows[right[order]].tolist()
    for a, b, ra, rb in zip(left[order].tolist(), right[order].tolist(), rows_a, rows_b):
        if merger.same(ra, rb):
            continue
        verdict = _verify(keys[a], keys[b], near_threshold, paraphrase_threshold)
        if verdict is not None and not _edit_changes_stance(keys[a], keys[b]):
            merger.merge(ra, rb, *verdict)


def _verify(a: str, b: str, near_threshold: float, paraphrase_threshold: float):
    """Return (score, reason) for a verified pair, None otherwise (lengths already checked).

    ``score_cutoff`` lets rapidfuzz stop early on pairs that cannot reach a threshold
    (same verdicts and scores as without it).
    """
    ratio = fuzz.ratio(a, b, score_cutoff=near_threshold)
    if ratio:
        return ratio / 100.0, "near"
    reordered = fuzz.token_sort_ratio(a, b, score_cutoff=paraphrase_threshold)
    if reordered:
        return reordered / 100.0, "paraphrase"
    # One text holds (almost) all the words of the other: truncated, prefixed, a sentence added.
    # partial_ratio aligns the shorter text on a span of the longer: a truncated copy whose
    # typos break whole words for the token sets still aligns character by character.
    contained = fuzz.token_set_ratio(a, b, score_cutoff=paraphrase_threshold)
    short, long_ = sorted((a, b), key=len)
    contained = contained or fuzz.partial_ratio(short, long_, score_cutoff=_ALIGNED_THRESHOLD)
    if contained:
        return contained / 100.0 * len(short) / len(long_), "paraphrase"
    return None


def _edit_changes_stance(a: str, b: str) -> bool:
    """Whether the words that differ between two near copies add or remove a negation or an antonym.

    The shorter text is compared with its aligned span of the longer one, so a cut-off end or
    a prefix ("Je propose que …") does not count, but "Il ne faudrait pas …" does.
    """
    short, long_ = sorted((a, b), key=len)
    if len(short) < 0.9 * len(long_):
        span = fuzz.partial_ratio_alignment(short, long_)
        assert span is not None  # None only under a score_cutoff
        long_ = long_[span.dest_start : span.dest_end]
    return edit_changes_stance(short, long_)


def _semantic_edges(keys, rows, matrix, vectors, merger, *, threshold, weight, k, min_words, max_group):
    """Merge mutual embedding neighbours whose hybrid score reaches ``threshold``, best first."""
    unit = embeddings.centred(vectors, embeddings.corpus_mean(vectors))
    neighbours, _cosines = dense_neighbours(unit, k)
    n_words = np.array([k_.count(" ") + 1 for k_ in keys])
    mutual = {(i, int(j)) for i in range(len(keys)) for j in neighbours[i] if j >= 0}
    pairs = []
    for i, j in mutual:
        if i < j and (j, i) in mutual and min(n_words[i], n_words[j]) >= min_words:
            embedding = float(unit[i] @ unit[j])
            lexical = float(matrix[i].multiply(matrix[j]).sum()) if matrix is not None else 0.0
            score = weight * embedding + (1 - weight) * lexical
            if score >= threshold:
                pairs.append((score, i, j))
    for score, i, j in sorted(pairs, reverse=True):
        merger.merge(int(rows[i]), int(rows[j]), min(score, 1.0), "semantic", max_size=max_group, check_stance=True)


class _Merger:
    """Union-find of verified pairs refusing merges that join a dismissed pair (or, when asked,
    two groups holding opposite stances: meaning links are checked against every member)."""

    def __init__(self, n: int, forbidden: list[tuple[int, int]], stances: list[Stance]):
        self.parent = list(range(n))
        self.partners: dict[int, set[int]] = {}
        for a, b in forbidden:
            self.partners.setdefault(a, set()).add(b)
            self.partners.setdefault(b, set()).add(a)
        self.members = {i: [i] for i in self.partners}  # only tracked where a forbidden pair may cross
        self.weakest: dict[int, tuple[float, str]] = {}
        # Distinct stances of each group (a handful): a merge is checked against all members at once.
        self.stances: list[frozenset[Stance] | None] = [frozenset((s,)) for s in stances]
        self.size = [1] * n

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def same(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def merge(
        self, a: int, b: int, score: float, reason: str, *, max_size: int | None = None, check_stance: bool = False
    ) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if max_size is not None and self.size[ra] + self.size[rb] > max_size:
            return False
        watched_a, watched_b = self.members.get(ra, []), self.members.get(rb, [])
        if watched_a and watched_b and any(self.partners[x] & set(watched_b) for x in watched_a if x in self.partners):
            return False
        stances_a, stances_b = self.stances[ra], self.stances[rb]
        assert stances_a is not None and stances_b is not None  # only merged-away members lose theirs
        if check_stance and any(opposite(x, y) for x in stances_a for y in stances_b):
            return False
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.stances[ra], self.stances[rb] = stances_a | stances_b, None
        if watched_b:
            self.members[ra] = watched_a + watched_b
            self.members.pop(rb, None)
        candidates = [(score, reason)] + [self.weakest[r] for r in (ra, rb) if r in self.weakest]
        low = min(candidates, key=lambda sr: (sr[0], -_REASON_RANK[sr[1]]))
        self.weakest[ra] = (low[0], max((sr[1] for sr in candidates), key=_REASON_RANK.__getitem__))
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
