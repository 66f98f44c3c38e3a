"""Proposal pages through the Flask client: selection with ?ids=, search, create, manage, public page."""

from __future__ import annotations

import re

import pytest

from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, ContributionStatus, Proposal, Role
from contrib.participation import supports
from contrib.proposals import services as proposals


@pytest.fixture
def scene(factory):
    process = factory.process(slug="pessac")
    author = factory.user(display_name="Camille Formatrice")
    c1 = factory.contribution(
        process,
        author_id=author.id,
        title="Numérique en formation",
        text="Former les formateurs au numérique.",
        theme_id=process.themes[2].id,
    )
    c2 = factory.contribution(process, author_name="Table 4", text="Des formateurs à l'aise avec le numérique.")
    c3 = factory.contribution(process, text="Financer les certifications.")
    supporter = factory.user()
    supports.support(c1.id, user=supporter)
    supports.support(c2.id, user=supporter)
    return {
        "process": process,
        "author": author,
        "c": [c1.id, c2.id, c3.id],
        "supporter": supporter,
        "moderator": factory.user(Role.MODERATOR),
    }


def _url(scene, tail=""):
    return f"/moderation/demarches/{scene['process'].slug}/propositions{tail}"


def _offered_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="ids" value="(\d+)"', html)]


def _checked_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="ids" value="(\d+)"[^>]*\bchecked\b', html)]


def test_ids_in_the_url_prefill_the_selection_and_themes(client, auth, scene, factory):
    auth.login(scene["moderator"])
    elsewhere = factory.contribution(factory.process())
    c = scene["c"]
    page = client.get(_url(scene, f"/nouvelle?ids={c[0]},{c[1]},{elsewhere.id}"))
    assert page.status_code == 200
    assert _checked_ids(page.text) == [c[0], c[1]]
    themes = scene["process"].themes
    assert f'name="theme_ids" value="{themes[2].id}" id="thematique-{themes[2].id}" checked' in page.text
    assert f'name="theme_ids" value="{themes[0].id}" id="thematique-{themes[0].id}" checked' in page.text
    assert f"absente de cette démarche : n° {elsewhere.id}" in page.text


def test_search_keeps_the_selection_and_what_was_typed(client, auth, scene):
    auth.login(scene["moderator"])
    c = scene["c"]
    page = client.get(_url(scene, "/nouvelle?q=numerique"))
    assert _offered_ids(page.text) == [c[1], c[0]], "newest first, only the matches"
    page = client.post(
        _url(scene, "/nouvelle"),
        data={
            "ids": [str(c[0])],
            "q": "certification",
            "action": "rechercher",
            "title": "Mon titre en cours",
            "priority": "low",
        },
    )
    assert page.status_code == 200
    assert _checked_ids(page.text) == [c[0]]
    assert _offered_ids(page.text) == [c[0], c[2]], "the selection, then the search result"
    assert 'value="Mon titre en cours"' in page.text
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


def test_create_then_contribution_pages_say_where_it_went(client, auth, scene):
    auth.login(scene["moderator"])
    c, themes = scene["c"], scene["process"].themes
    response = client.post(
        _url(scene, "/nouvelle"),
        data={
            "ids": [str(c[0]), str(c[1])],
            "action": "creer",
            "title": "Former les formateurs au numérique",
            "text": "Un plan de formation au numérique pour les formateurs.",
            "theme_ids": [str(themes[2].id)],
            "priority": "high",
        },
    )
    assert response.status_code == 302
    proposal = db.session.scalars(db.select(Proposal)).one()
    assert response.location.endswith(_url(scene, f"/{proposal.id}"))
    manage = client.get(response.location)
    assert "créée à partir de 2 contributions" in manage.text and "Camille Formatrice" in manage.text

    contribution_page = client.get(f"/contributions/{c[0]}")
    assert "Intégrée à la proposition" in contribution_page.text
    assert (
        f'href="/propositions/{proposal.id}">«&nbsp;Former les formateurs au numérique&nbsp;»' in contribution_page.text
    )

    listing = client.get(_url(scene))
    row = re.search(rf'<td data-label="N°">{proposal.id}</td>.*?</tr>', listing.text, re.S).group(0)
    assert "Haute" in row and "À l&#39;étude" in row, row
    assert '<td data-label="Contributions sources">2</td>' in row and '<td data-label="Soutiens">1</td>' in row, row

    auth.logout()
    auth.login(scene["author"])
    mine = client.get("/mes-contributions")
    assert "Intégrée à la proposition" in mine.text and f'href="/propositions/{proposal.id}"' in mine.text
    notifications = client.get("/notifications")
    assert (
        f"Votre contribution n° {c[0]} a été intégrée à la proposition « Former les formateurs au numérique »"
        in notifications.text.replace("&#39;", "'").replace("&amp;", "&")
    )


def test_public_page_credits_authors_and_links_sources(client, scene):
    c, moderator = scene["c"], scene["moderator"]
    proposal = proposals.create_from_contributions(
        scene["process"].id,
        [c[0], c[1]],
        "Former les formateurs",
        'Texte avec a < b et "guillemets".',
        [scene["process"].themes[2].id],
        "high",
        moderator=moderator,
    )
    page = client.get(f"/propositions/{proposal.id}")  # anonymous
    assert page.status_code == 200
    text = page.text
    assert "<h1>Former les formateurs</h1>" in text and "a &lt; b et &#34;guillemets&#34;" in text
    assert "Priorité haute" in text and "À l&#39;étude" in text and scene["process"].themes[2].name in text
    assert "1 soutien (chaque personne comptée une fois)" in text, "the supporter of both sources counts once"
    assert f'href="/contributions/{c[0]}"' in text and f'href="/contributions/{c[1]}"' in text
    assert "par Camille Formatrice" in text and "par Table 4" in text


def test_merged_and_cancelled_proposals_on_the_public_side(client, scene):
    c, moderator = scene["c"], scene["moderator"]
    first = proposals.create_from_contributions(
        scene["process"].id, [c[0]], "Première", "Texte", [scene["process"].themes[0].id], "low", moderator=moderator
    )
    second = proposals.create_from_contributions(
        scene["process"].id, [c[1]], "Seconde", "Texte", [scene["process"].themes[0].id], "low", moderator=moderator
    )
    proposals.merge_proposals(first.id, second.id, moderator=moderator)
    page = client.get(f"/propositions/{first.id}")
    assert "a été fusionnée dans la proposition" in page.text and f'href="/propositions/{second.id}"' in page.text
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:merge")).one()
    from contrib.core import undo

    undo.undo_act(entry.id, actor=moderator)
    create = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:create").order_by(AuditEntry.id)
    ).first()
    undo.undo_act(create.id, actor=moderator)
    assert client.get(f"/propositions/{first.id}").status_code == 404


def test_bad_form_keeps_the_text_and_says_why(client, auth, scene):
    auth.login(scene["moderator"])
    c = scene["c"]
    response = client.post(
        _url(scene, "/nouvelle"),
        data={
            "ids": [str(c[0])],
            "action": "creer",
            "title": "  ",
            "text": "Mon long texte conservé",
            "theme_ids": [str(scene["process"].themes[0].id)],
            "priority": "medium",
        },
    )
    assert response.status_code == 400
    assert "Titre : ce champ est obligatoire" in response.text and "Mon long texte conservé" in response.text
    response = client.post(
        _url(scene, "/nouvelle"),
        data={
            "action": "creer",
            "title": "Titre",
            "text": "Texte",
            "theme_ids": [str(scene["process"].themes[0].id)],
            "priority": "medium",
        },
    )
    assert response.status_code == 400 and "Sélectionnez au moins une contribution." in response.text
    response = client.get(_url(scene, "/nouvelle?ids=1,abc"))
    assert response.status_code == 400 and "«\xa0abc\xa0» n&#39;est pas un numéro de contribution." in response.text
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


def test_manage_add_remove_split_merge_through_the_forms(client, auth, scene, factory):
    auth.login(scene["moderator"])
    c, moderator = scene["c"], scene["moderator"]
    proposal = proposals.create_from_contributions(
        scene["process"].id, [c[0]], "Première", "Texte", [scene["process"].themes[0].id], "low", moderator=moderator
    )
    page = client.get(_url(scene, f"/{proposal.id}"))
    assert "Ajouter des contributions" in page.text and "Aucune autre proposition" in page.text

    response = client.post(
        _url(scene, f"/{proposal.id}/ajouter"), data={"ids": f"{c[1]}, {c[2]}", "version": "1"}, follow_redirects=True
    )
    assert f"Contributions n° {c[1]} et {c[2]} ajoutées" in response.text
    stale = client.post(_url(scene, f"/{proposal.id}/ajouter"), data={"ids": "999", "version": "1"})
    assert stale.status_code == 400 and "modifiée par quelqu&#39;un d&#39;autre" in stale.text

    version = db.session.get(Proposal, proposal.id).version
    response = client.post(
        _url(scene, f"/{proposal.id}/retirer/{c[2]}"), data={"version": str(version)}, follow_redirects=True
    )
    assert f"Contribution n° {c[2]} retirée" in response.text
    db.session.expire_all()
    assert db.session.get(Contribution, c[2]).status == ContributionStatus.PUBLISHED

    response = client.post(
        _url(scene, f"/{proposal.id}/scinder"), data={"ids": [str(c[1])], "title": "", "text": "Texte du volet"}
    )
    assert response.status_code == 400 and "Titre : ce champ est obligatoire" in response.text
    assert "Texte du volet" in response.text
    response = client.post(
        _url(scene, f"/{proposal.id}/scinder"), data={"ids": [str(c[1])], "title": "Volet 2", "text": "Texte du volet"}
    )
    assert response.status_code == 302
    new = db.session.scalars(db.select(Proposal).where(Proposal.title == "Volet 2")).one()
    assert [s.id for s in proposals.sources_of(new.id)] == [c[1]]

    response = client.post(
        _url(scene, f"/{new.id}/fusionner"), data={"into_id": str(proposal.id)}, follow_redirects=True
    )
    assert f"Proposition n° {new.id} fusionnée dans la proposition n° {proposal.id}" in response.text
    assert [s.id for s in proposals.sources_of(proposal.id)] == [c[0], c[1]]
    listing = client.get(_url(scene))
    assert f"fusionnée dans la proposition n° {proposal.id}" in listing.text


def test_merge_three_undo_and_redo_from_the_journal(client, auth, scene, factory):
    """The journey of the issue, without a browser: merge three contributions, undo the merge, redo it."""
    auth.login(scene["moderator"])
    c = scene["c"]
    response = client.post(
        _url(scene, "/nouvelle"),
        data={
            "ids": [str(i) for i in c],
            "action": "creer",
            "title": "Trois en une",
            "text": "Synthèse.",
            "theme_ids": [str(scene["process"].themes[0].id)],
            "priority": "medium",
        },
    )
    assert response.status_code == 302
    journal = client.get("/moderation/journal")
    assert "Création d&#39;une proposition" in journal.text
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:create")).one()
    response = client.post(f"/moderation/journal/{entry.id}/annuler", follow_redirects=True)
    assert f"Acte n° {entry.id} annulé" in response.text
    db.session.expire_all()
    assert all(db.session.get(Contribution, i).status == ContributionStatus.PUBLISHED for i in c)
    assert "Intégrée à la proposition" not in client.get(f"/contributions/{c[0]}").text
    undo_entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "proposals:proposal:create:undo")
    ).one()
    client.post(f"/moderation/journal/{undo_entry.id}/annuler")
    db.session.expire_all()
    assert all(db.session.get(Contribution, i).status == ContributionStatus.MERGED for i in c)
    assert "Intégrée à la proposition" in client.get(f"/contributions/{c[0]}").text
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 3


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR])
def test_participants_are_refused_and_nothing_changes(client, auth, scene, factory, role):
    auth.login(factory.user(role))
    c = scene["c"]
    assert client.get(_url(scene, f"/nouvelle?ids={c[0]}")).status_code == 403
    response = client.post(
        _url(scene, "/nouvelle"),
        data={
            "ids": [str(c[0])],
            "action": "creer",
            "title": "Titre",
            "text": "Texte",
            "theme_ids": [str(scene["process"].themes[0].id)],
            "priority": "medium",
        },
    )
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


def test_moderation_home_links_to_the_proposals(client, auth, scene):
    auth.login(scene["moderator"])
    assert f'href="{_url(scene)}"' in client.get("/moderation/").text


@pytest.mark.parametrize("number", ["²", "9223372036854775808"])
def test_numbers_that_are_not_ids_are_refused_in_french(client, auth, scene, number):
    """ "²" passes str.isdigit() but not int(), and 2**63 overflows the database driver: both used to be 500s."""
    auth.login(scene["moderator"])
    process = scene["process"]
    proposal = proposals.create_from_contributions(
        process.id, [scene["c"][0]], "Titre", "Texte.", [process.themes[0].id], "medium", moderator=scene["moderator"]
    )
    response = client.post(_url(scene, f"/{proposal.id}/ajouter"), data={"ids": number})
    assert (
        response.status_code == 400 and f"«\xa0{number}\xa0» n&#39;est pas un numéro de contribution." in response.text
    )
    response = client.post(_url(scene, f"/{proposal.id}/ajouter"), data={"ids": str(scene["c"][1]), "version": number})
    assert response.status_code == 302  # an unreadable version is no version: the act is checked without it
    assert client.post(_url(scene, f"/{proposal.id}/fusionner"), data={"into_id": number}).status_code == 302
    assert db.session.get(Proposal, proposal.id).merged_into_id is None
    assert client.get(f"/propositions/{number}").status_code == 404
    assert client.get(_url(scene, f"/nouvelle?brouillon={number}")).status_code == 200
    assert [c.id for c in proposals.sources_of(proposal.id)] == [scene["c"][0], scene["c"][1]]


def test_my_contributions_says_once_which_proposal_took_mine(client, auth, factory):
    """« Intégrée à une proposition » then « Intégrée à la proposition « … » » said the same thing twice."""
    from contrib.proposals import services as proposals

    process = factory.process()
    author, moderator = factory.user(), factory.user(Role.MODERATOR)
    mine = factory.contribution(process, author_id=author.id, text="Des lots plus petits dans les marchés.")
    other = factory.contribution(process, author_id=author.id, text="Une idée restée publiée.")
    proposal = proposals.create_from_contributions(
        process.id, [mine.id], "Alléger les marchés", "Texte.", [process.themes[0].id], "high", moderator=moderator
    )
    auth.login(author)
    page = client.get("/mes-contributions").text
    row = re.search(rf'href="/contributions/{mine.id}".*?</tr>', page, re.S).group(0)
    assert "Intégrée à une proposition" not in row
    link = f'<a href="/propositions/{proposal.id}">«&nbsp;Alléger les marchés&nbsp;»</a>'
    assert f"Intégrée à la proposition {link}" in row
    assert "Statut de la proposition : À l&#39;étude" in row
    untouched = re.search(rf'href="/contributions/{other.id}".*?</tr>', page, re.S).group(0)
    assert "Publiée" in untouched and "Intégrée" not in untouched, "control: a published one keeps its status"
