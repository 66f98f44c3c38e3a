"""Counts on pages read as French: « 0 soutien », « 1 soutien », « 2 soutiens » (singular below two)."""

import re
from pathlib import Path

from contrib.participation import supports

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# « {{ n }} soutien{{ 's' if n != 1 }} » is English's rule: it prints « 0 soutiens ».
ENGLISH_PLURAL = re.compile(r"'(s|x|nent|es)' if [^}%]*!= 1\b")


def test_no_template_puts_zero_in_the_plural():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ENGLISH_PLURAL.search(line)
    ]
    assert offenders == []
    assert ENGLISH_PLURAL.search("{{ n }} soutien{{ 's' if n != 1 }}"), "control: the pattern finds the old form"


def test_a_new_contribution_shows_zero_support_in_the_singular(client, factory):
    process = factory.process()
    contribution = factory.contribution(process)
    page = client.get(f"/contributions/{contribution.id}").text
    assert "0 soutien<" in page and "0 soutiens" not in page
    for _ in range(2):
        supports.support(contribution.id, user=factory.user())
    assert "2 soutiens<" in client.get(f"/contributions/{contribution.id}").text, "control: two is plural"
