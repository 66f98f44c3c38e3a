"""Assigning every text to a centre under the moderator's constraints, and naming clusters by key.

Must-links make units assigned as a whole; pins are fixed (a pinned key unknown to k-means
becomes its own cluster); cannot-links are honoured by a greedy confident-first assignment; a
text far from every centre goes to the outlier bucket. With a previous run, hysteresis keeps a
text in its cluster for marginal differences, and keys are carried over.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.preprocessing import normalize

from nlp._validation import check_pairs
from nlp.clustering.results import Constraints
from nlp.stability import match_clusters


def key_order(key: str):
    match = re.fullmatch(r"c(\d+)", key)
    return (0, int(match.group(1)), "") if match else (1, 0, key)


def constraint_units(ids_kept, constraints: Constraints, all_ids):
    """Group must-linked ids into units; return (units, fixed key per unit, forbidden unit pairs)."""
    position = {id_: i for i, id_ in enumerate(ids_kept)}
    known = set(all_ids)
    must = check_pairs(constraints.must_link, name="must_link")
    cannot = check_pairs(constraints.cannot_link, name="cannot_link")
    for id_ in [*constraints.pinned, *constraints.excluded, *(x for pair in must + cannot for x in pair)]:
        if id_ not in known:
            raise ValueError(f"constraints refer to an unknown id: {id_!r}")
    parent = list(range(len(ids_kept)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in must:
        if a in position and b in position:
            parent[find(position[b])] = find(position[a])
    members: dict[int, list[int]] = {}
    for i in range(len(ids_kept)):
        members.setdefault(find(i), []).append(i)
    units = list(members.values())
    unit_of = np.empty(len(ids_kept), dtype=np.int64)
    for u, rows in enumerate(units):
        unit_of[rows] = u
    fixed: dict[int, str] = {}
    for id_, key in constraints.pinned.items():
        if id_ not in position:
            continue
        u = int(unit_of[position[id_]])
        if fixed.get(u, key) != key:
            raise ValueError(f"must-linked contributions are pinned to different clusters: {fixed[u]!r} and {key!r}")
        fixed[u] = str(key)
    forbidden: dict[int, set[int]] = {}
    for a, b in cannot:
        if a not in position or b not in position:
            continue
        ua, ub = int(unit_of[position[a]]), int(unit_of[position[b]])
        if ua == ub:
            raise ValueError(f"{a!r} and {b!r} must be together (must_link) and apart (cannot_link)")
        if ua in fixed and fixed.get(ua) == fixed.get(ub):
            raise ValueError(f"{a!r} and {b!r} cannot be together but are both pinned to {fixed[ua]!r}")
        forbidden.setdefault(ua, set()).add(ub)
        forbidden.setdefault(ub, set()).add(ua)
    return units, fixed, forbidden


def seed_centroids(embedding, ids_kept, previous, pinned) -> list[tuple[str, np.ndarray]]:
    """Centroids of the previous run's clusters and of pinned keys, in this run's space."""
    position = {id_: i for i, id_ in enumerate(ids_kept)}
    rows_by_key: dict[str, list[int]] = {}
    for source in (previous, pinned):
        for id_, key in source.items():
            if id_ in position:
                rows_by_key.setdefault(str(key), []).append(position[id_])
    seeds = []
    for key in sorted(rows_by_key, key=key_order):
        centre = embedding[rows_by_key[key]].mean(axis=0, keepdims=True)
        if np.linalg.norm(centre) > 0:
            seeds.append((key, normalize(centre)[0]))
    return seeds


def constrained_assignment(
    embedding,
    centroids,
    seed_keys,
    units,
    fixed,
    forbidden,
    outlier_threshold,
    n_rounds=3,
    previous_keys=None,
    keep_margin=0.0,
):
    """Assign whole must-link units, honour pins and cannot-links, send far texts to outliers.

    Pinned keys that are not among the k-means seeds become extra clusters appended after
    them, centred on their pinned members. A row whose previous key (``previous_keys``, one
    per row or None) is still a cluster stays there unless another centre is closer by more
    than ``keep_margin`` (cosine). Returns one label per row, -1 for outliers.
    """
    index_of = {key: c for c, key in enumerate(seed_keys) if key is not None}
    for key in sorted(set(fixed.values()) - set(index_of), key=key_order):
        index_of[key] = len(centroids)
        rows = [r for u, k in fixed.items() if k == key for r in units[u]]
        centroids = np.vstack([centroids, normalize(embedding[rows].mean(axis=0, keepdims=True))])
    constrained = [u for u, rows in enumerate(units) if len(rows) > 1 or u in fixed or u in forbidden]
    free = [u for u in constrained if u not in fixed]
    empty = np.einsum("ij,ij->i", embedding, embedding) == 0  # no squared copy of the rows (2 GB at 1M)
    before = np.array([index_of.get(k, -1) if k is not None else -1 for k in previous_keys or ()], dtype=np.int64)
    has_before = np.flatnonzero(before >= 0) if keep_margin > 0 and len(before) else np.zeros(0, dtype=np.int64)
    for _ in range(n_rounds):
        sims = embedding @ centroids.T
        best = np.argmax(sims, axis=1)
        if len(has_before):
            # Hysteresis: a contribution does not change cluster for a marginal difference.
            kept_sim = sims[has_before, before[has_before]]
            stay = (kept_sim >= sims[has_before, best[has_before]] - keep_margin) & (kept_sim >= outlier_threshold)
            best[has_before[stay]] = before[has_before[stay]]
        labels = np.where(sims[np.arange(len(best)), best] >= outlier_threshold, best, -1)
        labels[empty] = -1
        unit_label = {u: index_of[fixed[u]] for u in constrained if u in fixed}
        unit_sims = {u: sims[units[u]].mean(axis=0) for u in free}
        # Most confident units choose first; a cannot-link partner's cluster is skipped,
        # and a unit with no allowed cluster close enough goes to the outlier bucket.
        for u in sorted(free, key=lambda u: (-float(unit_sims[u].max()), u)):
            taken = {unit_label[v] for v in forbidden.get(u, ()) if v in unit_label}
            unit_label[u] = -1
            for c in np.argsort(-unit_sims[u], kind="stable"):
                if unit_sims[u][c] < outlier_threshold:
                    break
                if int(c) not in taken:
                    unit_label[u] = int(c)
                    break
        for u, label in unit_label.items():
            labels[units[u]] = label
        centroids = recentre(embedding, labels, centroids)
    return labels, index_of


def recentre(embedding, labels, centroids):
    out = centroids.copy()
    for c in range(len(centroids)):
        rows = labels == c
        if rows.any():
            out[c] = normalize(embedding[rows].mean(axis=0, keepdims=True))[0]
    return out


def cluster_keys(labels, ids_kept, index_of, previous) -> dict[int, str]:
    """Key of each cluster index: seeded/pinned keys first, then previous keys by overlap, then new."""
    used = sorted(set(labels.tolist()) - {-1})
    keys = {c: key for key, c in index_of.items() if c in used}
    unkeyed = [c for c in used if c not in keys]
    if previous and unkeyed:
        free_previous = {i: k for i, k in previous.items() if k not in keys.values()}
        current = {ids_kept[r]: int(labels[r]) for r in np.flatnonzero(np.isin(labels, unkeyed))}
        keys.update(match_clusters(free_previous, current))
        unkeyed = [c for c in used if c not in keys]
    taken = [key_order(k)[1] for k in [*keys.values(), *(previous or {}).values()] if key_order(k)[0] == 0]
    next_number = max(taken, default=0) + 1
    sizes = np.bincount(labels[labels >= 0], minlength=max(used, default=-1) + 1)
    for c in sorted(unkeyed, key=lambda c: (-sizes[c], c)):
        keys[c] = f"c{next_number}"
        next_number += 1
    return keys
