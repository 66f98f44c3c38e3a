"""A real worker process (``flask worker``) killed with SIGKILL in the middle of a job: nothing is
half-written, the job is reported failed in French once its heartbeat is stale, and a new worker
(a consumer in this process) does the job again in full."""

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

from contrib import tasks
from contrib.clustering import runs
from contrib.extensions import db
from contrib.facilitation import import_jobs, imports
from contrib.facilitation.bulk import BulkRow, load_rows
from contrib.models import (
    Cluster,
    ClusteringRun,
    ClusterMembership,
    Contribution,
    ImportBatch,
    ImportStatus,
    Role,
    RunStatus,
)
from tests.clustering.clustering_data import TOPICS
from tests.conftest import ROOT, poll_with_worker

STALE_SECONDS = 3  # instead of minutes, set in this (reading) process only: the worker is dead by then


@contextmanager
def worker_process(app):
    """``flask worker`` in its own process, on the test's database and task queue."""
    env = {
        **os.environ,
        "CONTRIB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CONTRIB_TASK_QUEUE": app.config["TASK_QUEUE"],
        "CONTRIB_SECRET_KEY": app.config["SECRET_KEY"],
        "CONTRIB_IMPORT_CHUNK_ROWS": str(app.config["IMPORT_CHUNK_ROWS"]),
    }
    db.session.commit()  # this process holds no SQLite lock while the worker writes
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _wait_until(condition, what: str, timeout: float = 60, pause: float = 0.05):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(pause)
    return value


def _kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def _texts(n: int) -> list[str]:
    words = [word for texts in TOPICS.values() for text in texts for word in text.split()]
    rng = random.Random(0)
    return [" ".join(rng.choice(words) for _ in range(14)) for _ in range(n)]


def _run(run_id: int) -> ClusteringRun:
    db.session.expire_all()
    return db.session.get(ClusteringRun, run_id)


def test_worker_killed_during_a_clustering_run(app, client, auth, factory, monkeypatch):
    process = factory.process(slug="pessac")
    load_rows(process.id, [BulkRow(theme="Formation", text=text) for text in _texts(3000)])  # seconds of work
    auth.login(factory.user(Role.MODERATOR))
    base = "/moderation/demarches/pessac/regroupements"
    assert client.post(f"{base}/lancer", data={}).status_code == 302
    run_id = db.session.scalar(db.select(db.func.max(ClusteringRun.id)))

    with worker_process(app) as worker:
        # Progress 25 is written just before the computation: the worker is in the middle of it.
        _wait_until(lambda: _run(run_id).progress >= 25, "the computation to start")
        _kill(worker)
    run = _run(run_id)
    assert run.status == RunStatus.RUNNING, "killed before the end of the run"
    assert db.session.scalar(db.select(db.func.count(Cluster.id))) == 0, "no cluster half-written"
    assert db.session.scalar(db.select(db.func.count(ClusterMembership.run_id))) == 0

    monkeypatch.setattr(runs, "STALE_AFTER", timedelta(seconds=STALE_SECONDS))
    time.sleep(STALE_SECONDS + 0.5)
    state = client.get(f"{base}/{run_id}/etat").get_json()
    assert state["status"] == "failed" and state["is_active"] is False
    assert "Le regroupement s'est interrompu" in state["message"] and "Relancez-le" in state["message"]
    assert "Le regroupement s&#39;est interrompu" in client.get(f"{base}/").text

    monkeypatch.undo()  # a live worker's heartbeat is slower than the shortened limit
    assert client.post(f"{base}/lancer", data={"n_clusters": "4"}).status_code == 302
    new_id = db.session.scalar(db.select(db.func.max(ClusteringRun.id)))
    assert new_id != run_id
    assert poll_with_worker(app, client, f"{base}/{new_id}/etat")["status"] == "done", "a new worker runs it all"
    clustered = db.session.scalar(
        db.select(db.func.count(ClusterMembership.run_id)).where(ClusterMembership.run_id == new_id)
    )
    assert clustered > 0 and db.session.scalar(db.select(db.func.count(ClusterMembership.run_id))) == clustered
    assert _run(run_id).status == RunStatus.FAILED, "the killed run stays failed, with nothing stored"


def _sheet(n_rows: int) -> bytes:
    texts = _texts(n_rows)
    lines = ["Thématique;Texte"] + [f"Métiers/compétences;{text} (ligne {i})" for i, text in enumerate(texts)]
    return "\n".join(lines).encode()


def test_worker_killed_during_a_large_import(app, client, auth, factory, monkeypatch):
    app.config["IMPORT_BACKGROUND_ROWS"] = 100
    # Two hundred progress steps: a quiet machine wrote about 1,000 rows between two polls of the state page, so
    # a sheet of 1,000 rows could be written whole between two polls (the test then waited in vain); and a busy
    # CI machine once let a 5,000-row sheet be written whole before the test's next look.
    app.config["IMPORT_CHUNK_ROWS"] = 50
    process = factory.process(slug="pessac")
    facilitator = factory.user(Role.FACILITATOR)
    n_rows = 200 * app.config["IMPORT_CHUNK_ROWS"]
    batch = imports.start_import(process.id, _sheet(n_rows), "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    base = f"/demarches/pessac/import/{batch.id}"
    assert f"Import de {n_rows} lignes lancé" in client.post(f"{base}/confirmer", follow_redirects=True).text

    with worker_process(app) as worker:
        # After the first chunk, and before the last: rows are being written in the open transaction. The
        # progress is read where the worker stores it (a read of the queue's file) rather than through the state
        # page, whose request costs milliseconds: the page is checked below.
        key = import_jobs._key(batch.id)
        progress = _wait_until(lambda: (tasks.get_state(key) or {}).get("progress"), "the first chunk", pause=0.002)
        _kill(worker)
        assert progress < 100, "the import ended before the worker could be killed"
    db.session.expire_all()
    assert client.get(f"{base}/etat").get_json()["is_active"] is True, "killed before the end of the import"
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0, "no row of the import is visible"
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.DRAFT

    monkeypatch.setattr(import_jobs, "STALE_SECONDS", STALE_SECONDS)
    time.sleep(STALE_SECONDS + 0.5)
    state = client.get(f"{base}/etat").get_json()
    assert state["is_active"] is False and state["status_label"] == "Échec"
    assert state["message"] == "L'import s'est interrompu : rien n'a été importé. Relancez-le."
    assert "Relancez-le" in client.get(base).text

    monkeypatch.undo()  # a new worker may take longer than the shortened limit to start
    assert "lancé" in client.post(f"{base}/confirmer", follow_redirects=True).text
    state = poll_with_worker(app, client, f"{base}/etat")
    assert state["status_label"] == "Terminé" and f"{n_rows} contributions importées" in state["message"]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == n_rows
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED
