"""Import of workshop sheets (facilitators) and open-data exports (everyone)."""

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core.errors import ContribError, InvalidInput
from contrib.core.ids import parse_id, query_id
from contrib.core.permissions import role_required
from contrib.core.views import run_act
from contrib.extensions import limiter
from contrib.facilitation import import_jobs, imports, messages, sheet_template
from contrib.facilitation.columns import FIELD_LABELS, FIELDS
from contrib.facilitation.forms import ActionForm, UploadForm
from contrib.facilitation.sheets import DELIMITER_NAMES, MAX_FILE_BYTES
from contrib.models import ContributionKind, ImportStatus, Role
from contrib.participation import exports
from contrib.processes import services as processes

bp = Blueprint("facilitation", __name__)

PREVIEW_ROWS = 300
PREVIEW_THEMES = 100
BATCH_PAGE_SIZE = 100


@bp.route("/demarches/<slug>/import", methods=["GET", "POST"])
@role_required(Role.FACILITATOR)
def new_import(slug):
    process = processes.get_by_slug(slug)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = imports.start_import(
                process.id, upload.read(MAX_FILE_BYTES + 1), upload.filename or "", actor=current_user
            )
        except InvalidInput as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            return redirect(url_for(".preview", slug=slug, batch_id=batch.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "facilitation/new_import.html",
        process=process,
        form=form,
        batches=imports.list_batches(process.id, viewer=current_user),
        statuses=ImportStatus,
        action_form=ActionForm(),
    ), status


def _batch(slug: str, batch_id: int):
    """The process and the batch, a 404 unless the batch is the current user's to handle (``imports.may_handle``)."""
    process = processes.get_by_slug(slug)
    return process, imports.get_batch(process.id, batch_id, actor=current_user)


@bp.get("/demarches/<slug>/import/modele.<any(csv, xlsx):file_format>")
@role_required(Role.FACILITATOR)
def template(slug, file_format):
    """A blank workshop sheet with the columns the importer recognises."""
    return _attachment(sheet_template.template(processes.get_by_slug(slug), file_format))


def _attachment(file) -> Response:
    """A generated file (``content``, ``mimetype``, ``filename``) sent as a download the browser never sniffs."""
    return Response(
        file.content,
        mimetype=file.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/demarches/<slug>/import/<int:batch_id>/contributions")
@role_required(Role.FACILITATOR)
def batch_contributions(slug, batch_id):
    """The contributions one import created: what the facilitator checks after confirming."""
    process, batch = _batch(slug, batch_id)
    page = query_id("page") or 1
    return render_template(
        "facilitation/batch_contributions.html",
        process=process,
        batch=batch,
        contributions=imports.batch_contributions(batch, page=page, per_page=BATCH_PAGE_SIZE),
        page=page,
        per_page=BATCH_PAGE_SIZE,
    )


@bp.get("/demarches/<slug>/import/<int:batch_id>")
@role_required(Role.FACILITATOR)
def preview(slug, batch_id):
    process, batch = _batch(slug, batch_id)
    if batch.status != ImportStatus.DRAFT:
        return render_template(
            "facilitation/batch.html",
            process=process,
            batch=batch,
            progress=import_jobs.import_progress(batch.id),
            statuses=ImportStatus,
            action_form=ActionForm(),
        )
    result = imports.preview(process.id, batch_id, actor=current_user)
    return render_template(
        "facilitation/preview.html",
        process=process,
        batch=batch,
        result=result,
        progress=import_jobs.import_progress(batch.id),
        shown=result.rows_to_show(PREVIEW_ROWS),
        themes=result.themes_to_show(PREVIEW_THEMES),
        fields=FIELDS,
        labels=FIELD_LABELS,
        delimiter_names=DELIMITER_NAMES,
        action_form=ActionForm(),
    )


@bp.get("/demarches/<slug>/import/<int:batch_id>/etat")
@role_required(Role.FACILITATOR)
def progress(slug, batch_id):
    """JSON polled by the progress bar of an import running on the task queue."""
    _process, _ = _batch(slug, batch_id)
    state = import_jobs.import_progress(batch_id)
    if state is None:
        return jsonify(is_active=False, progress=0, status_label="", message="")
    return jsonify(state.as_json())


@bp.post("/demarches/<slug>/import/<int:batch_id>/correspondance")
@role_required(Role.FACILITATOR)
def update_mapping(slug, batch_id):
    process, _ = _batch(slug, batch_id)

    def update(form):
        columns = {name: parse_id(request.form.get(f"colonne_{name}")) for name in FIELDS}
        theme_choices = {}
        for key, raw in request.form.items():
            if key.startswith("valeur_theme_"):
                theme_choices[raw] = parse_id(request.form.get("theme_" + key.removeprefix("valeur_theme_")))
        imports.update_mapping(process.id, batch_id, columns=columns, theme_choices=theme_choices, actor=current_user)

    return run_act(
        ActionForm(),
        update,
        success="Aperçu mis à jour.",
        redirect_to=url_for(".preview", slug=slug, batch_id=batch_id),
    )


@bp.post("/demarches/<slug>/import/<int:batch_id>/confirmer")
@role_required(Role.FACILITATOR)
def confirm(slug, batch_id):
    process, _ = _batch(slug, batch_id)
    if ActionForm().validate_on_submit():
        try:
            batch = imports.check_confirmable(process.id, batch_id, actor=current_user)
            if batch.n_rows >= current_app.config["IMPORT_BACKGROUND_ROWS"]:
                import_jobs.queue_confirmation(process.id, batch_id, actor=current_user)
                flash(f"Import de {batch.n_rows} lignes lancé : suivez sa progression ci-dessous.", "info")
            else:
                result = imports.confirm_import(process.id, batch_id, actor=current_user)
                flash(messages.imported(result.n_imported, result.n_skipped), "success")
        except ContribError as error:
            flash(error.message, "error")
    return redirect(url_for(".preview", slug=slug, batch_id=batch_id))


@bp.post("/demarches/<slug>/import/<int:batch_id>/abandonner")
@role_required(Role.FACILITATOR)
def cancel(slug, batch_id):
    process, _ = _batch(slug, batch_id)
    if ActionForm().validate_on_submit():
        try:
            imports.cancel_import(process.id, batch_id, actor=current_user)
        except ContribError as error:
            flash(error.message, "error")
            return redirect(url_for(".preview", slug=slug, batch_id=batch_id))
        flash("Import abandonné : rien n'a été importé.", "success")
    return redirect(url_for(".new_import", slug=slug))


@bp.post("/demarches/<slug>/import/<int:batch_id>/annuler")
@role_required(Role.FACILITATOR)
def undo(slug, batch_id):
    process, _ = _batch(slug, batch_id)
    return run_act(
        ActionForm(),
        lambda form: imports.undo_import(process.id, batch_id, actor=current_user),
        success=messages.undone,
        redirect_to=url_for(".preview", slug=slug, batch_id=batch_id),
    )


@bp.get("/demarches/<slug>/export.<any(csv, xlsx, json):file_format>")
@limiter.limit("20 per minute; 200 per hour")
def export(slug, file_format):
    process = processes.get_by_slug(slug)
    kind = request.args.get("type") or None
    if kind not in {k.value for k in ContributionKind}:
        kind = None
    return _attachment(
        exports.export_contributions(process.id, file_format, theme_id=query_id("thematique"), kind=kind)
    )
