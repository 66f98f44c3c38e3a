"""The production server configuration (gunicorn.conf.py: app preloaded and warmed up in the master,
connections dropped after each fork) serves a participant's journey over real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from contrib.extensions import db
from contrib.facilitation.bulk import BulkRow, load_rows
from contrib.models import Contribution
from contrib.participation import similar
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TUTORING_IDEA = "Former les tuteurs en entreprise avant l'arrivée des apprentis, avec un temps dédié."


@pytest.fixture
def gunicorn_url_large(app, factory, migrated_database, tmp_path):
    """gunicorn started over a process large enough for its index to be built in the background."""
    process = factory.process(slug="grande-consultation")
    participant = factory.user().email
    themes = [theme.name for theme in process.themes]
    rows = [
        BulkRow(
            theme=themes[i % len(themes)],
            text=f"Proposition {i} : mieux financer la formation {i % 13} des publics {i % 17} en région {i % 11}.",
        )
        for i in range(similar.ALWAYS_REFIT_BELOW)
    ]
    ideas = [TUTORING_IDEA, "Un temps dédié pour former les tuteurs en entreprise qui accueillent des apprentis."]
    load_rows(process.id, rows + [BulkRow(theme=themes[0], text=text) for text in ideas])
    with _gunicorn(migrated_database, tmp_path) as url:
        yield url, participant


@contextmanager
def _gunicorn(migrated_database, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "CONTRIB_DATABASE_URL": migrated_database,
        "CONTRIB_SECRET_KEY": "gunicorn-test",
        "CONTRIB_RATELIMIT_ENABLED": "false",
        "CONTRIB_TASK_QUEUE": f"sqlite:///{tmp_path / 'tasks.sqlite3'}",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/sante", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (
                server.stdout.read() if server.poll() else "slow"
            )
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_preloaded_workers_answer_suggestions_at_once_and_serve_a_participants_journey(
    app, factory, gunicorn_url_large
):
    """One server (starting gunicorn costs seconds): the master built the large process's index before
    forking, so no worker starts without it; then a participant posts and concurrent readers, landing on
    both forked workers with their own database connections, see the new contribution."""
    url, participant = gunicorn_url_large
    with httpx.Client(base_url=url, timeout=20) as browser:
        login = browser.get("/connexion")
        assert (
            browser.post(
                "/connexion",
                data={"csrf_token": CSRF.search(login.text).group(1), "email": participant, "password": PASSWORD},
            ).status_code
            == 302
        )
        cookies = dict(browser.cookies)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: httpx.get(
                    f"{url}/demarches/grande-consultation/similaires",
                    params={"texte": TUTORING_IDEA},
                    cookies=cookies,
                    timeout=20,
                ),
                range(8),
            )
        )
    assert [answer.status_code for answer in answers] == [200] * 8
    assert all(answer.json()["results"][0]["excerpt"] == TUTORING_IDEA for answer in answers)
    _participants_journey(factory, url)


def _participants_journey(factory, gunicorn_url: str) -> None:
    process = factory.process(slug="rencontre-lyon")
    participant = factory.user()
    factory.contribution(process, text="Former les tuteurs en entreprise avant l'arrivée des apprentis.")

    with httpx.Client(base_url=gunicorn_url, timeout=20) as browser:
        login = browser.get("/connexion")
        response = browser.post(
            "/connexion",
            data={"csrf_token": CSRF.search(login.text).group(1), "email": participant.email, "password": PASSWORD},
        )
        assert response.status_code == 302
        form = browser.get("/demarches/rencontre-lyon/contribuer")
        response = browser.post(
            "/demarches/rencontre-lyon/contribuer",
            data={
                "csrf_token": CSRF.search(form.text).group(1),
                "theme_id": str(process.themes[0].id),
                "kind": "idea",
                "similar_checked": "1",
                "text": "Ouvrir les plateaux techniques des CFA aux salariés le samedi.",
            },
        )
        assert response.status_code == 302, response.text
        # Concurrent readers land on both forked workers; each opened its own database connections.
        with ThreadPoolExecutor(max_workers=6) as pool:
            pages = list(
                pool.map(lambda _: httpx.get(f"{gunicorn_url}/demarches/rencontre-lyon", timeout=20), range(12))
            )

    assert [page.status_code for page in pages] == [200] * 12
    assert all("plateaux techniques des CFA" in page.text and "tuteurs en entreprise" in page.text for page in pages)
    db.session.expire_all()
    posted = db.session.scalars(db.select(Contribution).filter_by(author_id=participant.id)).all()
    assert [c.text for c in posted] == ["Ouvrir les plateaux techniques des CFA aux salariés le samedi."]


def test_the_worker_timeout_is_explicit_and_configurable(monkeypatch):
    """gunicorn reads 60 s (its own default is 30 s, which a large request on a loaded host could reach), or
    CONTRIB_WEB_TIMEOUT, from gunicorn.conf.py, through its own configuration loader."""
    from gunicorn.config import Config

    def loaded_timeout() -> int:
        config = Config()
        namespace: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
        config.set("timeout", namespace["timeout"])
        return config.timeout

    assert Config().timeout == 30  # the control: what gunicorn would use without our setting
    monkeypatch.delenv("CONTRIB_WEB_TIMEOUT", raising=False)
    assert loaded_timeout() == 60
    monkeypatch.setenv("CONTRIB_WEB_TIMEOUT", "90")
    assert loaded_timeout() == 90
