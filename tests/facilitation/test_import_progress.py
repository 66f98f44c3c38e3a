"""Large imports run on the task queue with a progress bar; the import itself stays one transaction."""

import time

from contrib import tasks
from contrib.extensions import db
from contrib.facilitation import import_jobs, imports
from contrib.models import Contribution, ImportBatch, ImportStatus, Role
from tests.conftest import poll_with_worker


def _sheet(n_rows: int) -> bytes:
    lines = ["Thématique;Texte"] + [f"Métiers/compétences;Former les tuteurs, idée n° {i}" for i in range(n_rows)]
    return "\n".join(lines).encode()


def _scene(factory, auth, n_rows: int):
    process = factory.process(slug="pessac")
    facilitator = factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, _sheet(n_rows), "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    return process, batch, facilitator


def test_a_large_import_runs_on_the_queue_with_its_progress(app, client, factory, auth):
    app.config["IMPORT_BACKGROUND_ROWS"] = 50
    _process, batch, _ = _scene(factory, auth, 120)
    base = f"/demarches/pessac/import/{batch.id}"
    response = client.post(f"{base}/confirmer", follow_redirects=True)
    assert "Import de 120 lignes lancé" in response.text
    assert "Progression de l'import" in response.text and 'http-equiv="refresh"' in response.text
    assert client.get(f"{base}/etat").get_json()["is_active"] is True
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0, "nothing written before the worker"
    again = client.post(f"{base}/confirmer", follow_redirects=True)
    assert "déjà en cours" in again.text

    state = poll_with_worker(app, client, f"{base}/etat")
    assert state["status_label"] == "Terminé" and state["progress"] == 100
    assert "120 contributions importées" in state["message"]
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 120
    assert "Terminé : 120 contributions importées" in client.get(base).text


def test_a_small_import_is_confirmed_at_once(app, client, factory, auth):
    _, batch, _ = _scene(factory, auth, 3)
    response = client.post(f"/demarches/pessac/import/{batch.id}/confirmer", follow_redirects=True)
    assert "3 contributions importées" in response.text
    assert import_jobs.import_progress(batch.id) is None


def test_progress_is_reported_after_each_chunk(app, factory):
    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, _sheet(5), "atelier.csv", actor=facilitator)
    seen = []
    imports.confirm_import(
        process.id,
        batch.id,
        actor=facilitator,
        on_progress=lambda done, total: seen.append((done, total)),
        chunk_rows=2,
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_a_silent_worker_is_reported_failed_and_nothing_is_half_written(app, client, factory, auth, monkeypatch):
    """A worker killed mid-import never commits: the batch stays a draft and the page says so."""
    app.config["IMPORT_BACKGROUND_ROWS"] = 2
    _, batch, _ = _scene(factory, auth, 5)
    client.post(f"/demarches/pessac/import/{batch.id}/confirmer")
    an_hour_later = time.time() + 3600
    monkeypatch.setattr(tasks.time, "time", lambda: an_hour_later)
    state = client.get(f"/demarches/pessac/import/{batch.id}/etat").get_json()
    assert state["is_active"] is False and "rien n'a été importé" in state["message"]
    page = client.get(f"/demarches/pessac/import/{batch.id}")
    assert "Échec" in page.text and "Relancez" in page.text
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.DRAFT
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 0
