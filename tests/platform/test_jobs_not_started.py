"""A job no worker has claimed after JOB_NOT_STARTED_SECONDS (a PDF, a clustering run, an import) says in French
that processing has not started and what to do, instead of « En attente… » forever; it stays queued, and a worker
started later still picks it up. The control on each: the same job, while recent, shows its usual message."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from markupsafe import escape

from contrib import tasks
from contrib.extensions import db
from contrib.facilitation import imports
from contrib.models import ClusteringRun, Contribution, ImportBatch, ImportStatus, PlaidoyerPdf, Role
from contrib.models.base import utcnow
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from tests.clustering.clustering_data import TOPICS
from tests.conftest import poll_with_worker
from tests.plaidoyer.test_plaidoyer import World

NOT_STARTED = str(escape(tasks.NOT_STARTED_MESSAGE))


def _backdate(model, row_id: int, minutes: float) -> None:
    db.session.execute(
        db.update(model).where(model.id == row_id).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_the_default_delay_is_two_minutes(app):
    assert app.config["JOB_NOT_STARTED_SECONDS"] == 120


def test_a_pdf_no_worker_took_says_the_service_looks_stopped_then_a_worker_makes_it(app, client, auth, factory):
    world = World(factory)  # a process with retained proposals
    staff = world.staff
    document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
    placement.add_from_process(document.id, world.pessac.id, actor=staff)
    auth.login(staff)
    base = f"/plaidoyers/{document.id}"
    response = client.post(f"{base}/export.pdf")
    pdf_id = int(re.search(r"/pdf/(\d+)$", response.location)[1])

    _backdate(PlaidoyerPdf, pdf_id, 1)  # the control: recent, within the delay
    page = client.get(f"{base}/pdf/{pdf_id}").text
    assert "En attente : le calcul va commencer…" in page and NOT_STARTED not in page
    assert client.get(f"{base}/pdf/{pdf_id}/etat").get_json()["message"] != tasks.NOT_STARTED_MESSAGE

    _backdate(PlaidoyerPdf, pdf_id, 3)
    page = client.get(f"{base}/pdf/{pdf_id}").text
    assert NOT_STARTED in page and "Préparation du PDF…" in page  # still waiting, not failed
    state = client.get(f"{base}/pdf/{pdf_id}/etat").get_json()
    assert (state["status"], state["is_active"], state["message"]) == ("queued", True, tasks.NOT_STARTED_MESSAGE)

    state = poll_with_worker(app, client, f"{base}/pdf/{pdf_id}/etat")  # the worker comes back
    assert state["status"] == "done" and state["message"].startswith("PDF prêt")
    assert client.get(f"{base}/pdf/{pdf_id}/fichier").data.startswith(b"%PDF-")


def test_a_clustering_run_no_worker_took_says_so_then_a_worker_computes_it(app, client, auth, factory):
    process = factory.process(slug="pessac")
    for texts in TOPICS.values():
        for text in texts:
            factory.contribution(process, text=text)
    auth.login(factory.user(Role.MODERATOR))
    base = "/moderation/demarches/pessac/regroupements"
    assert client.post(f"{base}/lancer", data={"n_clusters": "3"}).status_code == 302
    run_id = db.session.scalar(db.select(db.func.max(ClusteringRun.id)))

    pages = (f"{base}/{run_id}", f"{base}/")  # the run's page and the list of runs
    for page in pages:  # the control: a run launched just now
        shown = client.get(page).text
        assert "En attente : le calcul va commencer…" in shown and NOT_STARTED not in shown
    _backdate(ClusteringRun, run_id, 10)
    for page in pages:
        assert NOT_STARTED in client.get(page).text
    state = client.get(f"{base}/{run_id}/etat").get_json()
    assert (state["status"], state["is_active"], state["message"]) == ("queued", True, tasks.NOT_STARTED_MESSAGE)

    state = poll_with_worker(app, client, f"{base}/{run_id}/etat")
    assert state["status"] == "done" and "3 regroupements" in state["message"], state


def test_an_import_no_worker_took_says_so_then_a_worker_imports_it(app, client, auth, factory):
    app.config["IMPORT_BACKGROUND_ROWS"] = 2
    process = factory.process(slug="pessac")
    facilitator = factory.user(Role.FACILITATOR)
    sheet = "\n".join(["Thématique;Texte"] + [f"Métiers/compétences;Former les tuteurs, idée n° {i}" for i in range(5)])
    batch = imports.start_import(process.id, sheet.encode(), "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    base = f"/demarches/pessac/import/{batch.id}"
    assert "Import de 5 lignes lancé" in client.post(f"{base}/confirmer", follow_redirects=True).text

    shown = client.get(base).text  # the control: queued just now
    assert "5 lignes à traiter." in shown and NOT_STARTED not in shown
    assert client.get(f"{base}/etat").get_json()["message"] == "5 lignes à traiter."
    key = f"imports.confirm.{batch.id}"
    tasks.put_state(key, tasks.get_state(key) | {"at": time.time() - 180})  # queued three minutes ago
    assert NOT_STARTED in client.get(base).text
    state = client.get(f"{base}/etat").get_json()
    assert (state["status_label"], state["is_active"], state["message"]) == (
        "En attente",
        True,
        tasks.NOT_STARTED_MESSAGE,
    )

    state = poll_with_worker(app, client, f"{base}/etat")
    assert state["status_label"] == "Terminé" and "5 contributions importées" in state["message"]
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == ImportStatus.CONFIRMED
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 5


def test_no_page_speaks_of_a_calculation_process():
    """« En attente d'un processus de calcul… » and « le processus de calcul ne répond plus » were a developer's
    words; the person waiting reads « En attente : le calcul va commencer… »."""
    root = Path(__file__).resolve().parents[2]
    sources = [*root.joinpath("contrib").rglob("*.py"), *root.joinpath("templates").rglob("*.html")]
    said = [str(path.relative_to(root)) for path in sources if "processus de calcul" in _said(path)]
    assert said == []
    assert tasks.WAITING_MESSAGE == "En attente : le calcul va commencer…"


def _said(path: Path) -> str:
    """What a module or template can show: its text without comments (a comment may quote the old words)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("#", "{#")))
