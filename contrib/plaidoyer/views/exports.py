"""Exports of a plaidoyer or of one of its versions: files downloaded at once, and the PDF laid out by the task
queue (its page, its state, its file)."""

from flask import Response, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from contrib.core.errors import Conflict
from contrib.core.permissions import role_required
from contrib.models import Role
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.plaidoyer import pdf_jobs
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.plaidoyer.views.blueprint import bp

PDF_BY_BUTTON = "Le PDF se prépare avec le bouton « PDF » des exports de cette page."


def _attachment(export) -> Response:
    return Response(
        export.content,
        mimetype=export.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


def _download(plaidoyer, content: dict, file_format: str, version=None) -> Response:
    export = plaidoyer_exports.render(
        content,
        file_format,
        meta=plaidoyer_versions.version_meta(version),
        base_url=current_app.config["PUBLIC_URL"],
        stem=pdf_jobs.file_stem(plaidoyer.id, version),
    )
    plaidoyer_versions.record_export(plaidoyer.id, file_format, version, actor=current_user)
    return _attachment(export)


def _start_pdf(plaidoyer_id: int, version_id: int | None, back: str):
    """The PDF is laid out by the task queue (tens of seconds for a large document): queue it, or find the one
    being made or the version's finished one, and show its page."""
    try:
        pdf = pdf_jobs.request_pdf(plaidoyer_id, version_id, actor=current_user)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(back)
    return redirect(url_for(".pdf", plaidoyer_id=plaidoyer_id, pdf_id=pdf.id), 303)


def _pdf_by_link(back: str):
    """A GET of the PDF's address (an old link, a bookmark) starts nothing: queuing a layout writes a row, so
    it is a POST; this leads to the page whose « PDF » button asks for it."""
    flash(PDF_BY_BUTTON, "info")
    return redirect(back)


@bp.get("/<int:plaidoyer_id>/export.<file_format>")
@role_required(Role.STAFF)
def export(plaidoyer_id, file_format):
    plaidoyer = documents.get(plaidoyer_id)
    if file_format == "pdf":
        return _pdf_by_link(url_for(".show", plaidoyer_id=plaidoyer.id))
    return _download(plaidoyer, documents.document(plaidoyer), file_format)


@bp.post("/<int:plaidoyer_id>/export.pdf")
@role_required(Role.STAFF)
def start_pdf(plaidoyer_id):
    plaidoyer = documents.get(plaidoyer_id)
    return _start_pdf(plaidoyer.id, None, url_for(".show", plaidoyer_id=plaidoyer.id))


@bp.get("/<int:plaidoyer_id>/versions/<int:version_id>/export.<file_format>")
@role_required(Role.STAFF)
def export_version(plaidoyer_id, version_id, file_format):
    plaidoyer = documents.get(plaidoyer_id)
    version = plaidoyer_versions.get_version(plaidoyer.id, version_id)
    if file_format == "pdf":
        return _pdf_by_link(url_for(".version", plaidoyer_id=plaidoyer.id, version_id=version.id))
    return _download(plaidoyer, version.content, file_format, version)


@bp.post("/<int:plaidoyer_id>/versions/<int:version_id>/export.pdf")
@role_required(Role.STAFF)
def start_version_pdf(plaidoyer_id, version_id):
    plaidoyer = documents.get(plaidoyer_id)
    version = plaidoyer_versions.get_version(plaidoyer.id, version_id)
    return _start_pdf(plaidoyer.id, version.id, url_for(".version", plaidoyer_id=plaidoyer.id, version_id=version.id))


@bp.get("/<int:plaidoyer_id>/pdf/<int:pdf_id>")
@role_required(Role.STAFF)
def pdf(plaidoyer_id, pdf_id):
    plaidoyer = documents.get(plaidoyer_id)
    made = pdf_jobs.get_pdf(plaidoyer.id, pdf_id, actor=current_user)
    if made.version_id is None:
        again = url_for(".start_pdf", plaidoyer_id=plaidoyer.id)
    else:
        again = url_for(".start_version_pdf", plaidoyer_id=plaidoyer.id, version_id=made.version_id)
    return render_template("plaidoyer/pdf.html", plaidoyer=plaidoyer, pdf=made, again=again)


@bp.get("/<int:plaidoyer_id>/pdf/<int:pdf_id>/etat")
@role_required(Role.STAFF)
def pdf_status(plaidoyer_id, pdf_id):
    return jsonify(pdf_jobs.pdf_status(plaidoyer_id, pdf_id, actor=current_user))


@bp.get("/<int:plaidoyer_id>/pdf/<int:pdf_id>/fichier")
@role_required(Role.STAFF)
def pdf_file(plaidoyer_id, pdf_id):
    try:
        export = pdf_jobs.download(plaidoyer_id, pdf_id, actor=current_user)
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".pdf", plaidoyer_id=plaidoyer_id, pdf_id=pdf_id))
    return _attachment(export)
