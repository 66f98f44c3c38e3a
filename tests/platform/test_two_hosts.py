"""Two hosts, one platform: two gunicorn instances (gunicorn.conf.py) and two queue workers on one PostgreSQL
and one Redis, driven over real HTTP. What one host or worker does, the other sees; killing one loses nothing."""

from __future__ import annotations

import os
import re
import time

import httpx
import pytest

from contrib.extensions import db
from contrib.facilitation.bulk import BulkRow, load_rows
from contrib.models import Contribution, Role
from tests.conftest import PASSWORD, Factory, make_app, unavailable
from tests.platform.test_faults_killed_worker import _texts
from tools.hosts import Platform, kill
from tools.pgserver import PostgresServer, PostgresUnavailable, create_database, free_port

# Several hosts share a database server: the test starts its own PostgreSQL (or uses CONTRIB_TEST_PG_URL's)
# and runs once per suite, like test_faults_postgresql.py.
pytestmark = pytest.mark.nodb


@pytest.fixture
def pg_app(tmp_path, worker_id):
    """An app on a migrated PostgreSQL database of its own, in context; the server stopped afterwards."""
    from flask_migrate import upgrade

    server, admin_url = None, os.environ.get("CONTRIB_TEST_PG_URL")
    if not admin_url:
        try:
            server = PostgresServer().start()
        except PostgresUnavailable as error:
            unavailable(str(error))
        admin_url = server.admin_url
    app = make_app(create_database(admin_url, f"contrib_two_hosts_{worker_id}"), TASK_QUEUE=f"sqlite:///{tmp_path}/q")
    try:
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if server is not None:
            server.stop()


CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
SLUG = "nationale"
CLUSTERING = f"/moderation/demarches/{SLUG}/regroupements"
TYPED = "Créer un fonds régional pour financer le permis de conduire des apprentis en zone rurale"
POSTED = "Un fonds régional qui finance le permis de conduire des apprentis vivant en zone rurale."


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


def logged_in(url: str, email: str) -> httpx.Client:
    """A person's browser, logged in on host ``url``; it keeps one cookie jar whichever host it asks."""
    client = httpx.Client(timeout=60)
    response = client.post(
        f"{url}/connexion",
        data={"csrf_token": csrf(client.get(f"{url}/connexion").text), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.text
    return client


def wait_for_run(client: httpx.Client, url: str, run_id: int, timeout: float = 240) -> list[dict]:
    """Poll the run's state on host ``url`` until it is no longer active; every state seen."""
    deadline = time.monotonic() + timeout
    states = [client.get(f"{url}{CLUSTERING}/{run_id}/etat").json()]
    while states[-1]["is_active"]:
        assert time.monotonic() < deadline, states[-1]
        time.sleep(0.05)
        states.append(client.get(f"{url}{CLUSTERING}/{run_id}/etat").json())
    return states


def launch(client: httpx.Client, url: str) -> int:
    token = csrf(client.get(f"{url}{CLUSTERING}/").text)
    response = client.post(f"{url}{CLUSTERING}/lancer", data={"csrf_token": token})
    assert response.status_code == 302, response.text
    return int(response.headers["location"].rstrip("/").rsplit("/", 1)[1])


def suggestions(client: httpx.Client, url: str) -> list[str]:
    answer = client.get(f"{url}/demarches/{SLUG}/similaires", params={"texte": TYPED})
    return [hit["excerpt"] for hit in answer.json()["results"]]


def without_tokens(html: str) -> str:
    return CSRF.sub("", html)


def test_two_hosts_and_two_workers_make_one_platform(pg_app, redis_url):
    factory = Factory()
    process = factory.process(slug=SLUG)
    load_rows(process.id, [BulkRow(theme=process.themes[0].name, text=text) for text in _texts(400)])
    moderator, participant, target = factory.user(Role.MODERATOR), factory.user(), factory.user()
    db.session.commit()

    database_url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    with Platform(database_url, redis_url, (free_port(), free_port())) as platform:
        platform.wait()
        url_a, url_b = platform.urls

        # A moderator launches a clustering run on A; a worker runs it; B shows its progress and its result.
        moderator = logged_in(url_a, moderator.email)
        run_id = launch(moderator, url_a)
        states = wait_for_run(moderator, url_b, run_id)
        assert states[-1]["status"] == "done", states[-1]
        assert any(state["status"] == "running" and 0 < state["progress"] < 100 for state in states), states
        moderator.get(f"{url_a}{CLUSTERING}/{run_id}")  # shows (and so removes) the flashed messages
        page_a, page_b = (moderator.get(f"{url}{CLUSTERING}/{run_id}") for url in (url_a, url_b))
        assert page_a.status_code == page_b.status_code == 200
        assert without_tokens(page_a.text) == without_tokens(page_b.text)
        assert len(set(re.findall(rf"{CLUSTERING}/{run_id}/groupes/(\w+)", page_a.text))) >= 2

        # A participant typing on A is shown, at once, a near-identical text just posted on B.
        participant = logged_in(url_a, participant.email)
        reader = httpx.Client(timeout=60)
        for _ in range(4):  # both of A's workers build their index (and cache the page) before B's post
            assert POSTED not in suggestions(participant, url_a)
            assert POSTED not in reader.get(f"{url_a}/demarches/{SLUG}").text
        form = participant.get(f"{url_b}/demarches/{SLUG}/contribuer").text
        data = {"csrf_token": csrf(form), "theme_id": str(process.themes[0].id), "kind": "idea", "text": POSTED}
        response = participant.post(f"{url_b}/demarches/{SLUG}/contribuer", data={**data, "similar_checked": "1"})
        assert response.status_code == 302, response.text
        for _ in range(4):
            assert suggestions(participant, url_a)[0] == POSTED
            assert POSTED in reader.get(f"{url_a}/demarches/{SLUG}").text, "A's cached anonymous page is out of date"

        # Hidden by a moderator on B: gone from A's suggestions and pages at once.
        posted_id = db.session.scalar(db.select(Contribution.id).where(Contribution.text == POSTED))
        token = csrf(moderator.get(f"{url_b}/contributions/{posted_id}").text)
        hidden = moderator.post(
            f"{url_b}/moderation/contributions/{posted_id}/masquer", data={"csrf_token": token, "reason": "Doublon"}
        )
        assert hidden.status_code == 302, hidden.text
        for _ in range(4):
            assert POSTED not in suggestions(participant, url_a)
            assert POSTED not in reader.get(f"{url_a}/demarches/{SLUG}").text

        # The login-failure limit counts on both hosts together (Redis).
        guesser = httpx.Client(timeout=60)
        wrong = {"csrf_token": csrf(guesser.get(f"{url_a}/connexion").text), "email": target.email, "password": "faux"}
        assert [guesser.post(f"{url_a}/connexion", data=wrong).status_code for _ in range(10)] == [400] * 10
        locked = guesser.post(f"{url_b}/connexion", data=wrong)
        assert locked.status_code == 429 and "Trop de tentatives de connexion manquées" in locked.text

        # Host A and worker 1 go down: B serves the same sessions and worker 2 runs the next run.
        kill(platform.webs[0])
        kill(platform.workers[0])
        with pytest.raises(httpx.ConnectError):
            reader.get(f"{url_a}/demarches/{SLUG}")
        second = launch(moderator, url_b)
        assert wait_for_run(moderator, url_b, second)[-1]["status"] == "done"
        assert suggestions(participant, url_b) and POSTED not in suggestions(participant, url_b)
