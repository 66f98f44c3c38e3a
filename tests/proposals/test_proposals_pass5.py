"""Usability pass 5: a proposal's moderation page as a moderator uses it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from contrib.models import Role
from contrib.proposals import services as proposals

_ID = re.compile(r'\sid="([^"]+)"')
_FOR = re.compile(r'<label[^>]*\sfor="([^"]+)"')


@pytest.fixture
def proposal(factory):
    process = factory.process(slug="pessac")
    moderator = factory.user(Role.MODERATOR)
    ids = [factory.contribution(process, text=f"Les OPCO financent trop tard, dit l'organisme {n}.").id for n in (1, 2)]
    created = proposals.create_from_contributions(
        process.id,
        ids,
        "Financer à temps",
        f"Les OPCO financent trop tard. [#{ids[0]}, #{ids[1]}]",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
    )
    return process, moderator, created, ids


def test_the_edit_and_split_forms_have_their_own_ids_so_each_label_leads_to_its_box(client, auth, proposal):
    process, moderator, created, _ = proposal
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/propositions/{created.id}").text
    assert "Texte de la nouvelle proposition" in page and "Modifier le titre et le texte" in page, "both forms"
    repeated = [name for name, n in Counter(_ID.findall(page)).items() if n > 1]
    assert repeated == []
    ids = set(_ID.findall(page))
    assert _FOR.findall(page) and all(target in ids for target in _FOR.findall(page))


def test_a_citation_of_two_sources_reads_as_two_separate_links(client, auth, proposal):
    _, moderator, created, ids = proposal
    auth.login(moderator)
    page = client.get(f"/propositions/{created.id}").text
    assert f"n° {ids[0]}</a>" in page and f"n° {ids[1]}</a>" in page
    assert '</span><span class="citation">' not in page, "two citations glued together: « [n° 1][n° 2] »"


def test_a_contributions_guillemets_keep_their_word_in_its_preview_and_in_the_sources_table(client, auth, factory):
    process = factory.process(slug="merignac")
    moderator = factory.user(Role.MODERATOR)
    quoted = factory.contribution(process, text="Une part « accompagnement » dans chaque marché public.")
    created = proposals.create_from_contributions(
        process.id,
        [quoted.id],
        "Accompagner",
        f"Une part pour l'accompagnement. [#{quoted.id}]",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
        citation_reason="Test.",
    )
    auth.login(moderator)
    for url in (f"/propositions/{created.id}", f"/moderation/demarches/{process.slug}/propositions/{created.id}"):
        page = client.get(url).text
        assert "«\u00a0accompagnement\u00a0»" in page, url
        assert "« accompagnement »" not in page, url
