"""The shared French counts and lists (contrib.core.french): plurals written out, never « contribution(s) »."""

import pytest
from markupsafe import Markup

from contrib.core.french import count, french_list, french_spacing

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
    assert french_spacing("La section « Financement » existe.") == "La section «\u00a0Financement\u00a0» existe."
    assert french_spacing("«\u00a0déjà\u00a0»") == "«\u00a0déjà\u00a0»", "control: nothing to change"
    safe = french_spacing(Markup("<b>« a »</b>"))
    assert isinstance(safe, Markup) and safe == Markup("<b>«\u00a0a\u00a0»</b>")


def test_question_and_exclamation_marks_keep_their_word_on_the_same_line():
    typed = "Lesquelles parlent de la VAE ? Enfin !"
    assert french_spacing(typed) == "Lesquelles parlent de la VAE\u00a0? Enfin\u00a0!"
    assert french_spacing("https://contrib.fr/?page=2") == "https://contrib.fr/?page=2", "control: no space, no change"


def test_a_question_quoted_in_the_journal_never_leaves_its_mark_alone_on_a_line(app):
    from contrib.models import AuditEntry
    from contrib.moderation import journal, sentences

    entry = AuditEntry(
        action="assistant:answer:generate",
        target_type="process",
        target_id=1,
        before={},
        after={"question": "Lesquelles parlent de la VAE ?"},
    )
    assert "VAE\u00a0?\u00a0»" in str(sentences.sentence(entry, journal.Names([entry])))
