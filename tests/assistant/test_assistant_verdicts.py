"""The embedded engine checks each sentence once: the verdict stored is the synthesizer's own check, never a
sentence the checker refuses (issue 20: the second check in the app was removed)."""

import csv
from pathlib import Path

import pytest

from contrib.assistant.embedded import _checked
from contrib.assistant.engines import generate
from contrib.assistant.protocol import Scope
from nlp.citations import SupportScorer, check_sentence
from nlp.synthesis import ExtractiveSynthesizer, Segment

DEMO = Path(__file__).resolve().parents[2] / "contrib" / "demo" / "contributions.csv"


@pytest.fixture(scope="module")
def demo_scope():
    """The first 60 contributions of the demo event (real sentences, duplicates, several sub-topics)."""
    with DEMO.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["process"] == "pessac-2026"][:60]
    return Scope(ids=list(range(1, len(rows) + 1)), texts=[r["text"] for r in rows])


@pytest.mark.parametrize("task", ["summary", "draft"])
def test_every_stored_verdict_is_the_checkers_own_verdict_on_that_sentence(demo_scope, task):
    segments = [value for event, value in generate(task, demo_scope) if event == "segment"]
    phrases = [s for s in segments if s["kind"] == "phrase"]
    assert len(phrases) >= 4
    texts = dict(zip(demo_scope.ids, demo_scope.texts))
    # The check the app used to run again (a scorer built anew, without the scope's size), and with the size.
    for scorer in (SupportScorer(texts), SupportScorer(texts, scope_size=len(texts))):
        for phrase in phrases:
            cited = " ".join(f"[#{i}]" for i in phrase["citations"])
            verdict = check_sentence(f"{phrase['text']} {cited}", scorer)
            assert (phrase["status"], phrase["reason"]) == (verdict.status, verdict.reason), phrase["text"]
    assert all(p["status"] == "verifiee" for p in phrases)
    if task == "summary":  # sub-topic headings are stored as such (level 2), parts as level 1 (no key)
        headings = [s for s in segments if s["kind"] == "titre"]
        assert any(s.get("level") == 2 for s in headings) and any("level" not in s for s in headings)


def test_a_sentence_the_synthesizer_did_not_check_is_checked_and_refused(demo_scope):
    synthesizer = ExtractiveSynthesizer().fit(demo_scope.ids, demo_scope.texts)
    chosen = next(s for s in synthesizer.summary().segments if s.kind == "phrase")
    assert _checked(chosen, synthesizer)["status"] == "verifiee"

    # Control: the same sentence cited to a contribution that does not say it was never checked by the
    # synthesizer; it is checked now, and refused, not passed through.
    stranger = next(i for i in demo_scope.ids if i not in chosen.citations and len(demo_scope.texts[i - 1]) > 40)
    forged = Segment("phrase", chosen.text, (stranger,))
    stored = _checked(forged, synthesizer)
    assert stored["status"] == "non_soutenue" and stored["reason"]
    assert (
        stored["status"]
        == check_sentence(forged.as_text(), SupportScorer(dict(zip(demo_scope.ids, demo_scope.texts)))).status
    )
