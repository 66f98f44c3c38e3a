"""Evaluation on the shared labelled data (sample): our method beats the baselines."""

import json

import numpy as np
import pytest

from nlp.evaluate import evaluate, evaluate_paraphrases, format_report, half_of, main, pairwise_scores
from nlp.perturb import HARD_OPERATIONS, KINDS, make_copies, make_hard_copies, perturb_hard
from nlp.trigram import trigram_pairs, trigram_similarity, trigrams
from tests.conftest import shared_data

FILES = ["dev_grand_debat.csv", "dev_republique_numerique.csv"]


def test_trigram_similarity_matches_pg_trgm():
    assert sorted(trigrams("Chat")) == ["  c", " ch", "at ", "cha", "hat"]
    assert trigram_similarity("word", "two words") == pytest.approx(0.363636, abs=1e-6)  # PostgreSQL docs
    assert trigram_similarity("", "mot") == 0.0


def test_vectorised_trigram_pairs_agree_with_the_scalar_function():
    texts = ["la taxe carbone", "taxe carbone", "trains de nuit", "le train de nuit", "vélo"]
    rows, cols, _scores = trigram_pairs(texts, 0.25)
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
    # The lexical path (no encoder) keeps this test fast; the meaning tier is measured below.
    report = evaluate(shared_data(name), sample=1200, n_copies=60, seed=0, semantic=False)
    clustering = report["clustering"]
    assert clustering["ours (k=themes)"][0] > clustering["baseline tfidf+kmeans"][0]
    assert clustering["ours (k=themes)"][1] > clustering["baseline tfidf+kmeans"][1]
    for key in ("dup_labelled", "dup_perturbed"):
        assert report[key]["ours"][2] > report[key]["decidim trgm>=0.25"][2]
    assert report["dup_perturbed"]["ours"][2] >= 0.9  # hard protocol, on a sample
    assert report["retrieval"]["ours"][1] >= report["retrieval"]["decidim trgm>=0.25"][1]
    assert format_report(report).splitlines()[-1].startswith("SUMMARY")


def test_hard_copies_follow_the_peers_protocol():
    text = "Il faut financer la préparation des formateurs. " * 8
    first = make_hard_copies([text] * 3, None, 40, random_state=2)
    assert first == make_hard_copies([text] * 3, None, 40, random_state=2)
    kinds = [c.kind.split("+") for c in first]
    assert all(1 <= len(k) <= 2 and set(k) <= set(HARD_OPERATIONS) for k in kinds)
    assert set(HARD_OPERATIONS) == {op for k in kinds for op in k}
    rng = np.random.default_rng(0)
    n_words = len(text.split())
    for _ in range(20):
        kept = len(perturb_hard(text, "truncate", rng).split())
        assert 0.6 * n_words - 1 <= kept <= 0.9 * n_words
    edited = perturb_hard(text, "typos", rng)
    assert edited != text and abs(len(edited) - len(text)) <= len(text) // 40
    with pytest.raises(ValueError, match="unknown operation"):
        perturb_hard(text, "shout", rng)


PARAPHRASES = """id,text,theme,kind,dup_group,stance_pair,note
p1,Les financeurs devraient payer le temps de préparation des formateurs et pas seulement le face-à-face.,A,idée,G01,S1,paraphrase forte (presque aucun mot commun)
p2,Les formateurs vacataires sont payés à l'heure de face-à-face ; le temps passé à concevoir les supports n'est pas financé.,B,idée,G01,,paraphrase forte (presque aucun mot commun)
p3,Le temps de conception doit rester à la charge de l'organisme : ce n'est pas aux financeurs de payer la préparation.,A,idée,,S1,position opposée à G01 (S1)
p4,Baisser la TVA sur les produits de première nécessité pour redonner du pouvoir d'achat aux ménages.,C,idée,,,même sujet que G01, autre idée
p5,Développer les pistes cyclables sécurisées entre les villages pour aller à l'école à vélo en toute sécurité.,C,idée,G02,,paraphrase proche (termes clés communs)
p6,Des pistes cyclables sécurisées entre les villages pour que les enfants aillent à l'école à vélo.,A,idée,G02,,paraphrase proche (termes clés communs)
"""


def test_paraphrase_evaluation_reports_every_figure_per_half(tmp_path, capsys):
    path = tmp_path / "paraphrases.csv"
    path.write_text(PARAPHRASES, encoding="utf-8")
    report = evaluate_paraphrases(path)
    assert report["n_gold_pairs"] == 2 and report["all"]["n_stance_pairs"] == 2
    assert report["all"]["stance_pairs_grouped"] == 0
    assert set(report["all"]["tiers"]) == {"lexical", "semantic", "all tiers"}
    assert set(report["all"]["recall_by_difficulty"]) == {"forte", "proche"}
    assert report["all"]["top3"][1] == 4
    top3 = {name: report["all"][name][0] for name in ("top3", "top3_words", "top3_meaning", "top3_either")}
    # G02 shares its words: found by words alone; « either » is the union of the two signals.
    assert top3["top3_words"] >= 2 and max(top3["top3_words"], top3["top3_meaning"]) <= top3["top3_either"] <= 4
    halves = {half_of("G01"), half_of("G02")}
    assert sum(report[h]["n_gold_pairs"] for h in halves) == 2
    assert main([str(path)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last)["paraphrases.csv"]["all"]["n_gold_pairs"] == 2


def test_dev_paraphrases_never_group_opposite_stances():
    report = evaluate_paraphrases(shared_data("dev_paraphrases.csv"))["all"]
    assert report["stance_pairs_grouped"] == 0 and report["n_stance_pairs"] == 23
    assert report["tiers"]["semantic"]["n_correct"] >= 5  # the meaning tier finds reworded pairs
