"""2-D map layout: shape, bounds, determinism, similar texts close, groups pulled together."""

import numpy as np
import pytest

from nlp.layout import layout_2d

BIKE = ["pistes cyclables sécurisées en ville", "plus de pistes cyclables pour les vélos",
        "vélo et pistes cyclables partout", "garages à vélos sécurisés près des gares"]
TAX = ["baisser les impôts sur le revenu", "un impôt sur le revenu plus juste",
       "impôts trop élevés pour les classes moyennes", "supprimer les niches fiscales et baisser l'impôt"]


def test_positions_are_in_the_unit_square_and_deterministic():
    first = layout_2d(BIKE + TAX, random_state=3)
    assert first.shape == (8, 2)
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert np.array_equal(first, layout_2d(BIKE + TAX, random_state=3))


def test_groups_end_up_as_separate_patches():
    positions = layout_2d(BIKE + TAX, groups=["vélo"] * 4 + ["impôt"] * 4, pull=0.8)
    bike, tax = positions[:4], positions[4:]
    spread = max(np.linalg.norm(bike - bike.mean(axis=0), axis=1).max(),
                 np.linalg.norm(tax - tax.mean(axis=0), axis=1).max())
    assert np.linalg.norm(bike.mean(axis=0) - tax.mean(axis=0)) > 2 * spread


@pytest.mark.parametrize("texts", [[], ["un seul texte"], ["", ""], ["même", "même", "même"]])
def test_edge_cases_give_bounded_positions(texts):
    positions = layout_2d(texts)
    assert positions.shape == (len(texts), 2)
    assert np.all((positions >= 0) & (positions <= 1))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="strings"):
        layout_2d(["texte", None])
    with pytest.raises(ValueError, match="groups"):
        layout_2d(["a", "b"], groups=["x"])
    with pytest.raises(ValueError, match="pull"):
        layout_2d(["a", "b"], pull=2)
