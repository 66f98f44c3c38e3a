"""Supports, similar contributions before posting, facilitator entry."""

import pytest

from contrib.core.errors import NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, ContributionSource, Role, Support
from contrib.models.base import utcnow
from contrib.participation import similar, supports

FUNDING_IDEA = "Simplifier les appels d'offres régionaux pour que les petits organismes de formation puissent répondre."


class TestSupports:
    def test_support_once_and_withdraw(self, factory, app):
        process = factory.process()
        contribution = factory.contribution(process)
        user = factory.user()
        assert supports.support(contribution.id, user=user) is True
        assert supports.support(contribution.id, user=user) is False
        db.session.refresh(contribution)
        assert contribution.n_supports == 1
        assert supports.withdraw(contribution.id, user=user) is True
        assert supports.withdraw(contribution.id, user=user) is False
        db.session.refresh(contribution)
        assert contribution.n_supports == 0
        assert db.session.execute(db.select(Support)).first() is None
        assert [a for (a,) in db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id))] == [
            "supports:support:create",
            "supports:support:withdraw",
        ]

    def test_counts_add_up_over_people(self, factory, app):
        process = factory.process()
        contribution = factory.contribution(process)
        for _ in range(4):
            supports.support(contribution.id, user=factory.user())
        db.session.refresh(contribution)
        assert (
            contribution.n_supports
            == 4
            == db.session.execute(
                db.select(db.func.count(Support.id)).filter_by(contribution_id=contribution.id)
            ).scalar()
        )

    def test_refusals(self, factory, app):
        process, closed = factory.process(), factory.process(is_open=False)
        author = factory.user()
        own = factory.contribution(process, author_id=author.id)
        hidden = factory.contribution(process, hidden_at=utcnow())
        in_closed = factory.contribution(closed)
        with pytest.raises(NotAllowed, match="propre contribution"):
            supports.support(own.id, user=author)
        with pytest.raises(NotFound):
            supports.support(hidden.id, user=author)
        with pytest.raises(NotAllowed, match="close"):
            supports.support(in_closed.id, user=author)
        assert db.session.execute(db.select(Support)).first() is None

    def test_support_through_the_pages(self, client, factory, auth):
        process = factory.process()
        contribution = factory.contribution(process, text="Former les formateurs à l'IA.")
        user = factory.user()
        auth.login(user)
        html = client.get(f"/demarches/{process.slug}").text
        assert "Soutenir" in html and "0 soutien" in html
        response = client.post(f"/contributions/{contribution.id}/soutien", data={"next": f"/demarches/{process.slug}"})
        assert response.location == f"/demarches/{process.slug}"
        html = client.get(f"/demarches/{process.slug}").text
        assert "Retirer mon soutien" in html and "1 soutien" in html
        assert "Former les formateurs" in client.get("/mes-contributions").text
        client.post(f"/contributions/{contribution.id}/soutien", data={"retirer": "1"})
        assert "0 soutien" in client.get(f"/contributions/{contribution.id}").text

    def test_support_refusal_is_a_french_message(self, client, factory, auth):
        process = factory.process()
        author = factory.user()
        own = factory.contribution(process, author_id=author.id)
        auth.login(author)
        response = client.post(f"/contributions/{own.id}/soutien", follow_redirects=True)
        assert "Vous ne pouvez pas soutenir votre propre contribution" in response.text

    def test_support_next_cannot_leave_the_site(self, client, factory, auth):
        process = factory.process()
        contribution = factory.contribution(process)
        auth.login(factory.user())
        response = client.post(f"/contributions/{contribution.id}/soutien", data={"next": "https://evil.example/"})
        assert response.location == "/"


class TestSimilar:
    def test_finds_the_same_idea_across_themes_and_skips_hidden(self, factory, app):
        process = factory.process()
        same = factory.contribution(process, theme_id=process.themes[4].id, text=FUNDING_IDEA)
        factory.contribution(process, theme_id=process.themes[1].id, text=FUNDING_IDEA, hidden_at=utcnow())
        factory.contribution(process, text="Les formateurs manquent de temps pour se former au numérique.")
        results = similar.find_similar(
            process.id, "simplifier les appels d'offre de la Région pour les petits organismes"
        )
        assert [c.id for c, _ in results] == [same.id]
        assert 0 < results[0][1] <= 1

    def test_new_contributions_are_found_without_rebuild(self, factory, app):
        process = factory.process()
        factory.contribution(process, text="Les formateurs manquent de temps pour se former au numérique.")
        assert similar.find_similar(process.id, FUNDING_IDEA) == []
        later = factory.contribution(process, text=FUNDING_IDEA)
        assert [c.id for c, _ in similar.find_similar(process.id, FUNDING_IDEA)] == [later.id]

    def test_other_processes_are_not_suggested(self, factory, app):
        process, other = factory.process(), factory.process()
        factory.contribution(other, text=FUNDING_IDEA)
        assert similar.find_similar(process.id, FUNDING_IDEA) == []

    def test_check_step_before_publishing(self, client, factory, auth):
        """Without JavaScript: the first "publish" shows similar ideas; the second publishes."""
        process = factory.process()
        existing = factory.contribution(process, text=FUNDING_IDEA)
        auth.login(factory.user())
        data = {
            "theme_id": str(process.themes[0].id),
            "kind": "idea",
            "text": "Simplifier les appels d'offres régionaux : "
            "les petits organismes de formation n'arrivent pas à répondre.",
        }
        first = client.post(f"/demarches/{process.slug}/contribuer", data=data)
        assert first.status_code == 200
        assert "Des contributions proches existent déjà" in first.text
        assert f"/contributions/{existing.id}" in first.text
        assert 'name="similar_checked" type="hidden" value="1"' in first.text
        # Above the list, a link to the person's own text (kept, with « Publier quand même » under it).
        suggestions = first.text[first.text.index("Des contributions proches existent déjà") :]
        assert suggestions.index('<a href="#text">') < suggestions.index(f"/contributions/{existing.id}")
        assert 'id="text" name="text"' in first.text and "Publier quand même" in first.text
        assert db.session.execute(db.select(db.func.count(Contribution.id))).scalar() == 1
        second = client.post(f"/demarches/{process.slug}/contribuer", data={**data, "similar_checked": "1"})
        assert second.status_code == 302
        assert db.session.execute(db.select(db.func.count(Contribution.id))).scalar() == 2

    def test_a_missing_theme_is_said_before_the_similar_ideas(self, client, factory, auth):
        """Is a person who forgot the theme told so at once, rather than shown similar ideas, then the error?"""
        process = factory.process()
        factory.contribution(process, text=FUNDING_IDEA)
        auth.login(factory.user())
        data = {"theme_id": "0", "kind": "idea", "text": FUNDING_IDEA}
        first = client.post(f"/demarches/{process.slug}/contribuer", data=data)
        assert first.status_code == 400
        assert "Choisissez une thématique de cette démarche." in first.text
        assert "Des contributions proches existent déjà" not in first.text
        # The control: with the theme chosen, the same text shows the similar ideas.
        second = client.post(f"/demarches/{process.slug}/contribuer", data={**data, "theme_id": process.themes[0].id})
        assert "Des contributions proches existent déjà" in second.text

    def test_no_similar_publishes_at_once(self, client, factory, auth):
        process = factory.process()
        auth.login(factory.user())
        response = client.post(
            f"/demarches/{process.slug}/contribuer",
            data={"theme_id": str(process.themes[0].id), "kind": "idea", "text": FUNDING_IDEA},
        )
        assert response.status_code == 302

    def test_json_endpoint(self, client, factory, auth):
        process = factory.process()
        existing = factory.contribution(process, text=FUNDING_IDEA, title="Appels d'offres")
        auth.login(factory.user())
        data = client.get(
            f"/demarches/{process.slug}/similaires?texte=appels d'offres régionaux trop complexes"
        ).get_json()
        assert [item["id"] for item in data["results"]] == [existing.id]
        assert data["results"][0]["url"] == f"/contributions/{existing.id}"
        assert client.get(f"/demarches/{process.slug}/similaires?texte=").get_json() == {"results": []}


class TestWorkshopEntry:
    URL = "/demarches/{slug}/saisie-atelier"

    def test_facilitator_types_in_several_sheets_keeping_the_table(self, client, factory, auth):
        process = factory.process()
        facilitator = factory.user(Role.FACILITATOR)
        auth.login(facilitator)
        url = self.URL.format(slug=process.slug)
        data = {
            "table_label": "Table 3",
            "n_participants": "5",
            "actor_type": "training_org",
            "theme_id": str(process.themes[2].id),
            "kind": "diagnostic",
            "text": "Les certifications sont trop longues à obtenir.",
        }
        response = client.post(url, data=data)
        assert response.status_code == 302
        follow = client.get(response.location)
        assert "enregistrée pour Table 3" in follow.text
        assert 'value="Table 3"' in follow.text and 'value="5"' in follow.text
        assert f'<option selected value="{process.themes[2].id}">' in follow.text
        client.post(url, data={**data, "text": "Le RNCP est illisible pour les entreprises."})
        rows = db.session.execute(db.select(Contribution).order_by(Contribution.id)).scalars().all()
        assert [(c.table_label, c.n_table_participants, c.source, c.entered_by_id, c.author_id) for c in rows] == [
            ("Table 3", 5, ContributionSource.FACILITATOR, facilitator.id, None)
        ] * 2
        page = client.get(f"/contributions/{rows[0].id}").text
        assert "saisie par l&#39;animateur" in page or "saisie par l'animateur" in page

    def test_bad_entry_keeps_the_context(self, client, factory, auth):
        process = factory.process()
        auth.login(factory.user(Role.FACILITATOR))
        response = client.post(
            self.URL.format(slug=process.slug),
            data={
                "table_label": "Table 7",
                "n_participants": "0",
                "theme_id": str(process.themes[0].id),
                "kind": "idea",
                "text": "Une idée.",
            },
        )
        assert response.status_code == 400
        assert 'value="Table 7"' in response.text
        assert db.session.execute(db.select(Contribution)).first() is None

    def test_participants_cannot_enter_for_a_table(self, client, factory, auth):
        process = factory.process()
        auth.login(factory.user())
        assert client.get(self.URL.format(slug=process.slug)).status_code == 403


def test_large_process_index_builds_in_the_background(factory, app, monkeypatch):
    """Above the refit size the first query returns at once and the index arrives shortly after."""
    import time

    monkeypatch.setattr(similar, "ALWAYS_REFIT_BELOW", 3)
    process = factory.process()
    for text in (FUNDING_IDEA, "Former les formateurs au numérique.", "Des passerelles entre certifications."):
        factory.contribution(process, text=text)
    assert similar.find_similar(process.id, FUNDING_IDEA) == []
    deadline = time.monotonic() + 10
    while process.id not in similar._cache and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c.text for c, _ in similar.find_similar(process.id, FUNDING_IDEA)] == [FUNDING_IDEA]


def test_warm_up_builds_the_large_open_processes_so_the_first_query_answers(factory, app, monkeypatch):
    monkeypatch.setattr(similar, "ALWAYS_REFIT_BELOW", 3)
    texts = (FUNDING_IDEA, "Former les formateurs au numérique.", "Des passerelles entre certifications.")
    large, closed, small = factory.process(), factory.process(is_open=False), factory.process()
    for process in (large, closed):
        for text in texts:
            factory.contribution(process, text=text)
    factory.contribution(small, text=FUNDING_IDEA)

    assert similar.warm_up() == 1
    assert set(similar._cache) == {large.id}
    assert [c.text for c, _ in similar.find_similar(large.id, FUNDING_IDEA)] == [FUNDING_IDEA]
