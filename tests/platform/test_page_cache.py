"""The anonymous page cache: a cached page is served again until any write, from any session; logged-in
pages and pages with flashed messages are never kept."""

from __future__ import annotations

import sqlalchemy as sa

from contrib.extensions import db
from contrib.models import Contribution, Role
from tests.conftest import AuthActions, make_app

ORIGINAL = "Ouvrir les plateaux techniques des CFA le samedi matin."
CHANGED_BEHIND_ITS_BACK = "Texte changé en base sans passer par le code."


def _change_behind_the_apps_back(contribution_id: int) -> None:
    """Update a row on a connection of its own, as no code of the app does: the generation does not move."""
    db.session.commit()
    with db.engine.begin() as connection:
        table = Contribution.__table__
        connection.execute(sa.update(table).where(table.c.id == contribution_id).values(text=CHANGED_BEHIND_ITS_BACK))


def test_an_anonymous_page_is_served_from_the_cache_until_the_next_write(app, factory):
    process = factory.process(slug="cache")
    idea = factory.contribution(process, text=ORIGINAL)
    participant, moderator = factory.user(), factory.user(Role.MODERATOR)
    reader = app.test_client()
    first = reader.get("/demarches/cache")
    assert ORIGINAL in first.text

    _change_behind_the_apps_back(idea.id)
    again = reader.get("/demarches/cache")
    assert again.data == first.data, "served from the cache: the change made behind the app's back is not seen"
    assert reader.get("/demarches/cache?type=idea").text.count(CHANGED_BEHIND_ITS_BACK) == 1, "keyed by query"

    member = app.test_client()
    AuthActions(member).login(participant)
    assert CHANGED_BEHIND_ITS_BACK in member.get("/demarches/cache").text, "a logged-in page is rendered each time"
    assert "Se déconnecter" not in reader.get("/demarches/cache").text, "nor kept for anonymous readers"

    posted = "Une idée toute neuve publiée pendant que le public lit la page."
    response = member.post(
        "/demarches/cache/contribuer",
        data={"theme_id": str(process.themes[0].id), "kind": "idea", "similar_checked": "1", "text": posted},
    )
    assert response.status_code == 302, response.text
    page = reader.get("/demarches/cache").text
    assert posted in page and CHANGED_BEHIND_ITS_BACK in page, "the post made every cached page out of date"

    moderating = app.test_client()
    AuthActions(moderating).login(moderator)
    hidden = moderating.post(f"/moderation/contributions/{idea.id}/masquer", data={"reason": "Hors sujet"})
    assert hidden.status_code == 302, hidden.text
    assert CHANGED_BEHIND_ITS_BACK not in reader.get("/demarches/cache").text, "hidden at once for readers"


def test_without_the_cache_the_change_shows_at_once(app, factory):
    """Control for the test above: what the cache held back is what an uncached page shows."""
    config = app.config
    uncached = make_app(config["SQLALCHEMY_DATABASE_URI"], PAGE_CACHE_SECONDS=0, TASK_QUEUE=config["TASK_QUEUE"])
    process = factory.process(slug="sans-cache")
    idea = factory.contribution(process, text=ORIGINAL)
    reader = uncached.test_client()
    assert ORIGINAL in reader.get("/demarches/sans-cache").text
    _change_behind_the_apps_back(idea.id)
    assert CHANGED_BEHIND_ITS_BACK in reader.get("/demarches/sans-cache").text


def test_a_page_with_a_flashed_message_is_not_kept(app, factory):
    participant = factory.user()
    visitor = app.test_client()
    AuthActions(visitor).login(participant)
    farewell = visitor.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté·e." in farewell.text
    assert "Vous êtes déconnecté·e." not in visitor.get("/").text
    assert "Vous êtes déconnecté·e." not in app.test_client().get("/").text
