"""The database fails under the app: a clear French page, nothing half-written, recovery without restart."""

import pytest
import sqlalchemy as sa

from contrib.extensions import db
from contrib.models import Contribution
from tests.conftest import make_app

pytestmark = pytest.mark.sqlite_only


def _post_as(app, session_cookie: str, slug: str, theme_id: int):
    client = app.test_client()
    client.set_cookie("session", session_cookie)
    return client.post(
        f"/demarches/{slug}/contribuer",
        data={
            "theme_id": theme_id,
            "kind": "idea",
            "similar_checked": "1",
            "text": "Former les tuteurs en entreprise avant l'arrivée des apprentis.",
        },
    )


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Contribution.id)))


@pytest.fixture
def scene(app, client, factory, auth):
    """A participant logged in on the healthy app; the session cookie is valid on any app with the same key."""
    process = factory.process(slug="pessac")
    factory.contribution(process)
    auth.login(factory.user())
    return {
        "cookie": client.get_cookie("session").value,
        "theme_id": process.themes[0].id,
        "path": db.engine.url.database,
    }


def test_read_only_database_gives_a_clear_page_and_writes_nothing(app, scene):
    read_only = make_app(f"sqlite:///file:{scene['path']}?mode=ro&uri=true")
    assert read_only.test_client().get("/demarches/pessac").status_code == 200, "reading still works"
    response = _post_as(read_only, scene["cookie"], "pessac", scene["theme_id"])
    assert response.status_code == 503
    assert "Rien n'a été enregistré" in response.text.replace("&#39;", "'")
    assert "votre navigateur a gardé" in response.text
    assert _count(app) == 1
    with read_only.app_context():
        db.engine.dispose()


def test_full_disk_gives_a_clear_page_and_the_app_recovers(app, scene):
    full = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    with full.app_context():
        limit = {"pages": None}

        @sa.event.listens_for(db.engine, "connect")
        def fill_the_disk(connection, _record):
            if limit["pages"] is not None:
                connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

        db.engine.dispose()
        with db.engine.connect() as connection:
            # Earlier tests leave free pages behind (tables are emptied, not dropped): reclaim them,
            # or dozens of posts fit before the disk is "full".
            connection.exec_driver_sql("VACUUM")
            current = connection.exec_driver_sql("PRAGMA page_count").scalar()
        limit["pages"] = current  # no page can be added: SQLITE_FULL on the next growth
        db.engine.dispose()
    response = _post_as(full, scene["cookie"], "pessac", scene["theme_id"])
    # A small insert may fit in a partly filled page; post until the file must grow.
    attempts = 1
    while response.status_code == 302 and attempts < 200:
        response = _post_as(full, scene["cookie"], "pessac", scene["theme_id"])
        attempts += 1
    assert response.status_code == 503, response.status_code
    stored = _count(app)
    with full.app_context():
        limit["pages"] = None
        db.engine.dispose()
    assert _post_as(full, scene["cookie"], "pessac", scene["theme_id"]).status_code == 302, (
        "recovers once space is back"
    )
    assert _count(app) == stored + 1
    with full.app_context():
        rows = db.session.scalars(db.select(Contribution)).all()
        assert all(row.search_text for row in rows), "no half-written row"
        db.engine.dispose()
