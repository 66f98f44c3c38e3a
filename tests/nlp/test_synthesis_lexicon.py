"""The field's vocabulary in answers (session 14): « publics fragiles » finds « les publics les plus éloignés de
l'emploi », on the demo's own funding theme; unrelated questions and scopes are left as they were."""

import csv
from pathlib import Path

import pytest

from nlp.citations import NO_ANSWER
from nlp.lexicon import SYNONYMS, expressions_in, synonym_families
from nlp.synthesis import ExtractiveSynthesizer

DEMO = Path(__file__).resolve().parents[2] / "contrib" / "demo" / "contributions.csv"
QUESTION = "Comment financer les formations des publics fragiles ?"


def _theme(theme: str, process: str = "pessac-2026") -> ExtractiveSynthesizer:
    """A theme of the seeded demo, numbered as the demo's rows (n° 113 is the Région's « Prioriser ensemble »)."""
    with DEMO.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    scope = [(n, r) for n, r in enumerate(rows, start=1) if r["process"] == process and r["theme"] == theme]
    return ExtractiveSynthesizer().fit([n for n, _ in scope], [r["text"] for _, r in scope])


@pytest.fixture(scope="module")
def funding() -> ExtractiveSynthesizer:
    return _theme("Financements/priorisation")


def _phrases(answer):
    return [s for s in answer.segments if s.kind == "phrase"]


def test_the_funding_question_draws_on_the_publics_furthest_from_employment(funding):
    """Nobody on the funding theme writes « fragiles »: n° 113 says « les publics les plus éloignés de l'emploi »."""
    answer = funding.answer(QUESTION)
    cited = [s for s in _phrases(answer) if 113 in s.citations]
    assert cited and "éloignés de l'emploi" in cited[0].text, [s.text for s in _phrases(answer)]
    assert 113 in answer.drawn_ids
    assert all(funding.verdict(s).is_verified for s in _phrases(answer))


def test_an_unrelated_question_does_not_pick_up_the_expanded_contribution(funding):
    answer = funding.answer("Que disent-ils des délais de paiement ?")
    assert _phrases(answer), "control: the question is answered"
    assert 113 not in {i for s in _phrases(answer) for i in s.citations}


def test_nothing_relevant_still_does_not_answer():
    """The partnerships theme has no contribution on funding nor on fragile publics."""
    answer = _theme("Partenariats/écosystème").answer(QUESTION)
    assert [s.text for s in answer.segments] == [NO_ANSWER]


def test_an_expression_is_read_as_a_phrase_never_as_a_loose_word():
    (people,) = [f for f in SYNONYMS if "publics fragiles" in f]
    assert "éloignés de l'emploi" in expressions_in("les publics les plus éloignés de l'emploi", people)
    assert "éloignées de l'emploi" in expressions_in("des personnes très éloignées de l'emploi", people)
    # « fragiles » alone qualifies partnerships as often as people; words out of order or far apart are no phrase.
    assert expressions_in("Des partenariats fragiles avec les publics.", people) == []
    assert expressions_in("L'emploi des publics est éloigné des centres.", people) == []
    assert synonym_families("Que disent-ils des audits Qualiopi ?") == []
    ((family, stems),) = synonym_families(QUESTION)
    assert family is people and stems == {"public", "fragil"}
