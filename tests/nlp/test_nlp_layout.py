"""2-D map layout from the clusterer's coordinates: shape, bounds, determinism, groups pulled together."""

import numpy as np
import pytest

from nlp import cluster_contributions
from nlp.layout import layout_2d

BIKE = [
    "pistes cyclables sécurisées en ville",
    "plus de pistes cyclables pour les vélos",
    "vélo et pistes cyclables partout",
    "garages à vélos sécurisés près des gares",
]
TAX = [
    "baisser les impôts sur le revenu",
    "un impôt sur le revenu plus juste",
    "impôts trop élevés pour les classes moyennes",
    "supprimer les niches fiscales et baisser l'impôt",
]


def _clustered():
    ids = list(range(8))
    result = cluster_contributions(ids, BIKE + TAX, n_clusters=2)
    return [result.coordinates[i] for i in ids], [result.assignment[i] for i in ids]


def test_positions_are_in_the_unit_square_and_deterministic():
    points, groups = _clustered()
    first = layout_2d(points, groups=groups, random_state=3)
    assert first.shape == (8, 2)
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert np.array_equal(first, layout_2d(points, groups=groups, random_state=3))


def test_groups_end_up_as_separate_patches():
    points, _ = _clustered()
    positions = layout_2d(points, groups=["vélo"] * 4 + ["impôt"] * 4, pull=0.8)
    bike, tax = positions[:4], positions[4:]
    spread = max(
        np.linalg.norm(bike - bike.mean(axis=0), axis=1).max(), np.linalg.norm(tax - tax.mean(axis=0), axis=1).max()
    )
    assert np.linalg.norm(bike.mean(axis=0) - tax.mean(axis=0)) > 2 * spread


def test_identical_points_are_separated():
    positions = layout_2d([[0.2, 0.2]] * 3 + [[0.9, 0.9]])
    assert len({tuple(row) for row in positions[:3]}) == 3


@pytest.mark.parametrize("points", [[], [[0.3, 0.7]], [[0.5, 0.5], [0.5, 0.5]]])
def test_edge_cases_give_bounded_positions(points):
    positions = layout_2d(points)
    assert positions.shape == (len(points), 2)
    assert np.all((positions >= 0) & (positions <= 1))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="shape"):
        layout_2d([[0.1, 0.2, 0.3]])
    with pytest.raises(ValueError, match="finite"):
        layout_2d([[0.1, float("nan")]])
    with pytest.raises(ValueError, match="groups"):
        layout_2d([[0, 0], [1, 1]], groups=["x"])
    with pytest.raises(ValueError, match="pull"):
        layout_2d([[0, 0], [1, 1]], pull=2)
