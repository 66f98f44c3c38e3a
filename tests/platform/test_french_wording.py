"""The shared French counts and lists (contrib.core.french): plurals written out, never « contribution(s) »."""

import pytest
from markupsafe import Markup

from contrib.core.french import count, french_list, unbroken_guillemets

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 contribution"), (1, "1 contribution"), (2, "2 contributions"), (1000, "1000 contributions")],
)
def test_count_keeps_the_singular_below_two(n, expected):
    assert count(n, "contribution") == expected


def test_count_takes_an_irregular_plural():
    assert count(1, "soutien direct", "soutiens directs") == "1 soutien direct"
    assert count(3, "soutien direct", "soutiens directs") == "3 soutiens directs"


def test_french_list_joins_with_et():
    assert [french_list(items) for items in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "",
        "a",
        "a et b",
        "a, b et c",
    ]


def test_guillemets_keep_their_words_and_a_safe_message_stays_safe():
    assert unbroken_guillemets("La section « Financement » existe.") == "La section «\u00a0Financement\u00a0» existe."
    assert unbroken_guillemets("«\u00a0déjà\u00a0»") == "«\u00a0déjà\u00a0»", "control: nothing to change"
    safe = unbroken_guillemets(Markup("<b>« a »</b>"))
    assert isinstance(safe, Markup) and safe == Markup("<b>«\u00a0a\u00a0»</b>")
