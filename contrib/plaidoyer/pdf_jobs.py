"""The plaidoyer's PDF, made by the task queue: a large document takes tens of seconds to lay out, longer than
a web request may run (gunicorn's ``timeout``).

Asking for the PDF of the document or of a version queues a ``PlaidoyerPdf`` row; the ``plaidoyer.pdf`` task
claims it, lays the PDF out (``exports.render``) while a heartbeat keeps the row fresh, and stores the bytes,
status "done" and progress in one UPDATE: a worker killed mid-way leaves a "running" row and no file, and a
"running" row silent for ``STALE_AFTER`` is marked failed when someone looks at it. Every web host reads the
row from the shared database, so the page waiting for the file may be served by any of them.

A version never changes: its finished PDF is served again to whoever asks, without laying it out anew. The
current document changes with every act, so each request makes it afresh. Only the newest finished row of each
(plaidoyer, version) is kept: finishing one deletes the older ones.

Who: the plaidoyer is the whole staff's document (every staff member may edit and export any plaidoyer), so
any staff member may start, follow and download any of its PDFs, whoever asked first; each download is in the
audit log under the name of the person who took the file, as for the other formats.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from contrib import tasks
from contrib.core.errors import Conflict, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import PlaidoyerPdf, PlaidoyerVersion, RunStatus, User
from contrib.models.base import utcnow
from contrib.participation.exports import Export
from contrib.plaidoyer import exports
from contrib.plaidoyer.document import document
from contrib.plaidoyer.structure import get_plaidoyer, require_staff
from contrib.plaidoyer.versions import get_version, record_export, version_meta

logger = logging.getLogger(__name__)

TASK_NAME = "plaidoyer.pdf"
HEARTBEAT_EVERY_SECONDS = 20
STALE_AFTER = timedelta(minutes=5)
WAITING = tasks.WAITING_MESSAGE
STALE_MESSAGE = (
    "La préparation du PDF s'est interrompue : le calcul ne répond plus depuis plus de 5 minutes. Réessayez."
)
FAILED_MESSAGE = (
    "La mise en page du PDF a échoué à cause d'une erreur interne : aucun fichier n'a été produit. "
    "Réessayez ; si l'erreur revient, prévenez l'équipe technique."
)
QUEUE_DOWN = "La file de tâches est indisponible : le PDF n'a pas pu être préparé. Réessayez dans un instant."
NOT_READY = "Le PDF n'est pas encore prêt."
REPLACED = "Ce PDF a été remplacé par un plus récent : demandez à nouveau l'export PDF."


def _rows(plaidoyer_id: int, version_id: int | None):
    """The PDF rows of the current document (``version_id`` None) or of one version."""
    kept = PlaidoyerPdf.version_id.is_(None) if version_id is None else PlaidoyerPdf.version_id == version_id
    return db.select(PlaidoyerPdf).where(PlaidoyerPdf.plaidoyer_id == plaidoyer_id, kept)


def fail_stale(plaidoyer_id: int) -> int:
    """Mark failed the plaidoyer's "running" PDFs whose heartbeat is older than STALE_AFTER; returns how many."""
    failed = tasks.fail_stale_rows(PlaidoyerPdf, PlaidoyerPdf.plaidoyer_id == plaidoyer_id, STALE_AFTER, STALE_MESSAGE)
    if failed:
        logger.warning("marked %s stale PDF(s) of plaidoyer %s as failed", failed, plaidoyer_id)
    return failed


def request_pdf(plaidoyer_id: int, version_id: int | None, *, actor: User) -> PlaidoyerPdf:
    """The PDF of the current document (``version_id`` None) or of a version: one already being made, the
    version's finished one (never made twice), or a new one queued. Conflict when the queue is unreachable.

    Two first requests at the same instant both find nothing and both insert: the database's partial unique
    indexes (at most one waiting or running row per document and per version) let one through, and the other
    request joins the row that won."""
    require_staff(actor)
    plaidoyer = get_plaidoyer(plaidoyer_id)
    if version_id is not None:
        get_version(plaidoyer.id, version_id)
    fail_stale(plaidoyer.id)
    existing = _reusable(plaidoyer.id, version_id)
    if existing is not None:
        return existing
    try:
        with transaction():
            pdf = PlaidoyerPdf(
                plaidoyer_id=plaidoyer.id, version_id=version_id, requested_by_id=actor.id, progress_message=WAITING
            )
            db.session.add(pdf)
    except IntegrityError:
        joined = _reusable(plaidoyer.id, version_id)
        if joined is None:  # the winner finished (and a current document's PDF is not reused) or failed: retry
            return request_pdf(plaidoyer_id, version_id, actor=actor)
        logger.info("PDF request of plaidoyer %s joins PDF %s, queued at the same instant", plaidoyer.id, joined.id)
        return joined
    try:
        tasks.enqueue(TASK_NAME, pdf.id)
    except Exception as error:
        logger.exception("could not queue PDF %s", pdf.id)
        _finish_failed(pdf.id, QUEUE_DOWN)
        raise Conflict(QUEUE_DOWN) from error
    return pdf


def _reusable(plaidoyer_id: int, version_id: int | None) -> PlaidoyerPdf | None:
    """The row a request may share: one waiting or being made, or (for a version, which never changes) the
    finished one."""
    reusable = [RunStatus.QUEUED, RunStatus.RUNNING] + ([RunStatus.DONE] if version_id is not None else [])
    return db.session.scalars(
        _rows(plaidoyer_id, version_id).where(PlaidoyerPdf.status.in_(reusable)).order_by(PlaidoyerPdf.id.desc())
    ).first()


def get_pdf(plaidoyer_id: int, pdf_id: int, *, actor: User) -> PlaidoyerPdf:
    """PDF ``pdf_id`` of the plaidoyer as it stands now (a silent worker's failure noted); NotFound when it
    belongs to another plaidoyer or was replaced by a newer one."""
    require_staff(actor)
    plaidoyer = get_plaidoyer(plaidoyer_id)
    fail_stale(plaidoyer.id)
    pdf = db.session.get(PlaidoyerPdf, pdf_id, populate_existing=True)
    if pdf is None or pdf.plaidoyer_id != plaidoyer.id:
        raise NotFound(REPLACED)
    return pdf


def pdf_status(plaidoyer_id: int, pdf_id: int, *, actor: User) -> dict:
    """What the progress poller (``static/js/progress.js``) needs."""
    pdf = get_pdf(plaidoyer_id, pdf_id, actor=actor)
    return {
        "id": pdf.id,
        "status": pdf.status.value,
        "status_label": pdf.status.label,
        "progress": pdf.progress,
        "message": tasks.row_message(pdf),
        "is_active": pdf.is_active,
    }


def file_stem(plaidoyer_id: int, version: PlaidoyerVersion | None) -> str:
    return f"plaidoyer-{plaidoyer_id}" + (f"-v{version.number}" if version else "-actuel")


def download(plaidoyer_id: int, pdf_id: int, *, actor: User) -> Export:
    """The finished file, its download audited under ``actor``; Conflict while it is not made yet."""
    pdf = get_pdf(plaidoyer_id, pdf_id, actor=actor)
    if pdf.status is not RunStatus.DONE:
        raise Conflict(NOT_READY if pdf.is_active else pdf.progress_message)
    record_export(plaidoyer_id, "pdf", pdf.version, actor=actor)
    return Export(
        content=pdf.content,
        mimetype=exports.FORMATS["pdf"],
        filename=f"{file_stem(plaidoyer_id, pdf.version)}.pdf",
    )


# --- the task ----------------------------------------------------------------------------------------------


@tasks.task(TASK_NAME)
def make_pdf(pdf_id: int) -> None:
    """Lay out PDF ``pdf_id`` (queued) and store it; a failure is stored on the row in French, with no file."""
    if not _claim(pdf_id):
        logger.info("PDF %s is not queued any more; skipped", pdf_id)
        return
    try:
        pdf = db.session.get(PlaidoyerPdf, pdf_id)
        version = pdf.version
        content = version.content if version is not None else document(get_plaidoyer(pdf.plaidoyer_id))
        n_proposals = sum(len(section["proposals"]) for section in content["sections"])
        _progress(pdf_id, 20, f"Mise en page de {n_proposals} proposition{'s' if n_proposals > 1 else ''}…")
        with tasks.heartbeat(PlaidoyerPdf.__table__, pdf_id, HEARTBEAT_EVERY_SECONDS):
            export = exports.render(
                content,
                "pdf",
                meta=version_meta(version),
                base_url=current_app.config["PUBLIC_URL"],
                stem=file_stem(pdf.plaidoyer_id, version),
            )
        _store(pdf_id, export.content)
    except Exception:
        db.session.rollback()
        logger.exception("PDF %s failed", pdf_id)
        _finish_failed(pdf_id, FAILED_MESSAGE)


def _claim(pdf_id: int) -> bool:
    return tasks.claim_row(PlaidoyerPdf, pdf_id)


def _progress(pdf_id: int, percent: int, message: str) -> None:
    tasks.report_row(PlaidoyerPdf, pdf_id, percent, message)


def _size(n_bytes: int) -> str:
    if n_bytes >= 1_000_000:
        return f"{n_bytes / 1_000_000:.1f} Mo".replace(".", ",")
    return f"{max(1, round(n_bytes / 1000))} ko"


def _store(pdf_id: int, data: bytes) -> None:
    """File, status and progress in one UPDATE (nothing half-written is ever served), then the older finished
    PDFs of the same document or version deleted. A row marked failed meanwhile (stale) stays failed."""
    with transaction():
        stored = db.session.execute(
            db.update(PlaidoyerPdf)
            .where(PlaidoyerPdf.id == pdf_id, PlaidoyerPdf.status == RunStatus.RUNNING)
            .values(
                status=RunStatus.DONE,
                content=data,
                n_bytes=len(data),
                progress=100,
                progress_message=f"PDF prêt ({_size(len(data))}).",
                finished_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not stored:
            logger.warning("PDF %s was no longer running: its file is not kept", pdf_id)
            return
        pdf = db.session.get(PlaidoyerPdf, pdf_id)
        db.session.execute(
            db.delete(PlaidoyerPdf)
            .where(
                PlaidoyerPdf.plaidoyer_id == pdf.plaidoyer_id,
                PlaidoyerPdf.version_id.is_(None)
                if pdf.version_id is None
                else PlaidoyerPdf.version_id == pdf.version_id,
                PlaidoyerPdf.id < pdf_id,
                PlaidoyerPdf.status.in_([RunStatus.DONE, RunStatus.FAILED]),
            )
            .execution_options(synchronize_session=False)
        )


def _finish_failed(pdf_id: int, message: str) -> None:
    """Mark the PDF failed with a French ``message``, unless it already finished."""
    tasks.fail_row(PlaidoyerPdf, pdf_id, message, progress=0)
