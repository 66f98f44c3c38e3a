"""Duplicate contributions, across themes and processes, in four tiers.

Pipeline: exact groups by normalised text (:func:`nlp.text.normalize_key`); one text per exact
group goes to a TF-IDF cosine join (:func:`nlp.neighbours.cosine_pairs`, length-blocked sparse
products); each candidate pair is verified with rapidfuzz on the folded texts (near copies,
reordered, truncated or prefixed copies). Then the meaning tier: each distinct text's nearest
neighbours by sentence embedding (:func:`nlp.neighbours.dense_neighbours`, a few per text, so
the work grows with n, not n²), kept when the neighbourhood is mutual and a hybrid score
(embedding + TF-IDF cosine) is high. Pairs are merged strongest tier first into star-shaped
groups: every member is checked against the group's representative (:mod:`nlp._duplicate_groups`),
so pasted sentences do not chain texts that share nothing. Never joining two ids a moderator
dismissed, nor two texts of opposite stance (:mod:`nlp.stance`); a meaning link never makes a
group larger than ``max_semantic_group``. The checks of one pair live in :mod:`nlp._duplicate_checks`.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from nlp import embeddings
from nlp._duplicate_checks import comparable, edit_changes_position, verify
from nlp._duplicate_groups import StarMerger
from nlp._validation import check_corpus, check_pairs
from nlp.neighbours import CentredRows, cosine_pairs, dense_neighbours
from nlp.text import FrenchVectorizer, normalize_key

__all__ = ["REASON_LABELS", "SEMANTIC_THRESHOLD", "DuplicateGroup", "find_duplicates"]

REASON_LABELS: dict[str, str] = {
    "exact": "identique",
    "near": "quasi-identique",
    "paraphrase": "reformulation proche",
    "semantic": "même idée, formulée autrement ? (à vérifier)",
}
"""French label of each duplicate reason code, for moderator screens."""

#: Hybrid score (embedding cosine after centring, and TF-IDF cosine) from which two texts may
#: state the same idea, and the share of the embedding in it; chosen on the tuning half of
#: dev_paraphrases.csv for precision >= 0.8 (see nlp/README.md).
SEMANTIC_THRESHOLD = 0.40
SEMANTIC_WEIGHT = 0.5
SEMANTIC_NEIGHBOURS = 3
#: Margin of a meaning pair over each text's own neighbourhood (mean cosine of its 10 nearest).
SEMANTIC_MARGIN = 0.15
_NEIGHBOURHOOD = 10
#: From this many distinct texts the two joins share their chunks between two threads (same pairs
#: and neighbours whatever the number; below, a thread pool costs more than it saves).
_THREADED_FROM = 50_000


@dataclass(frozen=True)
class DuplicateGroup:
    """A group of contributions that say the same thing.

    Attributes
    ----------
    representative : hashable
        The id shown first, the one every other member was checked against: the earlier
        text of the first pair that formed the group (the original, when the caller passes
        contributions oldest first and the copies are closest to it).
    ids : tuple
        All member ids, representative first, then input order.
    score : float
        Weakest verified similarity of a member to the representative, in [0, 1] (1.0 for
        identical texts).
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
    candidate_threshold: float = 0.35,
    near_threshold: float = 94.0,
    paraphrase_threshold: float = 90.0,
    min_length_ratio: float = 0.55,
    min_words_near: int = 6,
    semantic_threshold: float = SEMANTIC_THRESHOLD,
    semantic_weight: float = SEMANTIC_WEIGHT,
    semantic_neighbours: int = SEMANTIC_NEIGHBOURS,
    semantic_margin: float = SEMANTIC_MARGIN,
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
    candidate_threshold : float, default=0.35
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
    semantic_margin : float
        A pair's embedding cosine must exceed, by this much, the mean cosine of each text's 10
        nearest neighbours: a corpus-relative bar (dense corpora need closer pairs).
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
    if semantic and vectors is not None and len(vectors) != len(texts):
        raise ValueError(f"vectors must have one row per text, got {len(vectors)} for {len(texts)} texts")
    keys = [normalize_key(t) for t in texts]
    position = {id_: i for i, id_ in enumerate(ids)}
    forbidden = [(position[a], position[b]) for a, b in ignored if a in position and b in position]
    merger = StarMerger(len(ids), forbidden, texts)
    for first, copy in _exact_edges(keys):
        merger.merge_exact(first, copy)
    unique_rows = _first_row_per_key(keys)
    rows = np.asarray(unique_rows, dtype=np.int64)
    unique_keys = [comparable(texts[i]) if "http" in texts[i] or "www." in texts[i] else keys[i] for i in unique_rows]
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
        if vectors is None:
            fresh = embeddings.embed([texts[i] for i in unique_rows], encoder)
            unique_vectors = CentredRows(fresh, np.arange(len(rows)))
        else:
            unique_vectors = _distinct_vectors(vectors, rows)
        _semantic_edges(
            unique_keys,
            rows,
            matrix,
            unique_vectors,
            merger,
            threshold=semantic_threshold,
            weight=semantic_weight,
            margin=semantic_margin,
            k=semantic_neighbours,
            min_words=min_words_semantic,
            max_group=max_semantic_group,
        )
    return _groups(merger.components(), ids, themes)


def _exact_edges(keys: list[str]) -> list[tuple[int, int]]:
    first: dict[str, int] = {}
    edges = []
    for i, key in enumerate(keys):
        if not key:
            continue  # emoji-only or empty texts say nothing; they are not duplicates
        j = first.setdefault(key, i)
        if j != i:
            edges.append((j, i))
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
    """Merge candidate pairs that are copies into groups: near copies first, by score, then
    reworded copies, most similar candidates first.

    Candidates are each text's best TF-IDF partners. Near copies go first so a copy joins its
    original before a composite that quotes the original claims it; joining a group needs a link
    to its centre (:class:`StarMerger`), so a campaign's composites do not chain. A pair already
    in one group is not checked: it could not change the groups.
    """
    if matrix is None:
        return
    n_words = np.array([k.count(" ") + 1 for k in keys])
    lengths = np.array([len(k) for k in keys])
    workers = _workers(n_words.size)
    left, right, cosines = cosine_pairs(
        matrix, candidate_threshold, lengths=lengths, min_length_ratio=min_length_ratio, workers=workers
    )
    long_enough = np.minimum(n_words[left], n_words[right]) >= min_words_near
    left, right, cosines = left[long_enough], right[long_enough], cosines[long_enough]
    n = len(keys)
    checked: dict[int, tuple[float, str] | None] = {}  # a * n + b (a < b) -> verdict

    def copies(a: int, b: int) -> tuple[float, str] | None:
        a, b = min(a, b), max(a, b)
        code = a * n + b
        if code not in checked:
            short, long_ = sorted((lengths[a], lengths[b]))
            verdict = None
            if min(n_words[a], n_words[b]) >= min_words_near and short >= min_length_ratio * long_:
                verdict = verify(keys[a], keys[b], near_threshold, paraphrase_threshold)
                if verdict is not None and edit_changes_position(keys[a], keys[b]):
                    verdict = None
            checked[code] = verdict
        return checked[code]

    # Near copies first, strongest first: one C call per candidate (rapidfuzz stops early below the bar).
    near = []
    for a, b in zip(left.tolist(), right.tolist()):
        ratio = fuzz.ratio(keys[a], keys[b], score_cutoff=near_threshold)
        if ratio and copies(a, b) is not None:
            near.append((-ratio, a, b))
    near.sort()
    unique_of = dict(zip(rows.tolist(), range(n)))

    def link(x: int, y: int) -> tuple[float, str] | None:
        return copies(unique_of[x], unique_of[y])

    # Then reworded copies, most similar candidates first; a pair already in one group is not checked.
    order = np.lexsort((right, left, -cosines))
    for a, b in [(a, b) for _, a, b in near] + list(zip(left[order].tolist(), right[order].tolist())):
        if not merger.same(int(rows[a]), int(rows[b])):
            merger.merge(int(rows[a]), int(rows[b]), link)


def _semantic_edges(keys, rows, matrix, vectors, merger, *, threshold, weight, margin, k, min_words, max_group):
    """Merge mutual embedding neighbours whose hybrid score reaches ``threshold``, best first.

    ``vectors`` gives the distinct texts' rows centred and normalised, computed when read.
    """
    n = len(keys)
    neighbours, cosines = dense_neighbours(vectors, max(k, _NEIGHBOURHOOD), workers=_workers(n))
    # How close a text's ordinary neighbours are: in a consultation on one bill every text has
    # near neighbours, and a pair must stand out from them, not only pass a global threshold.
    finite = np.isfinite(cosines)
    total, count = np.where(finite, cosines, 0).sum(axis=1), finite.sum(axis=1)
    n_words = np.array([k_.count(" ") + 1 for k_ in keys])
    left = np.repeat(np.arange(n), k)
    right = neighbours[:, :k].ravel()
    found = right >= 0
    left, right = left[found], right[found]
    codes = left * n + right
    mutual = (left < right) & np.isin(right * n + left, codes)
    mutual &= np.minimum(n_words[left], n_words[right]) >= min_words
    left, right = left[mutual], right[mutual]
    step = 8_192  # pairs per product: two (step, 512) float32 blocks, read from the stored rows
    blocks = [(left[s : s + step], right[s : s + step]) for s in range(0, len(left), step)]
    embedding = np.concatenate(
        [np.einsum("ij,ij->i", vectors[a], vectors[b]) for a, b in blocks] or [np.zeros(0, dtype=np.float32)]
    )
    lexical = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel() if matrix is not None else 0.0
    scores = weight * embedding + (1 - weight) * lexical
    # The mean of the other neighbours (the pair itself left out) on each side.
    others = np.maximum(
        (total[left] - embedding) / np.maximum(count[left] - 1, 1),
        (total[right] - embedding) / np.maximum(count[right] - 1, 1),
    )
    keep = (scores >= threshold) & (embedding - others >= margin)
    order = np.lexsort((right[keep], left[keep], -scores[keep]))
    unique_of = dict(zip(rows.tolist(), range(n)))

    def same_idea(x: int, y: int) -> tuple[float, str] | None:
        """The meaning link of two texts (a candidate pair, or a text and the centre of its group)."""
        a, b = unique_of[x], unique_of[y]
        if min(n_words[a], n_words[b]) < min_words:
            return None
        cosine = float(vectors[a] @ vectors[b])
        words = float((matrix[a] @ matrix[b].T).sum()) if matrix is not None else 0.0
        score = weight * cosine + (1 - weight) * words
        # The mean of each side's other neighbours (the pair itself left out when it is one of them).
        # Looked up in the neighbour rows, not in a set per text (a million sets: over 1 GB).
        b_near_a, a_near_b = bool((neighbours[a] == b).any()), bool((neighbours[b] == a).any())
        usual = max(
            (total[a] - cosine * b_near_a) / max(count[a] - b_near_a, 1),
            (total[b] - cosine * a_near_b) / max(count[b] - a_near_b, 1),
        )
        if score < threshold or cosine - usual < margin:
            return None
        return min(score, 1.0), "semantic"

    for i, j in zip(left[keep][order].tolist(), right[keep][order].tolist()):
        merger.merge(int(rows[i]), int(rows[j]), same_idea, max_size=max_group, check_stance=True)


def _distinct_vectors(vectors, rows: np.ndarray) -> CentredRows:
    """The distinct texts' stored vectors, read through ``rows`` from the caller's array (no copy:
    1.8 GB of float32 at a million texts); other inputs (stored ``bytes``, lists) are converted once."""
    if isinstance(vectors, np.ndarray) and vectors.ndim == 2:
        if vectors.shape[1] != embeddings.DIMENSIONS:
            raise ValueError(f"vectors must have {embeddings.DIMENSIONS} columns, got {vectors.shape[1]}")
        return CentredRows(vectors, rows)
    chosen = embeddings.as_matrix([vectors[i] for i in rows.tolist()], len(rows))
    return CentredRows(chosen, np.arange(len(rows)))


def _workers(n_rows: int) -> int:
    return min(2, os.cpu_count() or 1) if n_rows >= _THREADED_FROM else 1


def _groups(components, ids, themes) -> list[DuplicateGroup]:
    out = []
    for rows, centre, score, reason in components:
        member_themes = () if themes is None else tuple(sorted({themes[i] for i in rows if themes[i] is not None}))
        out.append(
            DuplicateGroup(
                representative=ids[centre],
                ids=(ids[centre], *(ids[i] for i in rows if i != centre)),
                score=round(float(score), 4),
                reason=reason,
                label=REASON_LABELS[reason],
                themes=member_themes,
            )
        )
    out.sort(key=lambda g: (-len(g.ids), -g.score))
    return out
