"""The plaidoyer's PDF is laid out by a real task-queue worker, not in the web request: its page before and
after, the file read back with pypdf, a version's PDF made once, who may follow and download it, a failing
layout, a silent worker, and the migration of its table."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import weasyprint
from pypdf import PdfReader

from contrib import tasks
from contrib.extensions import db
from contrib.models import AuditEntry, PlaidoyerPdf, Role, RunStatus
from contrib.models.base import utcnow
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import pdf_jobs, structure
from contrib.plaidoyer import versions as plaidoyer_versions
from tests.conftest import PASSWORD, csrf_token_from, make_app, poll_with_worker


def _pdf_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/pdf/(\d+)$", response.location)[1])


def _pending(app) -> int:
    return tasks.queue(app).pending_count()


def _exports() -> list[dict]:
    return [
        entry.after for entry in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == structure.EXPORT))
    ]


def _rows() -> list[tuple[int, str, int | None]]:
    db.session.expire_all()
    return [
        (row.id, row.status.value, row.version_id)
        for row in db.session.scalars(db.select(PlaidoyerPdf).order_by(PlaidoyerPdf.id))
    ]


def test_the_current_documents_pdf_is_made_by_a_worker_then_downloaded_and_read(app, client, auth, world, document_id):
    """Is the PDF queued (not made in the request), followed on a page that works without JavaScript, and,
    once the worker made it, a real PDF of the document?"""
    auth.login(world.staff)
    base = f"/plaidoyers/{document_id}"
    pdf_id = _pdf_id(client.post(f"{base}/export.pdf"))
    assert _pending(app) == 1 and _rows() == [(pdf_id, "queued", None)]

    page = client.get(f"{base}/pdf/{pdf_id}").text
    assert "Préparation du PDF…" in page and '<meta http-equiv="refresh" content="5">' in page
    assert "Le PDF du document actuel est mis en page" in page and " de le " not in page
    assert f'href="{base}/pdf/{pdf_id}">Actualiser</a>' in page and "js/progress.js" in page
    assert "Télécharger le PDF" not in page
    early = client.get(f"{base}/pdf/{pdf_id}/fichier", follow_redirects=True)
    assert early.mimetype == "text/html" and "Le PDF n&#39;est pas encore prêt." in early.text
    assert _exports() == []  # nothing left the platform yet

    state = poll_with_worker(app, client, f"{base}/pdf/{pdf_id}/etat")
    assert (state["status"], state["progress"], state["is_active"]) == ("done", 100, False)
    assert state["message"].startswith("PDF prêt (")

    page = client.get(f"{base}/pdf/{pdf_id}").text
    assert "PDF prêt" in page and "Préparation du PDF" not in page and 'http-equiv="refresh"' not in page
    assert "Le PDF du document actuel est prêt" in page
    assert f'href="{base}/pdf/{pdf_id}/fichier" download>Télécharger le PDF</a>' in page
    response = client.get(f"{base}/pdf/{pdf_id}/fichier")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="plaidoyer-{document_id}-actuel.pdf"'
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]
    assert "Plaidoyer national 2026" in pages[0] and "Document de travail" in pages[0]
    assert all(f"Page {n} sur {len(pages)}" in text for n, text in enumerate(pages[1:], 2))
    text = "".join(pages)
    assert world.quality.title in text and world.funding.title in text
    assert _exports() == [{"format": "pdf", "version": None}]


def test_a_versions_pdf_is_made_once_and_the_current_documents_each_time(
    app, client, auth, factory, world, document_id
):
    """A version never changes: a second request, by anyone on the staff, gets the same file at once, and
    nothing is queued. The current document's PDF is made afresh, and only the newest one is kept."""
    version = plaidoyer_versions.snapshot(document_id, "Après Pessac", actor=world.staff)
    base = f"/plaidoyers/{document_id}"
    auth.login(world.staff)
    first = _pdf_id(client.post(f"{base}/versions/{version.id}/export.pdf"))
    assert _pdf_id(client.post(f"{base}/versions/{version.id}/export.pdf")) == first  # still queued: not twice
    assert _pending(app) == 1
    assert poll_with_worker(app, client, f"{base}/pdf/{first}/etat")["status"] == "done"

    auth.logout()
    auth.login(factory.user(Role.STAFF))  # a colleague asks for the same version later
    again = client.post(f"{base}/versions/{version.id}/export.pdf")
    assert _pdf_id(again) == first and _pending(app) == 0 and _rows() == [(first, "done", version.id)]
    ready = client.get(again.location).text
    assert "PDF prêt" in ready and "Le PDF de la version 1 «\xa0Après Pessac\xa0» est prêt" in ready
    response = client.get(f"{base}/pdf/{first}/fichier")
    assert response.headers["Content-Disposition"] == f'attachment; filename="plaidoyer-{document_id}-v1.pdf"'
    assert "Après Pessac" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert _exports() == [{"format": "pdf", "version": 1}]

    # The control: the current document's PDF is queued again on each request once the previous one is made.
    current = _pdf_id(client.post(f"{base}/export.pdf"))
    assert poll_with_worker(app, client, f"{base}/pdf/{current}/etat")["status"] == "done"
    newer = _pdf_id(client.post(f"{base}/export.pdf"))
    assert newer != current and _pending(app) == 1
    assert poll_with_worker(app, client, f"{base}/pdf/{newer}/etat")["status"] == "done"
    assert _rows() == [(first, "done", version.id), (newer, "done", None)]  # the older current one is gone
    replaced = client.get(f"{base}/pdf/{current}")
    assert replaced.status_code == 404 and "remplacé par un plus récent" in replaced.text


def test_only_staff_may_start_follow_or_download_a_pdf(app, client, auth, factory, world, document_id):
    base = f"/plaidoyers/{document_id}"
    auth.login(world.staff)
    pdf_id = _pdf_id(client.post(f"{base}/export.pdf"))
    poll_with_worker(app, client, f"{base}/pdf/{pdf_id}/etat")
    auth.logout()
    requests = [("POST", f"{base}/export.pdf")] + [
        ("GET", url) for url in (f"{base}/pdf/{pdf_id}", f"{base}/pdf/{pdf_id}/etat", f"{base}/pdf/{pdf_id}/fichier")
    ]
    for user in (factory.user(Role.PARTICIPANT), world.moderator, factory.user(Role.FACILITATOR)):
        auth.login(user)
        for method, url in requests:
            response = client.open(url, method=method)
            assert response.status_code == 403 and response.mimetype != "application/pdf", (user.role, url)
        auth.logout()
    assert client.get(f"{base}/pdf/{pdf_id}/fichier").status_code in (302, 401)  # not logged in: the login page
    assert len(_rows()) == 1 and _exports() == []

    other = plaidoyer_acts.create("Un autre plaidoyer", actor=world.staff).id
    auth.login(factory.user(Role.STAFF))  # another staff member: same rights as whoever asked
    assert client.get(f"/plaidoyers/{other}/pdf/{pdf_id}/fichier").status_code == 404  # not that plaidoyer's
    response = client.get(f"{base}/pdf/{pdf_id}/fichier")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert _exports() == [{"format": "pdf", "version": None}]


def test_a_failing_layout_says_so_in_french_serves_nothing_and_can_be_retried(
    app, client, auth, world, document_id, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise RuntimeError("Pango is missing")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    base = f"/plaidoyers/{document_id}"
    auth.login(world.staff)
    pdf_id = _pdf_id(client.post(f"{base}/export.pdf"))
    state = poll_with_worker(app, client, f"{base}/pdf/{pdf_id}/etat")
    assert (state["status"], state["message"]) == ("failed", pdf_jobs.FAILED_MESSAGE)

    page = client.get(f"{base}/pdf/{pdf_id}").text
    assert "Échec de la préparation du PDF" in page and "La mise en page du PDF a échoué" in page
    assert f'<form method="post" action="{base}/export.pdf">' in page and ">Réessayer</button>" in page
    assert "Télécharger le PDF" not in page
    refused = client.get(f"{base}/pdf/{pdf_id}/fichier", follow_redirects=True)
    assert refused.mimetype == "text/html" and "aucun fichier n&#39;a été produit" in refused.text
    assert db.session.scalar(db.select(PlaidoyerPdf.content).where(PlaidoyerPdf.id == pdf_id)) is None
    assert _exports() == []

    monkeypatch.undo()  # the control: once the layout works, « Réessayer » makes the file
    retried = _pdf_id(client.post(f"{base}/export.pdf"))
    assert retried != pdf_id
    assert poll_with_worker(app, client, f"{base}/pdf/{retried}/etat")["status"] == "done"
    assert client.get(f"{base}/pdf/{retried}/fichier").data.startswith(b"%PDF-")
    assert [status for _, status, _ in _rows()] == ["done"]  # the failed attempt is cleaned up with it


def test_a_link_to_the_pdf_starts_nothing_the_button_does(app, client, auth, world, document_id):
    """Queuing a layout writes a row: a GET of the PDF's address (an old link, a bookmark) only leads to the
    page with the « PDF » button, which POSTs; the control: that POST queues the job."""
    version = plaidoyer_versions.snapshot(document_id, "Après Pessac", actor=world.staff)
    base = f"/plaidoyers/{document_id}"
    auth.login(world.staff)
    for page, start in (
        (base, f"{base}/export.pdf"),
        (f"{base}/versions/{version.id}", f"{base}/versions/{version.id}/export.pdf"),
    ):
        response = client.get(start)
        assert (response.status_code, response.location) == (302, page)
        shown = client.get(page).text
        assert "Le PDF se prépare avec le bouton «\xa0PDF\xa0»" in shown
        form = re.search(rf'<form method="post" action="{re.escape(start)}">(.*?)</form>', shown, re.S)
        assert (
            form
            and 'name="csrf_token"' in form[1]
            and '<button type="submit" class="link-like">PDF</button>' in form[1]
        )
        assert f'href="{start}"' not in shown  # no link left that would only bounce back
    assert _rows() == [] and _pending(app) == 0

    current = _pdf_id(client.post(f"{base}/export.pdf"))
    of_version = _pdf_id(client.post(f"{base}/versions/{version.id}/export.pdf"))
    assert _rows() == [(current, "queued", None), (of_version, "queued", version.id)] and _pending(app) == 2


def test_starting_a_pdf_needs_the_pages_csrf_token(migrated_database, tmp_path, world, document_id):
    guarded = make_app(
        migrated_database,
        WTF_CSRF_ENABLED=True,
        TASK_QUEUE=f"sqlite:///{tmp_path / 'guarded-tasks.sqlite3'}",
        EXPORT_CACHE_DIR=str(tmp_path / "guarded-exports"),
    )
    client = guarded.test_client()
    token = csrf_token_from(client.get("/connexion").text)
    client.post("/connexion", data={"email": world.staff.email, "password": PASSWORD, "csrf_token": token})
    base = f"/plaidoyers/{document_id}"
    refused = client.post(f"{base}/export.pdf")
    assert refused.status_code == 400 and "Le formulaire a expiré" in refused.text
    assert _rows() == []

    token = csrf_token_from(client.get(base).text)  # the control: with the page's token, the job is queued
    pdf_id = _pdf_id(client.post(f"{base}/export.pdf", data={"csrf_token": token}))
    assert _rows() == [(pdf_id, "queued", None)]


def test_a_silent_worker_is_reported_and_its_late_file_never_served(client, auth, world, document_id):
    """A worker killed while laying out leaves a "running" row: after 5 minutes of silence its page says so."""
    base = f"/plaidoyers/{document_id}"
    auth.login(world.staff)
    pdf_id = _pdf_id(client.post(f"{base}/export.pdf"))
    assert pdf_jobs._claim(pdf_id)  # what the worker does first, then it dies
    assert "Préparation du PDF…" in client.get(f"{base}/pdf/{pdf_id}").text  # still beating: not failed
    db.session.execute(
        db.update(PlaidoyerPdf).where(PlaidoyerPdf.id == pdf_id).values(heartbeat_at=utcnow() - timedelta(minutes=6))
    )
    db.session.commit()
    assert pdf_jobs.STALE_MESSAGE in client.get(f"{base}/pdf/{pdf_id}").text.replace("&#39;", "'")
    pdf_jobs._store(pdf_id, b"%PDF-1.7 late")  # the worker comes back: nothing stored over the failure
    assert _rows() == [(pdf_id, "failed", None)]
    assert client.get(f"{base}/pdf/{pdf_id}/fichier").mimetype != "application/pdf"


def test_with_the_queue_in_immediate_mode_the_pdf_is_ready_at_once(app, client, auth, world, document_id):
    """huey's immediate mode runs the task as it is queued, in the request: the same pages still work."""
    app.extensions["tasks"].huey.immediate = True
    auth.login(world.staff)
    response = client.post(f"/plaidoyers/{document_id}/export.pdf", follow_redirects=True)
    assert "PDF prêt" in response.text and "Télécharger le PDF" in response.text
    pdf_id = _rows()[0][0]
    assert client.get(f"/plaidoyers/{document_id}/pdf/{pdf_id}/fichier").data.startswith(b"%PDF-")


def test_the_other_formats_are_still_downloaded_in_the_request(app, client, auth, world, document_id):
    auth.login(world.staff)
    for file_format in ("html", "docx", "md", "csv", "json"):
        response = client.get(f"/plaidoyers/{document_id}/export.{file_format}")
        assert response.status_code == 200, file_format
        assert response.headers["Content-Disposition"].endswith(f'-actuel.{file_format}"')
    assert _rows() == [] and _pending(app) == 0


def test_the_migration_creates_and_drops_the_pdf_table(app, world, document_id):
    from flask_migrate import downgrade, upgrade

    db.session.commit()
    downgrade(revision="0025_search50_sort_indexes")
    assert "plaidoyer_pdfs" not in db.inspect(db.engine).get_table_names()
    upgrade()
    assert "plaidoyer_pdfs" in db.inspect(db.engine).get_table_names()
    db.session.add(PlaidoyerPdf(plaidoyer_id=document_id, progress_message="", status=RunStatus.DONE, content=b"x"))
    db.session.commit()
    assert _rows()[0][1] == "done"
