"""Pages read as French: counts (« 0 soutien », « 1 soutien », « 2 soutiens », singular below two) and guillemets
kept with their words by no-break spaces, so that « or » never starts or ends a line alone on a phone."""

import re
from pathlib import Path

from contrib.models import Role
from contrib.participation import supports

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# « {{ n }} soutien{{ 's' if n != 1 }} » is English's rule: it prints « 0 soutiens ».
ENGLISH_PLURAL = re.compile(r"'(s|x|nent|es)' if [^}%]*!= 1\b")
# A guillemet and its word joined by a plain space: the browser may break the line there. Templates write
# « &nbsp; » (U+00A0, as they already did in headings, n° and %), Jinja string literals « \u00a0 ».
LOOSE_GUILLEMET = re.compile(r"« | »")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


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


def _shown_lines(path: Path) -> list[str]:
    """The template's lines, its Jinja comments blanked (never sent to a browser), line numbers kept."""
    text = JINJA_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text(encoding="utf-8"))
    return text.splitlines()


def test_no_template_leaves_a_guillemet_alone_at_a_line_end():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:60]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(_shown_lines(path), 1)
        if LOOSE_GUILLEMET.search(line)
    ]
    assert offenders == []
    assert LOOSE_GUILLEMET.search("Import « {{ batch.filename }} »"), "control: the pattern finds the old form"
    assert not LOOSE_GUILLEMET.search("Import «&nbsp;{{ batch.filename }}&nbsp;»")


def test_a_message_flashed_with_guillemets_keeps_them_with_their_words(client, factory, auth):
    target = factory.user()
    auth.login(factory.user(Role.STAFF))
    page = client.post(f"/admin/utilisateurs/{target.id}/role", data={"role": "moderator"}, follow_redirects=True).text
    assert "a maintenant le rôle «\u00a0Modérateur·rice\u00a0»." in page
    assert "rôle « " not in page, "the message as written in Python has plain spaces"
