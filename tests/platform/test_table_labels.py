"""On a phone a table's rows become stacked blocks and its headers are hidden: a cell that shows a value says what
the value is (``data-label``, drawn before it under 40rem). « Qualité de l'analyse » read « identique 0 0 0 pas encore
de donnée » and the clustering runs « 12/11/2026 Sophie Terminé 120 8 85 % » with nothing naming the figures."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.nodb

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CELL = re.compile(r"<tr\b|<td\b([^>]*)>")
# A cell that shows a value: an expression, a list of values. Controls (forms, buttons) and names (links) are not.
SHOWS_A_VALUE = re.compile(r"\s*(\{\{|<ul class=\"plain\">|\{% if run\.|\{% for id in)")


def unlabelled_values(text: str) -> list[str]:
    """The value cells of ``text`` after the first cell of their row (the row's name) that carry no data-label."""
    found, index = [], 0
    for match in CELL.finditer(text):
        if match.group(0) == "<tr":
            index = 0
            continue
        attributes = match.group(1)
        is_named = "data-label" in attributes or "colspan" in attributes
        if index > 0 and not is_named and SHOWS_A_VALUE.match(text, match.end()):
            found.append(text[match.start() : match.end() + 40])
        index += 1
    return found


def test_every_value_cell_says_what_it_is_on_a_phone():
    offenders = {
        str(path.relative_to(TEMPLATES)): cells
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (cells := unlabelled_values(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
    # Controls: a row's first cell (its name) and a labelled cell pass; an unlabelled figure does not.
    assert unlabelled_values('<tr><td>{{ name }}</td><td data-label="Taille">{{ size }}</td>') == []
    assert unlabelled_values("<tr><td>{{ name }}</td><td>{{ size }}</td>") == ["<td>{{ size }}</td>"]
