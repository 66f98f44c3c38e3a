"""The sources of a new proposal are seen and chosen: offered unticked with their text, "Tout cocher",
a count; a draft of the assistant shows what it kept and what it left."""

import re

import pytest

from contrib.assistant import services as assistant
from contrib.models import MessageKind, Role
from contrib.proposals import services as proposals
from tests.assistant.test_assistant import TEXTS, _selection


@pytest.fixture
def scene(factory):
    process = factory.process(slug="bordeaux")
    moderator = factory.user(Role.MODERATOR)
    contributions = [factory.contribution(process, text=text) for text in TEXTS]
    return process, moderator, contributions


def _boxes(html: str) -> dict[int, bool]:
    """Source checkboxes of the page: id -> ticked."""
    return {
        int(number): "checked" in attributes
        for number, attributes in re.findall(r'name="ids" value="(\d+)" id="choix-\d+"([^>]*)>', html)
    }


def _url(process, tail=""):
    return f"/moderation/demarches/{process.slug}/propositions/nouvelle{tail}"


def test_offered_sources_are_shown_with_their_text_and_none_is_ticked(scene, client, auth):
    process, moderator, contributions = scene
    ids = [c.id for c in contributions]
    auth.login(moderator)
    page = client.get(_url(process, "?proposees=" + ",".join(map(str, ids)))).text
    assert _boxes(page) == dict.fromkeys(ids, False)
    assert "aucune cochée d'office" in page and "<strong data-count>0</strong>" in page and "sur 5" in page
    assert all(str(c.text[:40]).replace("'", "&#39;") in page for c in contributions), "each with its text"
    # Control: ticked ids (the moderator's own choice) stay ticked.
    assert _boxes(client.get(_url(process, f"?proposees={ids[0]},{ids[1]}&ids={ids[1]}")).text) == {
        ids[0]: False,
        ids[1]: True,
    }


def test_tick_all_untick_all_without_javascript_then_create_with_the_chosen_ones(scene, client, auth):
    process, moderator, contributions = scene
    ids = [c.id for c in contributions]
    auth.login(moderator)
    offered = ",".join(map(str, ids))
    all_ticked = client.post(_url(process), data={"proposees": offered, "action": "tout-cocher", "title": "Gardé"})
    assert _boxes(all_ticked.text) == dict.fromkeys(ids, True)
    assert "<strong data-count>5</strong>" in all_ticked.text and 'value="Gardé"' in all_ticked.text
    none_ticked = client.post(_url(process), data={"proposees": offered, "ids": ids[:2], "action": "tout-decocher"})
    assert _boxes(none_ticked.text) == dict.fromkeys(ids, False)
    response = client.post(
        _url(process),
        data={
            "proposees": offered,
            "ids": [str(ids[0]), str(ids[2])],
            "title": "Qualiopi et trésorerie",
            "text": "Un texte.",
            "theme_ids": str(process.themes[0].id),
            "priority": "medium",
            "action": "creer",
        },
    )
    assert response.status_code == 302, response.text
    proposal_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert sorted(c.id for c in proposals.sources_of(proposal_id)) == [ids[0], ids[2]], "only what was ticked"


def test_a_draft_shows_what_it_kept_and_what_it_left(scene, client, auth):
    process, moderator, contributions = scene
    scope = _selection(process, contributions)
    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)
    kept, considered = draft.content["ids"], draft.content["considered"]
    left = [i for i in considered if i not in kept]
    assert kept and left, "the draft leaves some sources out"
    auth.login(moderator)
    page = client.get(_url(process, f"?brouillon={draft.id}")).text
    assert _boxes(page) == {i: i in kept for i in considered}, "every considered source listed, the kept ones ticked"
    assert f"Le brouillon a gardé {len(kept)} source" in page and f"en a laissé {len(left)} de côté" in page
    assert page.count("laissée de côté par le brouillon") == len(left)
    assert page.count("gardée par le brouillon") == len(kept)
    # The moderator decides: a left-out source ticked in, kept through a search re-render.
    again = client.post(
        _url(process),
        data={"brouillon": str(draft.id), "ids": [str(i) for i in [*kept, left[0]]], "action": "rechercher"},
    ).text
    assert _boxes(again) == {i: i in kept or i == left[0] for i in considered}


def test_theme_checkboxes_sit_beside_their_labels(scene, client, auth):
    process, moderator, _ = scene
    auth.login(moderator)
    page = client.get(_url(process)).text
    rows = re.findall(r'<div class="check-row"><input type="checkbox" name="theme_ids"[^>]*>\s*<label', page)
    assert len(rows) == len(process.themes) > 0
