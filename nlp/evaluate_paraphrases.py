"""Reworded duplicates (``dev_paraphrases.csv``): tiers, recall by difficulty, stance pairs, top 3 while typing."""

from __future__ import annotations

import csv
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from nlp.duplicates import find_duplicates
from nlp.evaluate_data import pairs, pairwise_scores, timed
from nlp.similar import SimilarIndex

__all__ = [
    "LEXICAL_TIERS",
    "ParaphraseSet",
    "evaluate_paraphrases",
    "format_paraphrases",
    "half_of",
    "load_paraphrases",
]

LEXICAL_TIERS = ("exact", "near", "paraphrase")


@dataclass(frozen=True)
class ParaphraseSet:
    """dev_paraphrases.csv: texts, gold group per row ('' for a negative), stance pairs, halves."""

    ids: tuple
    texts: tuple[str, ...]
    groups: tuple[str, ...]
    difficulty: dict
    stance_pairs: tuple[tuple[str, str], ...]
    half: tuple[str, ...]


def half_of(group: str) -> str:
    """ "tuning" or "held-out" for a group id, by a fixed hash (CRC-32 parity)."""
    return "tuning" if zlib.crc32(group.encode()) % 2 == 0 else "held-out"


def load_paraphrases(path: str | Path) -> ParaphraseSet:
    """Read a reworded-duplicates file (columns id, text, dup_group, stance_pair, note)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    difficulty = {}
    for r in rows:
        if r["dup_group"]:
            difficulty[r["dup_group"]] = r["note"].split(" (")[0].replace("paraphrase ", "")
    halves = []
    for r in rows:
        # A hard negative belongs to the half of the group its note names, so that a half's
        # negatives are the ones that sit next to its groups.
        named = re.search(r"G\d+", r["note"] or "")
        halves.append(half_of(r["dup_group"] or (named.group(0) if named else r["id"])))
    by_pair: dict[str, list] = {}
    for r in rows:
        if r["stance_pair"]:
            by_pair.setdefault(r["stance_pair"], []).append(r)
    stance_pairs = []
    groups = {r["id"]: r["dup_group"] for r in rows}
    for members in by_pair.values():
        negatives = [r["id"] for r in members if not r["dup_group"]]
        positives = [r["dup_group"] for r in members if r["dup_group"]]
        for negative in negatives:
            for group in positives:  # the negative opposes every member of that group
                stance_pairs += [(negative, i) for i, g in groups.items() if g == group]
    return ParaphraseSet(
        tuple(r["id"] for r in rows),
        tuple(r["text"] for r in rows),
        tuple(r["dup_group"] for r in rows),
        difficulty,
        tuple(stance_pairs),
        tuple(halves),
    )


def evaluate_paraphrases(path: str | Path, **find_options) -> dict:
    """Pairwise scores per tier, recall by difficulty, stance pairs grouped, top-3 partner; per half."""
    data = load_paraphrases(path)
    ids = list(data.ids)
    groups, seconds = timed(find_duplicates, ids, list(data.texts), **find_options)
    group_of = dict(zip(ids, data.groups))
    half = dict(zip(ids, data.half))
    gold_all = pairs([[i for i in ids if group_of[i] == g] for g in set(data.groups) if g])
    # The app's ranking, and each of its two signals alone (where the ceiling of the mix lies).
    indexes = {
        "top3": SimilarIndex().fit(ids, list(data.texts)),
        "top3_words": SimilarIndex(semantic=False).fit(ids, list(data.texts)),
        "top3_meaning": SimilarIndex(semantic_weight=1.0).fit(ids, list(data.texts)),
    }
    out = {"n": len(ids), "n_gold_pairs": len(gold_all), "seconds": seconds}
    for name in ("all", "tuning", "held-out"):
        keep = (lambda p: True) if name == "all" else (lambda p, h=name: half[p[0]] == h and half[p[1]] == h)
        gold = {p for p in gold_all if keep(p)}
        tiers = {}
        tier_reasons = (
            ("lexical", LEXICAL_TIERS),
            ("semantic", ("semantic",)),
            ("all tiers", (*LEXICAL_TIERS, "semantic")),
        )
        for tier, reasons in tier_reasons:
            predicted = {p for p in pairs(g.ids for g in groups if g.reason in reasons) if keep(p)}
            precision, recall, f1 = pairwise_scores(predicted, gold)
            tiers[tier] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "n_pairs": len(predicted),
                "n_correct": len(predicted & gold),
            }
        found = {p for p in pairs(g.ids for g in groups) if keep(p)}
        by_difficulty = {}
        for level in sorted(set(data.difficulty.values())):
            level_gold = {p for p in gold if data.difficulty[group_of[p[0]]] == level}
            by_difficulty[level] = [len(level_gold & found), len(level_gold)]
        stance_gold = {tuple(sorted(p, key=str)) for p in data.stance_pairs if keep(p)}
        queries = [q for p in gold for q in (p, p[::-1])]
        found_by = {
            name: {(a, b) for a, b in queries if b in dict(index.query(data.texts[ids.index(a)], k=3, exclude_ids=[a]))}
            for name, index in indexes.items()
        }
        out[name] = {
            "n_gold_pairs": len(gold),
            "tiers": tiers,
            "recall_by_difficulty": by_difficulty,
            "stance_pairs_grouped": len(stance_gold & found),
            "n_stance_pairs": len(stance_gold),
            **{name: [len(hits), len(queries)] for name, hits in found_by.items()},
            "top3_either": [len(found_by["top3_words"] | found_by["top3_meaning"]), len(queries)],
        }
    return out


def format_paraphrases(r: dict, path: str | Path) -> str:
    """Render :func:`evaluate_paraphrases`'s figures as plain text."""
    lines = [f"== {path}: {r['n']} texts, {r['n_gold_pairs']} gold pairs (reworded duplicates), {r['seconds']:.2f} s"]
    for name in ("tuning", "held-out", "all"):
        h = r[name]
        lines += [
            "",
            f"-- {name} half: {h['n_gold_pairs']} gold pairs" if name != "all" else "-- all rows",
            f"{'tier':<14}{'P':>8}{'R':>8}{'F1':>8}{'pairs':>8}",
        ]
        for tier, t in h["tiers"].items():
            lines.append(f"{tier:<14}{t['precision']:>8.3f}{t['recall']:>8.3f}{t['f1']:>8.3f}{t['n_pairs']:>8}")
        by_level = h["recall_by_difficulty"].items()
        lines.append("recall by difficulty: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in by_level))
        lines.append(f"opposite-stance pairs grouped: {h['stance_pairs_grouped']} of {h['n_stance_pairs']}")
        lines.append(
            f"partner in the top 3 while typing: {h['top3'][0]} of {h['top3'][1]} (words alone"
            f" {h['top3_words'][0]}, meaning alone {h['top3_meaning'][0]}, either {h['top3_either'][0]})"
        )
    return "\n".join(lines)
