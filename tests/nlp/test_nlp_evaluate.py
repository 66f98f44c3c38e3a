"""Evaluation on the shared labelled data (sample): our method beats the baselines."""

import pytest

from nlp.evaluate import evaluate, format_report, pairwise_scores
from nlp.perturb import KINDS, make_copies
from nlp.trigram import trigram_pairs, trigram_similarity, trigrams
from tests.conftest import shared_data

FILES = ["dev_grand_debat.csv", "dev_republique_numerique.csv"]


def test_trigram_similarity_matches_pg_trgm():
    assert sorted(trigrams("Chat")) == ["  c", " ch", "at ", "cha", "hat"]
    assert trigram_similarity("word", "two words") == pytest.approx(0.363636, abs=1e-6)  # PostgreSQL docs
    assert trigram_similarity("", "mot") == 0.0


def test_vectorised_trigram_pairs_agree_with_the_scalar_function():
    texts = ["la taxe carbone", "taxe carbone", "trains de nuit", "le train de nuit", "vélo"]
    rows, cols, scores = trigram_pairs(texts, 0.25)
    expected = {(i, j) for i in range(5) for j in range(i + 1, 5) if trigram_similarity(texts[i], texts[j]) >= 0.25}
    assert set(zip(rows.tolist(), cols.tolist())) == expected


def test_pairwise_scores():
    assert pairwise_scores({(1, 2), (3, 4)}, {(1, 2)}) == (0.5, 1.0, pytest.approx(2 / 3))


def test_perturbed_copies_are_deterministic_and_cover_every_kind():
    texts = ["Il faut baisser les impôts des ménages modestes. Les riches doivent payer plus, vraiment."] * 3
    first = make_copies(texts, ["A", "B", "A"], 12, random_state=3)
    assert first == make_copies(texts, ["A", "B", "A"], 12, random_state=3)
    assert {c.kind for c in first} == set(KINDS)


@pytest.mark.parametrize("name", FILES)
def test_evaluation_on_a_sample_beats_the_baselines(name):
    report = evaluate(shared_data(name), sample=1200, n_copies=60, seed=0)
    clustering = report["clustering"]
    assert clustering["ours (k=themes)"][0] > clustering["baseline tfidf+kmeans"][0]
    assert clustering["ours (k=themes)"][1] > clustering["baseline tfidf+kmeans"][1]
    for key in ("dup_labelled", "dup_perturbed"):
        assert report[key]["ours"][2] > report[key]["decidim trgm>=0.25"][2]
    assert report["dup_perturbed"]["ours"][2] >= 0.9
    assert report["retrieval"]["ours"][1] >= report["retrieval"]["decidim trgm>=0.25"][1]
    assert format_report(report).splitlines()[-1].startswith("SUMMARY")
