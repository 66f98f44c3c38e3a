"""Prioritisation pages through the Flask client: support, status, ranked list, results, sessions, projector."""

from __future__ import annotations

import re

import pytest

from contrib.extensions import db
from contrib.models import Notification, Proposal, ProposalStatus, Role
from contrib.participation import supports
from contrib.prioritisation import plenary
from contrib.proposals import services as proposals

HOSTILE = 'Former & certifier "vite" en < 3 mois'


def _scene(factory):
    process = factory.process(slug="bordeaux", region="Nouvelle-Aquitaine")
    author = factory.user()
    moderator = factory.user(Role.MODERATOR)
    made = [
        proposals.create_from_contributions(
            process.id,
            [factory.contribution(process, author_id=author.id, text=f"Texte {n}").id],
            title,
            "Texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )
        for n, title in enumerate((HOSTILE, "Seconde proposition"))
    ]
    return process, author, moderator, made


def test_participant_supports_a_proposal_from_its_page(app, client, auth, factory):
    _process, _author, _moderator, (proposal, _) = _scene(factory)
    fan = factory.user()
    supports.support(proposals.sources_of(proposal.id)[0].id, user=fan)
    auth.login(fan)
    page = client.get(f"/propositions/{proposal.id}").text
    assert "Vous comptez déjà parmi les soutiens" in page and "Soutenir directement" in page
    response = client.post(f"/propositions/{proposal.id}/soutien", follow_redirects=True)
    assert "toujours compté une seule fois" in response.text
    assert "Retirer mon soutien" in response.text
    assert proposals.n_supporters(proposal.id) == 1
    response = client.post(f"/propositions/{proposal.id}/soutien", data={"retirer": "1"}, follow_redirects=True)
    assert "vous restez compté" in response.text
    assert proposals.n_supporters(proposal.id) == 1


def test_anonymous_visitor_is_invited_to_log_in(client, factory):
    _, _, _, (proposal, _) = _scene(factory)
    page = client.get(f"/propositions/{proposal.id}").text
    assert "pour soutenir cette proposition" in page
    assert client.post(f"/propositions/{proposal.id}/soutien").location.startswith("/connexion")


def test_moderator_discards_with_reason_and_the_author_sees_the_status(app, client, auth, factory):
    process, author, moderator, (proposal, _) = _scene(factory)
    auth.login(moderator)
    manage = f"/moderation/demarches/{process.slug}/propositions/{proposal.id}"
    assert "Changer le statut" in client.get(manage).text
    response = client.post(manage + "/statut", data={"status": "discarded", "reason": ""}, follow_redirects=True)
    assert "Donnez le motif public" in response.text
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.UNDER_REVIEW
    client.post(manage + "/statut", data={"status": "discarded", "reason": "Déjà couvert par la loi."})
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.DISCARDED
    client.post(manage + "/priorite", data={"priority": "high"})
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).priority.value == "high"
    auth.logout()
    auth.login(author)
    mine = client.get("/mes-contributions").text
    assert "Statut de la proposition : Écartée (Déjà couvert par la loi.)" in mine
    assert (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).where(
                Notification.user_id == author.id, Notification.kind == "proposal_status"
            )
        )
        == 1
    )


def test_ranked_list_and_results_pages_escape_titles_and_show_data_tables(app, client, factory):
    process, _, _, (_proposal, _second) = _scene(factory)
    ranked = client.get(f"/demarches/{process.slug}/propositions").text
    assert "en < 3" not in ranked and "Former &amp; certifier" in ranked and "en &lt; 3 mois" in ranked
    assert "estimation basse" in ranked and "borne basse" not in ranked and "Nouvelle-Aquitaine" in ranked
    results = client.get(f"/demarches/{process.slug}/resultats")
    assert results.status_code == 200
    html = results.text
    assert "en < 3" not in html and "en &lt; 3 mois" in html
    assert html.count("<svg") == 4 and html.count('role="img"') == 4
    assert "Contributions par thématique" in html and "<caption>Données : contributions par type</caption>" in html
    assert re.search(r"<th scope=\"row\">Évaluation/qualité</th><td[^>]*>2 contributions</td>", html)


def test_session_created_voted_projected_and_closed_over_http(app, client, auth, factory):
    process, _, moderator, made = _scene(factory)
    auth.login(moderator)
    url = f"/moderation/demarches/{process.slug}/plenieres"
    assert (
        client.post(
            url, data={"title": "Plénière", "mode": "dots", "n_points": "3", "proposal_ids": [made[0].id]}
        ).status_code
        == 400
    )
    response = client.post(
        url, data={"title": "Plénière", "mode": "dots", "n_points": "3", "proposal_ids": [p.id for p in made]}
    )
    assert response.status_code == 302
    session = plenary.sessions_of(process.id)[0]
    auth.logout()
    voter = factory.user()
    auth.login(voter)
    page = client.get(f"/plenieres/{session.id}").text
    assert "3 points" in page and f'name="points-{made[1].id}"' in page
    response = client.post(f"/plenieres/{session.id}/vote", data={f"points-{made[1].id}": "4"}, follow_redirects=True)
    assert "3 au plus" in response.text
    response = client.post(
        f"/plenieres/{session.id}/vote",
        data={f"points-{made[1].id}": "2", f"points-{made[0].id}": ""},
        follow_redirects=True,
    )
    assert "Votre vote est enregistré" in response.text
    state = client.get(f"/plenieres/{session.id}/projection.json").get_json()
    assert state["n_voters"] == 1 and state["status"] == "open"
    assert [row["proposal_id"] for row in state["ranking"]] == [made[1].id, made[0].id]
    assert state["ranking"][0]["display"] == "2 points"
    projector = client.get(f"/plenieres/{session.id}/projection").text
    assert 'http-equiv="refresh"' in projector and "projector.js" in projector
    assert f'data-revision="{state["revision"]}"' in projector and "en &lt; 3 mois" in projector
    auth.logout()
    auth.login(moderator)
    client.post(f"/plenieres/{session.id}/cloturer")
    closed = client.get(f"/plenieres/{session.id}/projection.json").get_json()
    assert closed["status"] == "closed" and closed["ranking"] == state["ranking"]
    assert 'http-equiv="refresh"' not in client.get(f"/plenieres/{session.id}/projection").text


def test_pairwise_vote_page_over_http(app, client, auth, factory):
    process, _, moderator, made = _scene(factory)
    session = plenary.create_session(process.id, "Paires", "pairwise", [p.id for p in made], moderator=moderator)
    auth.login(factory.user())
    page = client.get(f"/plenieres/{session.id}").text
    assert "Laquelle est la plus prioritaire ?" in page and "une autre paire" in page
    client.post(f"/plenieres/{session.id}/vote", data={"winner": made[1].id, "loser": made[0].id})
    assert "toutes les paires" in client.get(f"/plenieres/{session.id}").text
    state = client.get(f"/plenieres/{session.id}/projection.json").get_json()
    assert state["ranking"][0]["proposal_id"] == made[1].id and state["ranking"][0]["display"].endswith("%")


def test_unknown_session_is_404(client):
    assert client.get("/plenieres/999/projection.json").status_code == 404


def test_passing_pairs_again_and_again_keeps_offering_pairs(app, client, auth, factory):
    """ "Une autre paire" links to ?passer=1; that page links to ?passer=2 (it used to be a 500)."""
    process, _, moderator, made = _scene(factory)
    session = plenary.create_session(process.id, "Paires", "pairwise", [p.id for p in made], moderator=moderator)
    auth.login(factory.user())
    for passed in (1, 2):
        response = client.get(f"/plenieres/{session.id}?passer={passed}")
        assert response.status_code == 200 and "Laquelle est la plus prioritaire ?" in response.text
        assert f"passer={passed + 1}" in response.text
    assert client.get(f"/plenieres/{session.id}?passer=²").status_code == 200


@pytest.mark.parametrize(("page", "end"), [("propositions", "<table"), ("resultats", '<p><a href="/demarches/')])
def test_the_score_is_explained_in_short_sentences_and_the_method_is_one_tap_away(client, factory, page, end):
    """The score's explanation was one paragraph of about 80 words (« estimation basse, dont on est sûr à 95 chances
    sur 100 ») on the ranked proposals and the results: heavy for a participant. What shows is now short; the
    method is in a disclosure."""
    process, _, _, _ = _scene(factory)
    ranked = client.get(f"/demarches/{process.slug}/{page}").text
    start = ranked.index("<h1>") if page == "propositions" else ranked.index('<p id="calcul">')
    main = ranked[start : ranked.index(end, start)]
    method = re.search(r'<details class="revisions ranked-method">(.*?)</details>', main, re.S)
    assert method, "the method is in a disclosure"
    assert "95 chances sur 100" in method[1] and "Chaque personne compte une fois" in " ".join(method[1].split())
    shown = re.sub(r"<[^>]+>", " ", main.replace(method[0], ""))
    sentences = [s for s in re.split(r"(?<=[.:])\s", " ".join(shown.split())) if len(s.split()) > 2]
    assert "95 chances" not in shown and "estimation basse" not in shown
    assert max(len(s.split()) for s in sentences) <= 16, sentences
    assert "44&nbsp;%" in main and "60&nbsp;%" in main, "control: the example is still shown"
