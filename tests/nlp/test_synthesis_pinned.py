"""The embedded summary of a real cluster, pinned: speed work must leave every segment as it was.

``synthesis_pinned.json`` holds the summary and the draft of :func:`pinned_scope` (the 400 first contributions
of the largest real cluster of ../shared/data: the answers to one question of the Grand Débat, or to one
section of the République numérique bill), as main's code wrote them before the speed work of session 11
(commit 42f9aa4, run from an export of that commit, not from the code under test). Regenerate it only for a
change meant to alter the summary, and say so in the commit:

    CONTRIB_SHARED_DATA=../shared/data .venv/bin/python -m tests.nlp.test_synthesis_pinned --write
"""

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

from nlp.synthesis import ExtractiveSynthesizer
from tests.conftest import shared_data

PINNED = Path(__file__).with_name("synthesis_pinned.json")
N_CONTRIBUTIONS = 400


def pinned_scope() -> list[dict]:
    """The first contributions of the largest real cluster (rows sharing a question, else a theme)."""
    groups = defaultdict(list)
    for name in ("dev_grand_debat.csv", "dev_republique_numerique.csv"):
        with shared_data(name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                groups[row["question"] or row["theme"]].append(row)
    largest = max(groups.values(), key=len)
    return largest[:N_CONTRIBUTIONS]


def written(rows: list[dict]) -> dict:
    """The summary and the draft of ``rows`` (ids from 1), segment by segment, with what they drew on."""
    ids = list(range(1, len(rows) + 1))
    synthesizer = ExtractiveSynthesizer().fit(
        ids, [r["text"] for r in rows], actor_types=[r["author_type"] for r in rows], titles=[r["title"] for r in rows]
    )
    summary, draft = synthesizer.summary(), synthesizer.draft()

    def segments(parts) -> list:
        return [[s.kind, s.text, list(s.citations), s.level] for s in parts]

    return {
        "summary": segments(summary.segments),
        "counts": [summary.n_contributions, summary.n_ideas],
        "topic_ids": [list(t) for t in summary.topic_ids],
        "draft": segments(draft.segments),
        "draft_ids": [list(draft.considered_ids), list(draft.kept_ids)],
    }


def test_the_summary_of_a_real_cluster_is_the_one_pinned_before_the_speed_work():
    expected = json.loads(PINNED.read_text(encoding="utf-8"))
    rows = pinned_scope()
    assert len(rows) == N_CONTRIBUTIONS
    # Control: the pinned summary is a real one (sub-topics, cited sentences, copies and arguments), not a stub.
    kinds = [kind for kind, *_ in expected["summary"]]
    assert kinds.count("phrase") >= 15 and kinds.count("titre") >= 5
    got = written(rows)
    for part in ("counts", "topic_ids", "draft", "draft_ids"):
        assert got[part] == expected[part], part
    for n, (segment, pinned) in enumerate(zip(got["summary"], expected["summary"])):
        assert segment == pinned, f"segment {n}"
    assert len(got["summary"]) == len(expected["summary"])


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    PINNED.write_text(json.dumps(written(pinned_scope()), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
