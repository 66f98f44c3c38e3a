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

import re
import zlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from nlp import embeddings
from nlp._validation import check_corpus, check_pairs
from nlp.neighbours import cosine_pairs, dense_neighbours
from nlp.stance import Stance, edit_changes_stance, opposite, opposite_stance, stance
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
#: Margin of a meaning pair over each text's own neighbourhood (mean cosine of its 10 nearest).
SEMANTIC_MARGIN = 0.15
_NEIGHBOURHOOD = 10
# partial_ratio (0-100) from which the shorter text is a span of the longer one, typos aside.
_ALIGNED_THRESHOLD = 95.0
# Words the shorter text of a reworded copy may add (beyond typos): "Je propose que" before,
# "C'est urgent." after, a filler word in ten elsewhere ("vraiment", "aussi"), with enough shared.
_AFFIX_WORDS = 4
_EXTRA_SHARE = 0.1
_MIN_SHARED_WORDS = 8
_HEAD_WORDS = 6
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


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
    merger = _Merger(len(ids), forbidden, texts)
    for score, a, b, reason in _exact_edges(keys):
        merger.merge(a, b, score, reason)
    unique_rows = _first_row_per_key(keys)
    rows = np.asarray(unique_rows, dtype=np.int64)
    unique_keys = [_comparable(texts[i]) if "http" in texts[i] or "www." in texts[i] else keys[i] for i in unique_rows]
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
            unique_vectors = embeddings.embed([texts[i] for i in unique_rows], encoder)
        else:  # only the distinct texts' rows are copied (float16 in, float32 out: 2 GB at 1M)
            chosen = vectors[rows] if isinstance(vectors, np.ndarray) else [vectors[i] for i in unique_rows]
            unique_vectors = np.array(embeddings.as_matrix(chosen, len(rows)), dtype=np.float32)
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
    (same verdicts and scores as without it). The word-level checks run before the reworded-copy
    scores: they reject most candidate pairs of a copy-paste campaign at a fraction of the cost of
    aligning two long texts.
    """
    ratio = fuzz.ratio(a, b, score_cutoff=near_threshold)
    if ratio:
        return ratio / 100.0, "near"
    short, long_ = sorted((a, b), key=len)
    if not _inside(short, long_) or (len(short) < 0.9 * len(long_) and not _starts_alike(short, long_)):
        return None
    reordered = fuzz.token_sort_ratio(a, b, score_cutoff=paraphrase_threshold)
    if reordered:
        return reordered / 100.0, "paraphrase"
    # One text holds (almost) all the words of the other: truncated, prefixed, a sentence added.
    # partial_ratio aligns the shorter text on a span of the longer: a truncated copy whose
    # typos break whole words for the token sets still aligns character by character.
    contained = fuzz.token_set_ratio(a, b, score_cutoff=paraphrase_threshold)
    contained = contained or fuzz.partial_ratio(short, long_, score_cutoff=_ALIGNED_THRESHOLD)
    if contained:
        return contained / 100.0 * len(short) / len(long_), "paraphrase"
    return None


def _inside(short: str, long_: str) -> bool:
    """Whether the words of ``short`` are words of ``long_``, up to typos and a few added words.

    Typos aside (one or two edits of a word of the other text), ``short`` may add up to
    ``_AFFIX_WORDS`` words at its start and at its end ("Je propose que … Merci.") and one word in
    ten elsewhere; and it must share at least ``_MIN_SHARED_WORDS`` words when it adds any. A
    truncated, reordered or prefixed copy passes; two texts that share most of their words but each
    say something of their own (two pasted sentences, then each its own third one; "Ce n'est pas le
    rôle de la loi" / "… de l'État") do not, though token-set scores rate them high.
    """
    words = short.split()
    long_words = set(long_.split())
    candidates = list(long_words)
    absent = [w not in long_words for w in words]
    if sum(absent) > 2 * _AFFIX_WORDS + 0.4 * len(words):
        return False  # more words than typos, fillers and affixes can explain: no typo search
    missing = [gone and (len(w) < 4 or _no_typo_of(w, candidates)) for w, gone in zip(words, absent)]
    if not any(missing):
        return True
    start = next((n for n, m in enumerate(missing) if not m), len(missing))
    end = len(missing) - next((n for n, m in enumerate(reversed(missing)) if not m), len(missing))
    middle = sum(missing[start:end])
    shared = len(words) - sum(missing)
    return (
        shared >= _MIN_SHARED_WORDS
        and start <= _AFFIX_WORDS
        and len(missing) - end <= _AFFIX_WORDS
        and middle <= 1 + _EXTRA_SHARE * len(words)
    )


def _starts_alike(short: str, long_: str) -> bool:
    """Whether a shorter text starts like the longer one (a few added words aside): a cut copy keeps
    the beginning; a paragraph quoted from the middle of a long text is an excerpt, not a copy."""
    a, b = short.split(), long_.split()
    window = _HEAD_WORDS + _AFFIX_WORDS
    return (
        sum(w in set(a[:window]) for w in b[:_HEAD_WORDS]) * 2 >= _HEAD_WORDS
        or sum(w in set(b[:window]) for w in a[:_HEAD_WORDS]) * 2 >= _HEAD_WORDS
    )


def _no_typo_of(word: str, candidates: list[str]) -> bool:
    """Whether ``word`` (4 letters or more: "est" is no typo of "et") is no typo of a candidate:
    one edit (Levenshtein) from 4 letters, two from 7."""
    edits = 2 if len(word) >= 7 else 1
    return process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=edits) is None


def _comparable(text: str) -> str:
    """The exact-duplicate key with each link reduced to one word: a long address split into
    fifteen words ("https www republique numerique fr consultations …") made two replies that
    only cite the same page look like copies."""
    return normalize_key(_URL.sub(lambda m: f" lien{zlib.crc32(m.group().encode()) % 10**6} ", text))


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
    return edit_changes_stance(short, long_) and opposite_stance(short, long_)


def _semantic_edges(keys, rows, matrix, vectors, merger, *, threshold, weight, margin, k, min_words, max_group):
    """Merge mutual embedding neighbours whose hybrid score reaches ``threshold``, best first.

    ``vectors`` (float32, owned) are centred and normalised in place: no copy at a million rows.
    """
    vectors -= embeddings.corpus_mean(vectors)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1, norms)
    n = len(keys)
    neighbours, cosines = dense_neighbours(vectors, max(k, _NEIGHBOURHOOD))
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
    step = 65_536  # pairs per product: two (step, 512) float32 blocks
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
    for score, i, j in zip(scores[keep][order].tolist(), left[keep][order].tolist(), right[keep][order].tolist()):
        merger.merge(int(rows[i]), int(rows[j]), min(score, 1.0), "semantic", max_size=max_group, check_stance=True)


class _Merger:
    """Union-find of verified pairs refusing merges that join a dismissed pair (or, when asked,
    two groups holding opposite stances: meaning links are checked against every member)."""

    def __init__(self, n: int, forbidden: list[tuple[int, int]], texts: Sequence[str]):
        self.parent = list(range(n))
        self.partners: dict[int, set[int]] = {}
        for a, b in forbidden:
            self.partners.setdefault(a, set()).add(b)
            self.partners.setdefault(b, set()).add(a)
        self.members = {i: [i] for i in self.partners}  # only tracked where a forbidden pair may cross
        self.weakest: dict[int, tuple[float, str]] = {}
        # Distinct stances of a group (a handful), computed only for groups a meaning link reaches
        # (a stance costs ~0.1 ms: a million of them would cost minutes); then every member counts.
        self.texts = texts
        self.stances: dict[int, frozenset[Stance]] = {}
        self.rows_of: dict[int, list[int]] | None = None  # every group's rows, once meaning links start
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
        if check_stance and any(opposite(x, y) for x in self._stances(ra) for y in self._stances(rb)):
            return False
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        known_a, known_b = self.stances.get(ra), self.stances.pop(rb, None)
        if known_a is not None and known_b is not None:
            self.stances[ra] = known_a | known_b
        else:
            self.stances.pop(ra, None)
        if self.rows_of is not None:
            self.rows_of[ra] = self.rows_of.get(ra, [ra]) + self.rows_of.pop(rb, [rb])
        if watched_b:
            self.members[ra] = watched_a + watched_b
            self.members.pop(rb, None)
        candidates = [(score, reason)] + [self.weakest[r] for r in (ra, rb) if r in self.weakest]
        low = min(candidates, key=lambda sr: (sr[0], -_REASON_RANK[sr[1]]))
        self.weakest[ra] = (low[0], max((sr[1] for sr in candidates), key=_REASON_RANK.__getitem__))
        self.weakest.pop(rb, None)
        return True

    def _stances(self, root: int) -> frozenset[Stance]:
        if root not in self.stances:
            if self.rows_of is None:
                self.rows_of = {}
                for i in range(len(self.parent)):
                    found = self.find(i)
                    if found != i:
                        self.rows_of.setdefault(found, [found]).append(i)
            self.stances[root] = frozenset(stance(self.texts[i]) for i in self.rows_of.get(root, [root]))
        return self.stances[root]

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
