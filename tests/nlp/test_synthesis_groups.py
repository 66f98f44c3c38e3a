"""The summary covers the duplicate groups the app found (issue 20): given to the engine, each is cited; repeated
short answers are counted; thanks and asides are neither cited nor counted."""

import csv

from contrib.participation.vectors import meaning_text
from nlp._sentences import is_noise
from nlp.embeddings import embed
from nlp.synthesis import ExtractiveSynthesizer
from tests.conftest import shared_data

ARTICLE_9 = "Article 9 - Libre accès aux publications scientifiques de la recherche publique"


def _section(name: str) -> list[dict]:
    """The contributions on one article of the République numérique bill, in file order (a real cluster of the
    benches: rows sharing a question)."""
    with shared_data("dev_republique_numerique.csv").open(encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["question"] == name]


def _fit(rows: list[dict], **options) -> ExtractiveSynthesizer:
    """The engine on ``rows`` (ids from 1) with their vectors of title + text, as the app stores them."""
    ids = list(range(1, len(rows) + 1))
    vectors = embed([meaning_text(r["title"], r["text"]) for r in rows])
    return ExtractiveSynthesizer().fit(
        ids, [r["text"] for r in rows], titles=[r["title"] for r in rows], vectors=vectors, **options
    )


def _id_of(rows: list[dict], opening: str) -> int:
    (found,) = [n for n, r in enumerate(rows, start=1) if r["text"].startswith(opening)]
    return found


def test_a_duplicate_group_the_scope_alone_misses_is_cited_when_the_app_gives_it():
    """Can the summary cite a 'formulée autrement' group that the app found over the whole consultation?

    The pair (free access to publicly funded articles; the 12-month embargo questioned) is linked by the app's
    detection over the République numérique file, not by the engine's own detection on the section: in a scope on
    one subject every text is close to the others, and the pair falls just under the bar.
    """
    rows = _section(ARTICLE_9)
    pair = (
        _id_of(rows, "Tout article scientifique issue de fond publique"),
        _id_of(rows, "Il faut effectivement libérer les publications scientifiques"),
    )
    # Control: on the scope alone, the engine neither links nor cites the pair.
    alone = _fit(rows)
    idea_of = {i: k for k, members in enumerate(alone.ideas_) for i in members}
    assert idea_of[pair[1]] not in alone.reworded_.get(idea_of[pair[0]], ())
    assert not alone.summary().cited_ids & set(pair)

    given = _fit(rows, duplicate_groups=[pair])
    summary = given.summary()
    assert summary.cited_ids & set(pair)
    phrases = [s for s in summary.segments if s.kind == "phrase"]
    assert all(given.verdict(s).is_verified for s in phrases)  # every sentence shown still verified
    # Ids outside the scope are ignored, and a group of one idea in the scope links nothing.
    assert _fit(rows, duplicate_groups=[(pair[0], 10_000)]).reworded_ == alone.reworded_


def test_repeated_short_answers_are_counted_but_thanks_are_never_an_idea():
    """Is a short answer copied twice counted, while copied thanks are neither cited nor counted?"""
    rows = _section(ARTICLE_9)[:40]
    thanks = "Merci pour cette consultation et bravo pour le travail accompli."
    extra = [
        {"title": "", "text": text}
        for text in (thanks, thanks, thanks, "Accès libre aux articles", "Accès libre aux articles")
    ]
    rows = rows + extra
    n = len(rows)
    thanks_ids, short_ids = {n - 4, n - 3, n - 2}, {n - 1, n}
    synthesizer = _fit(rows, duplicate_groups=[tuple(thanks_ids), tuple(short_ids)])
    summary = synthesizer.summary()
    counts = [s.text for s in summary.segments if s.kind == "statistique" and "Réponses brèves" in s.text]
    # The short answer, copied twice, is named with its count (three copies were needed before).
    assert counts and "« Accès libre aux articles » (2)" in counts[0]
    assert not summary.cited_ids & short_ids  # a fragment is not stated as a sentence
    # The thanks are no idea: never cited, never counted as an answer.
    assert is_noise(thanks) and not is_noise("Accès libre aux articles")
    assert not summary.cited_ids & thanks_ids
    assert "Merci" not in counts[0]
