"""Evaluation data: labelled consultation files, gold duplicate groups, pairwise scores."""

from __future__ import annotations

import csv
import itertools
import os
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DATA", "DEFAULT_FILES", "Dataset", "components", "load_dataset", "pairs", "pairwise_scores", "timed"]

DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
DEFAULT_FILES = ("dev_paraphrases.csv", "dev_citations.csv", "dev_grand_debat.csv", "dev_republique_numerique.csv")


@dataclass(frozen=True)
class Dataset:
    """A labelled evaluation file: ids, texts, themes and gold duplicate groups."""

    ids: tuple
    texts: tuple[str, ...]
    themes: tuple[str, ...]
    gold_groups: tuple[tuple, ...]


def load_dataset(path: str | Path, *, sample: int | None = None, seed: int = 0) -> Dataset:
    """Read a labelled CSV (RFC 4180, texts may contain newlines).

    Parameters
    ----------
    path : str or Path
    sample : int, optional
        Keep a random subset of this many rows (gold groups restricted to it).
    seed : int, default=0

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"id", "text", "theme"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    if sample is not None and sample < len(rows):
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), sample, replace=False))
        rows = [rows[i] for i in keep]
    ids = tuple(r["id"] for r in rows)
    links: list[list] = []
    for column in ("dup_group", "near_dup_group"):
        by_group: dict[str, list] = {}
        for r in rows:
            if r.get(column):
                by_group.setdefault(r[column], []).append(r["id"])
        links.extend(by_group.values())
    return Dataset(ids, tuple(r["text"] for r in rows), tuple(r["theme"] for r in rows), components(ids, links))


def components(ids: Sequence[Hashable], groups) -> tuple[tuple, ...]:
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        for other in group[1:]:
            parent[find(other)] = find(group[0])
    out: dict = {}
    for i in ids:
        out.setdefault(find(i), []).append(i)
    return tuple(tuple(g) for g in out.values() if len(g) > 1)


def pairs(groups) -> set:
    return {tuple(sorted(p, key=str)) for g in groups for p in itertools.combinations(g, 2)}


def pairwise_scores(predicted: set, gold: set) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of predicted id pairs against gold id pairs.

    Both sets hold pairs sorted the same way. Empty predictions give precision 1.0 when
    there is nothing to find, 0.0 otherwise.
    """
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else float(not gold)
    recall = hits / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    out = function(*args, **kwargs)
    return out, time.perf_counter() - start
