"""The claim sets shipped in nlp/data (heldout_claims.csv … heldout13_claims.csv): their format, and that their
evaluation reports every figure. No threshold on the checker's figures here: the sets only measure.
Their own tests below read heldout5 … heldout13 by path, as they were written."""

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from nlp.evaluate_citations import HELDOUT_CLAIMS, HELDOUT_SETS, evaluate_heldout, format_citation_report, load_claims
from tests.conftest import shared_data

CATEGORIES = {
    "extract": "supported",
    "paraphrase": "supported",
    "synthesis": "supported",
    "negation": "unsupported",
    "number_or_entity": "unsupported",
    "overreach": "unsupported",
    "same_topic": "unsupported",
    "partial": "unsupported",
}
COLUMNS = ["id", "claim", "cited_ids", "sources_json", "label", "category", "note"]
DATA = Path(__file__).resolve().parents[2] / "nlp" / "data"
HELDOUT5 = DATA / "heldout5_claims.csv"
HELDOUT6 = DATA / "heldout6_claims.csv"
HELDOUT7 = DATA / "heldout7_claims.csv"
HELDOUT8 = DATA / "heldout8_claims.csv"
HELDOUT9 = DATA / "heldout9_claims.csv"
HELDOUT10 = DATA / "heldout10_claims.csv"
HELDOUT11 = DATA / "heldout11_claims.csv"  # measured once with v11 in session 14, then registered
HELDOUT12 = DATA / "heldout12_claims.csv"  # measured once with v12 in session 14, then registered
HELDOUT13 = DATA / "heldout13_claims.csv"  # measured once with v12 in session 14, then registered


def _rows(path=HELDOUT_CLAIMS):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


SETS = pytest.mark.parametrize("path", list(HELDOUT_SETS.values()), ids=list(HELDOUT_SETS))


@SETS
def test_heldout_file_parses_with_twenty_claims_per_category_and_consistent_sources(path):
    rows = _rows(path)
    assert path.read_bytes().count(b"\r\n") >= len(rows)  # CRLF, like the dev files
    assert len({r["id"] for r in rows}) == len(rows) and len({r["claim"] for r in rows}) == len(rows)
    counts = Counter(r["category"] for r in rows)
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 15
    texts: dict[int, str] = {}
    for row in rows:
        assert row["label"] == CATEGORIES[row["category"]], row["id"]
        sources = json.loads(row["sources_json"])
        placed = {int(i) for i in re.findall(r"\[#(\d+)\]", row["claim"])}
        assert row["claim"].strip() and placed in (set(), {s["id"] for s in sources}), row["id"]
        assert 1 <= len(sources) <= 4
        assert [int(i) for i in row["cited_ids"].split()] == [s["id"] for s in sources], row["id"]
        for source in sources:
            assert isinstance(source["id"], int) and source["text"].strip()
            assert texts.setdefault(source["id"], source["text"]) == source["text"]  # one id, one text
    assert len(load_claims(path)) == len(rows)


@SETS
def test_heldout_real_sources_exist_verbatim_and_are_not_sources_of_the_dev_claims(path):
    real_texts = {}
    for name in ("dev_grand_debat.csv", "dev_republique_numerique.csv"):
        with open(shared_data(name), newline="", encoding="utf-8") as handle:
            real_texts.update((r["id"], r["text"]) for r in csv.DictReader(handle))
    # Each set was written apart from the dev file and the sets before it, except heldout2 and heldout3,
    # written at the same time unaware of each other (they share 13 sources, see nlp/README.md).
    overlapping = {HELDOUT_SETS["citations_heldout2"], HELDOUT_SETS["citations_heldout3"]}
    others = [shared_data("dev_citations.csv")]
    others += [p for p in HELDOUT_SETS.values() if p != path and not {p, path} <= overlapping]
    other_refs = {s["ref"] for other in others for r in _rows(other) for s in json.loads(r["sources_json"])}
    refs = set()
    for row in _rows(path):
        for source in json.loads(row["sources_json"]):
            if source["ref"] is None:
                assert source["id"] >= 90000  # hand-written sources have their own id range
                continue
            assert source["id"] < 90000 and real_texts[source["ref"]] == source["text"], source["ref"]
            refs.add(source["ref"])
    assert len(refs) >= 40  # control: the loop did see real sources
    assert not refs & (other_refs - {None})


def _checker(verdict):
    """A stand-in for the checker that answers ``verdict(claim)`` for every sentence."""

    def check(text, sources):
        return [SimpleNamespace(status="verifiee" if verdict(text) else "non_verifiee", reason="")]

    return check


def test_heldout_evaluation_reports_every_category_and_source_kind():
    accept_all = evaluate_heldout(check=_checker(lambda text: True))
    refuse_all = evaluate_heldout(check=_checker(lambda text: False))
    for part in ("all", "real_sources", "written_sources"):
        assert set(accept_all[part]["categories"]) == set(CATEGORIES)
        assert accept_all[part]["supported_accepted"] == 1.0
        assert all(c.split("/")[0] == "0" for c in refuse_all[part]["categories"].values())
    assert accept_all["real_sources"]["n"] + accept_all["written_sources"]["n"] == accept_all["all"]["n"]
    supported = sum(r["label"] == "supported" for r in accept_all["rows"])
    assert accept_all["all"]["precision_verified"] == pytest.approx(supported / len(accept_all["rows"]), abs=1e-3)
    assert all(c.split("/")[0] == c.split("/")[1] for c in accept_all["all"]["categories"].values())
    assert refuse_all["all"]["supported_accepted"] == 0.0
    table = format_citation_report(accept_all, parts=("all", "real_sources", "written_sources"))
    assert "written_sources" in table and "accepted number_or_entity" in table


def test_heldout_evaluation_runs_the_real_checker(tmp_path):
    # One row per category, through the real checker (no figure asserted: this file only measures).
    rows = _rows()
    sample = [next(r for r in rows if r["category"] == c) for c in CATEGORIES]
    path = tmp_path / "sample.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(sample)
    result = evaluate_heldout(path)
    assert set(result["all"]["categories"]) == set(CATEGORIES)
    assert all(c.endswith("/1") for c in result["all"]["categories"].values())
    assert {r["id"] for r in result["rows"]} == {r["id"] for r in sample}


def _source_keys(paths):
    """The ids, refs and texts of every source cited in the claim files ``paths``."""
    ids, refs, texts = set(), set(), set()
    for path in paths:
        for row in _rows(path):
            for source in json.loads(row["sources_json"]):
                ids.add(source["id"])
                texts.add(source["text"])
                if source["ref"] is not None:
                    refs.add(source["ref"])
    return ids, refs, texts


@dataclass(frozen=True)
class WrittenApart:
    """A claim set written by a session that never read the checker (HELDOUT5.md … HELDOUT13.md)."""

    path: Path
    prefix: str  # of the row ids: h5-001 …
    first_id: int  # of the sources: 7001 …
    min_sources: int
    min_other_refs: int  # dev rows the earlier files cite (the control of disjointness)


WRITTEN_APART = [
    WrittenApart(HELDOUT5, "h5", 7001, 75, 300),
    WrittenApart(HELDOUT6, "h6", 8001, 100, 370),
    WrittenApart(HELDOUT7, "h7", 9001, 90, 470),
    WrittenApart(HELDOUT8, "h8", 10001, 85, 600),
    WrittenApart(HELDOUT9, "h9", 11001, 70, 690),
    WrittenApart(HELDOUT10, "h10", 12001, 80, 760),
    WrittenApart(HELDOUT11, "h11", 13001, 90, 850),
    WrittenApart(HELDOUT12, "h12", 14001, 80, 940),
    WrittenApart(HELDOUT13, "h13", 15001, 90, 1020),
]
APART = pytest.mark.parametrize("claims", WRITTEN_APART, ids=[c.prefix for c in WRITTEN_APART])


@APART
def test_sets_written_apart_have_twenty_claims_per_category_with_markers_matching_one_text_per_id(claims):
    rows = _rows(claims.path)
    raw = claims.path.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(rows) + 1  # every line ends in CRLF
    assert [r["id"] for r in rows] == [f"{claims.prefix}-{n:03d}" for n in range(1, 161)]
    assert len({r["claim"] for r in rows}) == len(rows)
    assert Counter(r["category"] for r in rows) == dict.fromkeys(CATEGORIES, 20)
    by_id: dict[int, tuple[str, str]] = {}
    several: Counter = Counter()
    for row in rows:
        assert row["label"] == CATEGORIES[row["category"]] and row["note"].strip(), row["id"]
        sources = json.loads(row["sources_json"])
        ids = [s["id"] for s in sources]
        marker = re.fullmatch(r".+ \[(#\d+(?:, #\d+)*)\]\.", row["claim"])
        assert marker and row["claim"].count("[#") == 1, row["id"]  # one marker group, at the end
        assert [int(i) for i in re.findall(r"\d+", marker.group(1))] == ids, row["id"]
        assert [int(i) for i in row["cited_ids"].split()] == ids and len(set(ids)) == len(ids)
        assert 1 <= len(ids) <= 4 and (row["category"] != "synthesis" or len(ids) >= 2), row["id"]
        several[row["category"]] += len(ids) >= 2
        for source in sources:
            assert claims.first_id <= source["id"] < claims.first_id + 1000 and source["text"].strip()
            assert by_id.setdefault(source["id"], (source["text"], source["ref"])) == (source["text"], source["ref"])
    assert len({ref for _, ref in by_id.values()}) == len(by_id)  # one ref, one id
    assert sorted(by_id) == list(range(claims.first_id, claims.first_id + len(by_id)))  # no gap in the ids
    assert len(by_id) >= claims.min_sources and sum(several.values()) >= 40
    # Multi-source rows are not only syntheses: "deux contributions" appears on both sides of the labels.
    assert several["synthesis"] == 20 and several["partial"] >= 5
    deux = Counter(
        r["label"] for r in rows if re.search(r"\b(deux|trois) (contributions|participants)\b", r["claim"], re.I)
    )
    assert deux["supported"] >= 5 and deux["unsupported"] >= 5


@APART
def test_sets_written_apart_cite_verbatim_dev_texts_that_no_other_claim_file_cites(claims):
    real_texts = {}
    for name in ("dev_grand_debat.csv", "dev_republique_numerique.csv"):
        with open(shared_data(name), newline="", encoding="utf-8") as handle:
            real_texts.update((r["id"], r) for r in csv.DictReader(handle))
    for row in _rows(claims.path):
        for source in json.loads(row["sources_json"]):
            dev = real_texts[source["ref"]]
            assert dev["text"] == source["text"], source["ref"]
            assert not dev["dup_group"] and not dev["near_dup_group"], source["ref"]
            assert 10 <= len(source["text"].split()) <= 150, source["ref"]
    others = [
        shared_data("dev_citations.csv"),
        *sorted(p for p in DATA.glob("heldout*_claims.csv") if p != claims.path),
    ]
    assert len(others) >= 13  # the dev file and the twelve other sets (heldout … heldout13, minus this one)
    assert claims.path == HELDOUT12 or HELDOUT12 in others  # the earlier sets are checked against heldout12 too
    assert claims.path == HELDOUT13 or HELDOUT13 in others  # … and against heldout13
    ids, refs, texts = _source_keys([claims.path])
    other_ids, other_refs, other_texts = _source_keys(others)
    # Control: the other files cite the same dev rows as this one could, so disjointness is not vacuous.
    assert len(other_refs & real_texts.keys()) >= claims.min_other_refs and len(refs) >= claims.min_sources
    assert not ids & other_ids and not refs & other_refs and not texts & other_texts
    # A Grand Débat contribution answers several questions: no other answer of the same contributions either.
    contributions = {re.sub(r"-q\d+$", "", ref) for ref in refs if ref.startswith("gdn-")}
    assert len(contributions) >= 30
    assert not contributions & {re.sub(r"-q\d+$", "", ref) for ref in other_refs if ref.startswith("gdn-")}
