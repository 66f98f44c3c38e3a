"""PostgreSQL stopped under load: reads and form posts during the outage get the French 503 page,
nothing is half-written, and the same app recovers once the server is back."""

import threading
import time

import pytest

from contrib.accounts import registration
from contrib.extensions import db
from contrib.models import Contribution, Role
from contrib.processes.services import ProcessData, create_process
from tests.conftest import PASSWORD, make_app, unavailable

pytestmark = pytest.mark.nodb  # it starts its own server: run it once, not once per database pass

UNAVAILABLE = "La base de données est momentanément indisponible"


def _wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Contribution.id)))


def _assert_french_503(response) -> None:
    text = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 503, response.status_code
    assert 'lang="fr"' in text and UNAVAILABLE in text and "Rien n'a été enregistré, même en partie" in text


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_app_serves_a_french_503_during_a_postgresql_outage_and_recovers():
    from flask_migrate import upgrade

    from tools.pgserver import PostgresServer, PostgresUnavailable, create_database

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        unavailable(str(error))
    try:
        app = make_app(create_database(server.admin_url, "contrib_restart"))
        with app.app_context():
            upgrade()
            process = create_process(ProcessData(title="Rencontre de Lyon"), actor=None, slug="lyon")
            theme_id = process.themes[0].id
            registration.create_user("participante@exemple.fr", "Participante", PASSWORD, role=Role.PARTICIPANT)
            db.session.remove()
        writer = app.test_client()
        assert (
            writer.post("/connexion", data={"email": "participante@exemple.fr", "password": PASSWORD}).status_code
            == 302
        )
        post = {
            "theme_id": str(theme_id),
            "kind": "idea",
            "similar_checked": "1",
            "text": "Former les tuteurs en entreprise avant l'arrivée des apprentis.",
        }

        statuses: list[int] = []
        stop = threading.Event()

        def reader():
            client = app.test_client()
            while not stop.is_set():
                statuses.append(client.get("/demarches/lyon").status_code)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        _wait_until(lambda: len(statuses) >= 5)
        assert set(statuses) == {200}, "healthy before the outage"

        server.pause()
        _assert_french_503(app.test_client().get("/demarches/lyon"))
        _assert_french_503(writer.post("/demarches/lyon/contribuer", data=post))
        served = len(statuses)
        _wait_until(lambda: 503 in statuses[served:])

        server.resume()
        _wait_until(lambda: 200 in statuses[served:] and statuses[-1] == 200)
        stop.set()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 503}, f"unexpected statuses: {sorted(set(statuses))}"
        assert _count(app) == 0, "the post made during the outage wrote nothing"
        response = writer.post("/demarches/lyon/contribuer", data=post)
        assert response.status_code == 302, response.status_code
        assert "Merci\u00a0! Votre contribution est publiée." in writer.get(response.location).text
        assert _count(app) == 1, "the same app, the same session, writes again"
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()
