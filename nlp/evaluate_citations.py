"""Measure the citation checker on a hand-labelled claim set (``dev_citations.csv``).

Each row is one claim citing 1–3 sources; the checker sees only the claim and the cited texts
(``category`` and ``note`` are labels, never inputs). A claim counts as accepted when every
sentence of it is ``"verifiee"``. Figures: precision of "vérifiée", share of supported claims
accepted, and the number accepted per category, on all rows and on two parts split by a fixed
hash of the row id (``tuning`` and ``held_out``): thresholds are chosen on ``tuning`` only.

The claim sets shipped in ``nlp/data`` (written apart from the checker; see ``nlp/README.md``) are
measured by :func:`evaluate_heldout`, with the same figures split by real and hand-written sources:
``heldout_claims.csv`` (session 6), ``heldout2_claims.csv`` and ``heldout3_claims.csv`` (session 7),
``heldout4_claims.csv`` (session 8, measured once with v4 and v5) and ``heldout5_claims.csv`` (session 9,
measured once with v5 and once with v6), ``heldout6_claims.csv`` and ``heldout7_claims.csv`` (session 10),
``heldout8_claims.csv`` (session 11) and ``heldout9_claims.csv`` (session 12), development data since they were
first measured (all ten files, dev included, are training data of the calibration since v10), and
``heldout10_claims.csv`` (session 13, measured once with v10 and v9), training data too since v11, and
``heldout11_claims.csv`` (session 14, measured once with v11), training data since v12, and
``heldout12_claims.csv`` and ``heldout13_claims.csv`` (session 14, measured once with v12), not trained on yet.

Usage: ``python -m nlp.evaluate_citations [PATH.csv]`` (no path: every shipped set; also run by
``python -m nlp.evaluate``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = [
    "HELDOUT_CLAIMS",
    "HELDOUT_SETS",
    "evaluate_citations",
    "evaluate_heldout",
    "format_citation_report",
    "heldout_report",
    "is_claim_file",
    "is_held_out",
    "load_claims",
    "summary",
]

HELDOUT_CLAIMS = Path(__file__).resolve().parent / "data" / "heldout_claims.csv"
"""160 hand-written claims (20 per category), held out in session 6, development data since."""
HELDOUT_SETS = {
    "citations_heldout": HELDOUT_CLAIMS,
    "citations_heldout2": HELDOUT_CLAIMS.with_name("heldout2_claims.csv"),
    "citations_heldout3": HELDOUT_CLAIMS.with_name("heldout3_claims.csv"),
    "citations_heldout4": HELDOUT_CLAIMS.with_name("heldout4_claims.csv"),
    "citations_heldout5": HELDOUT_CLAIMS.with_name("heldout5_claims.csv"),
    "citations_heldout6": HELDOUT_CLAIMS.with_name("heldout6_claims.csv"),
    "citations_heldout7": HELDOUT_CLAIMS.with_name("heldout7_claims.csv"),
    "citations_heldout8": HELDOUT_CLAIMS.with_name("heldout8_claims.csv"),
    "citations_heldout9": HELDOUT_CLAIMS.with_name("heldout9_claims.csv"),
    "citations_heldout10": HELDOUT_CLAIMS.with_name("heldout10_claims.csv"),
    "citations_heldout11": HELDOUT_CLAIMS.with_name("heldout11_claims.csv"),
    "citations_heldout12": HELDOUT_CLAIMS.with_name("heldout12_claims.csv"),
    "citations_heldout13": HELDOUT_CLAIMS.with_name("heldout13_claims.csv"),
}
"""The shipped claim sets by their key in ``python -m nlp.evaluate``'s figures. v12 trains on all but ``heldout12``
and ``heldout13``, each measured once with v12 (session 14: 0.842 / 0.533 and 0.829 / 0.483), then registered; see
nlp/README.md."""

_CITATION = re.compile(r"\[#\d+")
HELD_OUT_SHARE = 3
"""One row in ``HELD_OUT_SHARE`` (by hash of its id) is held out from tuning."""


def is_held_out(row_id: str) -> bool:
    """Fixed split: the held-out part is decided by the sha256 of the row id alone."""
    return int(hashlib.sha256(row_id.encode("utf-8")).hexdigest(), 16) % HELD_OUT_SHARE == 0


def is_claim_file(path: str | Path) -> bool:
    """True when the CSV's header has the columns of a claim set (``claim``, ``sources_json``)."""
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    return {"claim", "sources_json"} <= set(header)


def load_claims(path: str | Path) -> list[dict]:
    """Rows of a claim file: ``id``, ``claim``, ``sources`` ({id: text}), ``label``, ``category``."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"id", "claim", "sources_json", "label", "category"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return [
        {
            "id": r["id"],
            "claim": r["claim"],
            "label": r["label"],
            "category": r["category"],
            "sources": {int(s["id"]): s["text"] for s in json.loads(r["sources_json"])},
        }
        for r in rows
    ]


def claim_text(claim: str, sources: dict[int, str]) -> str:
    """The claim as checked: as written when it places its own citations (``heldout2``: ``… [#12] … [#40].``),
    else with every source cited at its end (the dev files)."""
    return claim if _CITATION.search(claim) else f"{claim.rstrip()} [" + ", ".join(f"#{i}" for i in sources) + "]"


def _accepted(check: Callable, claim: str, sources: dict[int, str]) -> tuple[bool, str]:
    """Check the claim (:func:`claim_text`): accepted when every sentence is verified."""
    sentences = check(claim_text(claim, sources), sources)
    ok = bool(sentences) and all(s.status == "verifiee" for s in sentences)
    reasons = "; ".join(getattr(s, "reason", "") or s.status for s in sentences if s.status != "verifiee")
    return ok, reasons


def _figures(rows: Sequence[dict]) -> dict:
    accepted = [r for r in rows if r["accepted"]]
    supported = [r for r in rows if r["label"] == "supported"]
    out = {
        "n": len(rows),
        "precision_verified": round(sum(r["label"] == "supported" for r in accepted) / len(accepted), 3)
        if accepted
        else 1.0,
        "supported_accepted": round(sum(r["accepted"] for r in supported) / len(supported), 3) if supported else 1.0,
    }
    categories: dict[str, str] = {}
    for category in sorted({r["category"] for r in rows}):
        members = [r for r in rows if r["category"] == category]
        categories[category] = f"{sum(r['accepted'] for r in members)}/{len(members)}"
    return {**out, "categories": categories}


def evaluate_citations(path: str | Path, check: Callable | None = None) -> dict:
    """Run ``check`` (default :func:`nlp.citations.check_text`) on every claim; return the figures.

    Returns a dict with ``all``, ``tuning`` and ``held_out`` figures, ``seconds`` and ``rows``
    (per row: id, category, label, accepted, the checker's reasons).
    """
    if check is None:
        from nlp.citations import check_text

        check = check_text
    claims = load_claims(path)
    start = time.perf_counter()
    rows = []
    for claim in claims:
        ok, reasons = _accepted(check, claim["claim"], claim["sources"])
        rows.append(
            {
                "id": claim["id"],
                "category": claim["category"],
                "label": claim["label"],
                "accepted": ok,
                "held_out": is_held_out(claim["id"]),
                "reasons": reasons,
            }
        )
    return {
        "path": str(path),
        "all": _figures(rows),
        "tuning": _figures([r for r in rows if not r["held_out"]]),
        "held_out": _figures([r for r in rows if r["held_out"]]),
        "seconds": round(time.perf_counter() - start, 2),
        "rows": rows,
    }


def _real_source_rows(path: str | Path) -> set[str]:
    """Ids of the rows citing at least one real contribution (a source with a ``ref``)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {r["id"] for r in csv.DictReader(handle) if any(s.get("ref") for s in json.loads(r["sources_json"]))}


def evaluate_heldout(path: str | Path = HELDOUT_CLAIMS, check: Callable | None = None) -> dict:
    """Measure ``check`` on the held-out claim set: the figures of :func:`evaluate_citations` on
    ``all`` rows, ``real_sources`` (citing real contributions) and ``written_sources`` (citing
    hand-written ones); the file has no tuning part."""
    result = evaluate_citations(path, check)
    real = _real_source_rows(path)
    rows = result["rows"]
    return {
        "path": result["path"],
        "all": result["all"],
        "real_sources": _figures([r for r in rows if r["id"] in real]),
        "written_sources": _figures([r for r in rows if r["id"] not in real]),
        "seconds": result["seconds"],
        "rows": rows,
    }


def heldout_report(path: str | Path = HELDOUT_CLAIMS, print_report: Callable[[str], object] = print) -> dict:
    """Measure a shipped claim set, print its table, and return its figures without per-row details."""
    result = evaluate_heldout(path)
    print_report(format_citation_report(result, parts=("all", "real_sources", "written_sources")))
    return summary(result)


def format_citation_report(result: dict, parts: Sequence[str] = ("all", "tuning", "held_out")) -> str:
    """Plain-text table of :func:`evaluate_citations`'s figures (one column per part)."""
    lines = [
        f"== citation checker on {result['path']} ({result['seconds']} s)",
        f"{'':<24}" + "".join(f"{p:>16}" for p in parts),
    ]
    for key, label in (
        ("n", "claims"),
        ("precision_verified", "precision vérifiée"),
        ("supported_accepted", "supported accepted"),
    ):
        lines.append(f"{label:<24}" + "".join(f"{result[p][key]:>16}" for p in parts))
    for category in result["all"]["categories"]:
        lines.append(
            f"{'accepted ' + category:<24}"
            + "".join(f"{result[p]['categories'].get(category, '0/0'):>16}" for p in parts)
        )
    return "\n".join(lines)


def summary(result: dict) -> dict:
    """The figures without the per-row details (for the JSON line)."""
    return {k: v for k, v in result.items() if k != "rows"}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report, then the figures as one JSON line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1:
        print("usage: python -m nlp.evaluate_citations [PATH.csv]", file=sys.stderr)
        return 2
    if not argv:
        figures = {key: heldout_report(path) for key, path in HELDOUT_SETS.items()}
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    result = evaluate_citations(argv[0])
    print(format_citation_report(result))
    print(json.dumps({"citations": summary(result)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
