"""Two hosts, one platform: two gunicorn instances (gunicorn.conf.py) and two queue workers on one PostgreSQL
and one Redis, driven over real HTTP. What one host or worker does, the other sees (a clustering run, a text
posted, a plaidoyer's PDF); killing one loses nothing."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from pypdf import PdfReader

from contrib.extensions import db
from contrib.facilitation.bulk import BulkRow, load_rows
from contrib.models import Cluster, ClusteringRun, Contribution, PlaidoyerPdf, Role, RunStatus
from contrib.models.base import utcnow
from contrib.plaidoyer import acts as plaidoyer_acts
from tests.conftest import PASSWORD, Factory, make_app, unavailable
from tests.platform.test_faults_killed_worker import _texts
from tests.platform.test_faults_killed_worker import _wait_until as wait_until
from tools.hosts import Platform, kill
from tools.pgserver import PostgresServer, PostgresUnavailable, create_database, free_port

# Several hosts share a database server: the test starts its own PostgreSQL (or uses CONTRIB_TEST_PG_URL's)
# and runs once per suite, like test_faults_postgresql.py.
pytestmark = pytest.mark.nodb


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory, worker_id):
    """An app on a migrated PostgreSQL database of its own, in context; the server stopped afterwards."""
    from flask_migrate import upgrade

    server, admin_url = None, os.environ.get("CONTRIB_TEST_PG_URL")
    if not admin_url:
        try:
            server = PostgresServer().start()
        except PostgresUnavailable as error:
            unavailable(str(error))
        admin_url = server.admin_url
    queue = tmp_path_factory.mktemp("queue") / "q"
    app = make_app(create_database(admin_url, f"contrib_two_hosts_{worker_id}"), TASK_QUEUE=f"sqlite:///{queue}")
    try:
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(scope="module")
def platform(pg_app, redis_server, tmp_path_factory):
    """One platform for the module's tests (starting it is most of their time): a process with 400
    contributions, a moderator, a participant; two hosts and two workers on PostgreSQL and Redis."""
    import redis

    with redis.Redis.from_url(redis_server.url) as connection:
        connection.flushdb()
    factory = Factory()
    process = factory.process(slug=SLUG)
    load_rows(process.id, [BulkRow(theme=process.themes[0].name, text=text) for text in _texts(400)])
    people = SimpleNamespace(moderator=factory.user(Role.MODERATOR), participant=factory.user())
    db.session.commit()
    database_url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    logs = tmp_path_factory.mktemp("workers")
    with Platform(database_url, redis_server.url, (free_port(), free_port()), log_dir=logs) as started:
        started.wait()
        yield SimpleNamespace(hosts=started, urls=started.urls, process=process, factory=factory, **vars(people))


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


def test_a_run_launched_on_a_runs_on_a_worker_and_shows_the_same_on_b(platform):
    url_a, url_b = platform.urls
    moderator = logged_in(url_a, platform.moderator.email)
    run_id = launch(moderator, url_a)
    states = wait_for_run(moderator, url_b, run_id)
    assert states[-1]["status"] == "done", states[-1]
    assert any(state["status"] == "running" and 0 < state["progress"] < 100 for state in states), states
    moderator.get(f"{url_a}{CLUSTERING}/{run_id}")  # shows (and so removes) the flashed messages
    page_a, page_b = (moderator.get(f"{url}{CLUSTERING}/{run_id}") for url in (url_a, url_b))
    assert page_a.status_code == page_b.status_code == 200
    assert without_tokens(page_a.text) == without_tokens(page_b.text)
    assert len(set(re.findall(rf"{CLUSTERING}/{run_id}/groupes/(\w+)", page_a.text))) >= 2


def test_a_text_posted_on_b_is_suggested_on_a_at_once_and_hidden_everywhere(platform):
    url_a, url_b = platform.urls
    participant = logged_in(url_a, platform.participant.email)
    reader = httpx.Client(timeout=60)
    for _ in range(4):  # both of A's workers build their index (and cache the page) before B's post
        assert POSTED not in suggestions(participant, url_a)
        assert POSTED not in reader.get(f"{url_a}/demarches/{SLUG}").text
    form = participant.get(f"{url_b}/demarches/{SLUG}/contribuer").text
    theme_id = str(platform.process.themes[0].id)
    data = {"csrf_token": csrf(form), "theme_id": theme_id, "kind": "idea", "text": POSTED}
    response = participant.post(f"{url_b}/demarches/{SLUG}/contribuer", data={**data, "similar_checked": "1"})
    assert response.status_code == 302, response.text
    for _ in range(4):
        assert suggestions(participant, url_a)[0] == POSTED
        assert POSTED in reader.get(f"{url_a}/demarches/{SLUG}").text, "A's cached anonymous page is out of date"

    # Hidden by a moderator on B: gone from A's suggestions and pages at once.
    moderator = logged_in(url_b, platform.moderator.email)
    posted_id = db.session.scalar(db.select(Contribution.id).where(Contribution.text == POSTED))
    token = csrf(moderator.get(f"{url_b}/contributions/{posted_id}").text)
    hidden = moderator.post(
        f"{url_b}/moderation/contributions/{posted_id}/masquer", data={"csrf_token": token, "reason": "Doublon"}
    )
    assert hidden.status_code == 302, hidden.text
    for _ in range(4):
        assert POSTED not in suggestions(participant, url_a)
        assert POSTED not in reader.get(f"{url_a}/demarches/{SLUG}").text


def test_a_pdf_asked_on_a_is_made_by_a_worker_and_served_by_b(platform):
    """Staff press « PDF » on host A (a POST with the page's CSRF token); a worker lays it out; host B's page
    says it is ready and B serves the very bytes the worker stored, a PDF pypdf reads."""
    url_a, url_b = platform.urls
    staff = platform.factory.user(Role.STAFF)
    document_id = plaidoyer_acts.create("Plaidoyer des deux hôtes", actor=staff).id
    db.session.commit()
    client = logged_in(url_a, staff.email)
    base = f"/plaidoyers/{document_id}"
    before = _log_sizes(platform)
    asked = client.post(f"{url_a}{base}/export.pdf", data={"csrf_token": csrf(client.get(f"{url_a}{base}").text)})
    assert asked.status_code == 303, asked.text
    pdf_id = int(re.fullmatch(rf"{base}/pdf/(\d+)", asked.headers["location"])[1])

    deadline = time.monotonic() + 120
    state = client.get(f"{url_b}{base}/pdf/{pdf_id}/etat").json()
    while state["is_active"]:
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
        state = client.get(f"{url_b}{base}/pdf/{pdf_id}/etat").json()
    assert (state["status"], state["progress"]) == ("done", 100), state
    assert _started(platform, before, "plaidoyer.pdf").count(True) == 1  # a worker made it, not a web request
    page = client.get(f"{url_b}{base}/pdf/{pdf_id}").text
    assert "PDF prêt" in page and f'href="{base}/pdf/{pdf_id}/fichier" download>Télécharger le PDF</a>' in page

    served = client.get(f"{url_b}{base}/pdf/{pdf_id}/fichier")
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    stored = db.session.scalar(db.select(PlaidoyerPdf.content).where(PlaidoyerPdf.id == pdf_id))
    assert served.content.startswith(b"%PDF-") and served.content == stored
    assert client.get(f"{url_a}{base}/pdf/{pdf_id}/fichier").content == stored  # and A the same
    assert "Plaidoyer des deux hôtes" in PdfReader(io.BytesIO(served.content)).pages[0].extract_text()


def test_the_login_failure_limit_counts_on_both_hosts_together(platform):
    url_a, url_b = platform.urls
    target = platform.factory.user()
    guesser = httpx.Client(timeout=60)
    wrong = {"csrf_token": csrf(guesser.get(f"{url_a}/connexion").text), "email": target.email, "password": "faux"}
    assert [guesser.post(f"{url_a}/connexion", data=wrong).status_code for _ in range(10)] == [400] * 10
    locked = guesser.post(f"{url_b}/connexion", data=wrong)
    assert locked.status_code == 429 and "Trop de tentatives de connexion manquées" in locked.text


def _log_sizes(platform) -> list[int]:
    return [log.stat().st_size for log in platform.hosts.worker_logs]


def _started(platform, since: list[int], task: str) -> list[bool]:
    """Whether each worker started ``task`` since the log sizes ``since`` (huey logs "Executing <task>")."""
    started = []
    for log, offset in zip(platform.hosts.worker_logs, since):
        with open(log, "rb") as handle:
            handle.seek(offset)
            started.append(f"Executing contrib.tasks.{task}".encode() in handle.read())
    return started


def test_a_worker_killed_mid_run_leaves_nothing_half_done_and_the_other_runs_it_again(platform):
    """SIGKILL to the worker computing a run: the run is reported failed once its heartbeat is stale
    (the clock moved on five minutes: the heartbeat is aged in the database), nothing of it is
    stored, and a relaunch on host B is run to the end by the other worker."""
    url_a, url_b = platform.urls
    load_rows(platform.process.id, [BulkRow(theme="Formation", text=text) for text in _texts(2000)[400:]])
    moderator = logged_in(url_a, platform.moderator.email)
    before = _log_sizes(platform)
    run_id = launch(moderator, url_a)

    def computing():  # progress 25 is written just before the computation
        db.session.expire_all()
        run = db.session.get(ClusteringRun, run_id)
        return run.status == RunStatus.RUNNING and run.progress >= 25

    wait_until(computing, "the run to be computing")
    started = _started(platform, before, "clustering.run")
    assert started.count(True) == 1, started
    busy = started.index(True)
    kill(platform.hosts.workers[busy])
    assert moderator.get(f"{url_b}{CLUSTERING}/{run_id}/etat").json()["status"] == "running", "killed mid-run"
    assert db.session.scalar(db.select(db.func.count(Cluster.id)).where(Cluster.run_id == run_id)) == 0

    db.session.execute(
        db.update(ClusteringRun).where(ClusteringRun.id == run_id).values(heartbeat_at=utcnow() - timedelta(minutes=6))
    )
    db.session.commit()
    state = moderator.get(f"{url_b}{CLUSTERING}/{run_id}/etat").json()
    assert state["status"] == "failed" and "Relancez-le" in state["message"], state
    before = _log_sizes(platform)
    second = launch(moderator, url_b)
    assert wait_for_run(moderator, url_a, second)[-1]["status"] == "done"
    assert _started(platform, before, "clustering.run")[1 - busy], "the other worker ran it"
    db.session.expire_all()
    assert db.session.get(ClusteringRun, run_id).status == RunStatus.FAILED
    assert db.session.scalar(db.select(db.func.count(Cluster.id)).where(Cluster.run_id == run_id)) == 0


def test_a_host_down_the_other_serves_the_same_sessions(platform):
    url_a, url_b = platform.urls
    moderator = logged_in(url_a, platform.moderator.email)
    reader = httpx.Client(timeout=60)
    kill(platform.hosts.webs[0])
    with pytest.raises((httpx.ConnectError, httpx.ReadError)):  # refused, or reset by a dying gunicorn worker
        reader.get(f"{url_a}/demarches/{SLUG}")
    assert reader.get(f"{url_b}/demarches/{SLUG}").status_code == 200
    run_id = launch(moderator, url_b)  # the session cookie of host A, accepted by host B
    assert wait_for_run(moderator, url_b, run_id)[-1]["status"] == "done"
