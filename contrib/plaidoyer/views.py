"""Plaidoyer: staff assemble the document, freeze versions, compare them and export them."""

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core import undo
from contrib.core.errors import Conflict, ContribError, InvalidInput
from contrib.core.forms import attach_error, short_choices
from contrib.core.french import count
from contrib.core.ids import parse_id
from contrib.core.permissions import role_required
from contrib.core.views import run_act
from contrib.models import Role
from contrib.plaidoyer import acts, pdf_jobs, placement, publication, structure, undo_handlers
from contrib.plaidoyer import diff as diffs
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.plaidoyer.forms import (
    AddProposalForm,
    CreateForm,
    MoveForm,
    ProcessForm,
    SectionForm,
    SnapshotForm,
    TextForm,
    VersionedForm,
    proposal_edit_forms,
    section_choices,
)
from contrib.processes import services as processes
from contrib.proposals import services as proposals
from contrib.proposals.forms import EditForm

bp = Blueprint("plaidoyer", __name__, url_prefix="/plaidoyers")

DIRECTIONS = {"haut": structure.UP, "bas": structure.DOWN}
CURRENT = "actuel"
EXPIRED = "Le formulaire a expiré : rechargez la page et recommencez."
PDF_BY_BUTTON = "Le PDF se prépare avec le bouton « PDF » des exports de cette page."


@bp.get("/")
@role_required(Role.STAFF)
def index():
    return render_template(
        "plaidoyer/index.html", plaidoyers=documents.list_plaidoyers(), form=CreateForm(formdata=None)
    )


@bp.post("/")
@role_required(Role.STAFF)
def create():
    form = CreateForm()
    if form.validate_on_submit():
        try:
            plaidoyer = acts.create(form.title.data, actor=current_user)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash("Plaidoyer créé. Ajoutez-y les propositions retenues d'une démarche.", "success")
            return redirect(url_for(".show", plaidoyer_id=plaidoyer.id))
    return redirect(url_for(".index"))


def _render_show(plaidoyer, status: int = 200, *, edited: tuple[int, EditForm] | None = None):
    """The editor; ``edited``: (proposal id, its text form with the errors to show, kept open)."""
    content = documents.document(plaidoyer)
    text_form = TextForm(formdata=None, obj=plaidoyer)
    add_form = AddProposalForm(formdata=None)
    add_form.section_id.choices = section_choices(content["sections"], automatic=True)
    process_form = ProcessForm(formdata=None)
    process_form.process_id.choices = short_choices(
        [(process.id, process.title) for process in processes.list_processes()]
    )
    placed = [proposal for section in content["sections"] for proposal in section["proposals"]]
    edit_forms = proposal_edit_forms(placed, documents.proposal_versions([proposal["id"] for proposal in placed]))
    if edited:
        edit_forms[edited[0]] = edited[1]
    return render_template(
        "plaidoyer/show.html",
        plaidoyer=plaidoyer,
        content=content,
        numbered=publication.numbered(content),
        provenance_line=publication.provenance_line,
        cited_text=publication.cited_text,
        text_form=text_form,
        add_form=add_form,
        process_form=process_form,
        edit_forms=edit_forms,
        edited=edited[0] if edited else None,
        section_form=SectionForm(formdata=None),
        snapshot_form=SnapshotForm(formdata=None),
        history=undo_handlers.history(plaidoyer.id),
        label_of=undo.label_of,
        is_undoable=undo.is_undoable,
        formats=plaidoyer_exports.FORMATS,
    ), status


@bp.get("/<int:plaidoyer_id>")
@role_required(Role.STAFF)
def show(plaidoyer_id):
    return _render_show(documents.get(plaidoyer_id))


@bp.post("/<int:plaidoyer_id>/propositions/<int:proposal_id>/texte")
@role_required(Role.STAFF)
def edit_proposal(plaidoyer_id, proposal_id):
    """The proposal's own title and text, edited from the plaidoyer (the proposals' rule, journaled there)."""
    plaidoyer = documents.get(plaidoyer_id)
    structure.get_item(plaidoyer.id, proposal_id)  # only a proposal of this document
    form = EditForm(prefix=f"p{proposal_id}")
    if not form.validate_on_submit():
        flash(EXPIRED, "error")
    else:
        try:
            proposals.edit_text(
                proposal_id,
                form.title.data,
                form.text.data,
                moderator=current_user,
                citation_reason=form.citation_reason.data,
                expected_version=form.seen_version(),
            )
        except ContribError as error:
            attach_error(form, error)
            return _render_show(plaidoyer, 400, edited=(proposal_id, form))
        flash(
            f"Texte de la proposition n° {proposal_id} enregistré. La version précédente reste dans le journal "
            "de modération, d'où l'acte peut être annulé.",
            "success",
        )
    return redirect(url_for(".show", plaidoyer_id=plaidoyer_id) + f"#proposition-{proposal_id}")


def _act(plaidoyer_id: int, form, act, done, *, anchor: str = ""):
    """Validate ``form``, run ``act(form)``, flash its French message, go back to the document."""
    return run_act(
        form, act, success=done, redirect_to=url_for(".show", plaidoyer_id=plaidoyer_id) + anchor, invalid=EXPIRED
    )


@bp.post("/<int:plaidoyer_id>/texte")
@role_required(Role.STAFF)
def edit_text(plaidoyer_id):
    return _act(
        plaidoyer_id,
        TextForm(),
        lambda form: acts.update_text(
            plaidoyer_id,
            form.title.data,
            form.introduction.data,
            form.conclusion.data,
            actor=current_user,
            expected_version=form.seen_version(),
        ),
        "Texte du plaidoyer enregistré.",
    )


@bp.post("/<int:plaidoyer_id>/sections")
@role_required(Role.STAFF)
def add_section(plaidoyer_id):
    return _act(
        plaidoyer_id,
        SectionForm(),
        lambda form: acts.add_section(
            plaidoyer_id, form.title.data, actor=current_user, expected_version=form.seen_version()
        ),
        lambda section: f"Section « {section.title} » ajoutée à la fin.",
        anchor="#sections",
    )


@bp.post("/<int:plaidoyer_id>/sections/<int:section_id>/renommer")
@role_required(Role.STAFF)
def rename_section(plaidoyer_id, section_id):
    return _act(
        plaidoyer_id,
        SectionForm(),
        lambda form: acts.rename_section(
            plaidoyer_id, section_id, form.title.data, actor=current_user, expected_version=form.seen_version()
        ),
        lambda section: f"Section renommée « {section.title} ».",
        anchor=f"#section-{section_id}",
    )


def _direction() -> str:
    return DIRECTIONS.get(request.form.get("direction", ""), "")


@bp.post("/<int:plaidoyer_id>/sections/<int:section_id>/deplacer")
@role_required(Role.STAFF)
def move_section(plaidoyer_id, section_id):
    return _act(
        plaidoyer_id,
        VersionedForm(),
        lambda form: acts.move_section(
            plaidoyer_id, section_id, _direction(), actor=current_user, expected_version=form.seen_version()
        ),
        lambda section: f"Section « {section.title} » déplacée.",
        anchor=f"#section-{section_id}",
    )


@bp.post("/<int:plaidoyer_id>/sections/<int:section_id>/retirer")
@role_required(Role.STAFF)
def remove_section(plaidoyer_id, section_id):
    return _act(
        plaidoyer_id,
        VersionedForm(),
        lambda form: acts.remove_section(
            plaidoyer_id, section_id, actor=current_user, expected_version=form.seen_version()
        ),
        "Section retirée du plaidoyer.",
        anchor="#sections",
    )


def _proposal_number(form: AddProposalForm) -> int:
    number = parse_id((form.proposal_id.data or "").strip().removeprefix("n°"))
    if number is None:
        raise InvalidInput("Indiquez le numéro de la proposition (un nombre).", field="proposal_id")
    return number


@bp.post("/<int:plaidoyer_id>/propositions")
@role_required(Role.STAFF)
def add_proposal(plaidoyer_id):
    return _act(
        plaidoyer_id,
        AddProposalForm(),
        lambda form: placement.add_proposal(
            plaidoyer_id,
            _proposal_number(form),
            section_id=form.section_id.data or None,
            actor=current_user,
            expected_version=form.seen_version(),
        ),
        lambda section: f"Proposition ajoutée à la section « {section.title} ».",
        anchor="#sections",
    )


@bp.post("/<int:plaidoyer_id>/propositions/<int:proposal_id>/deplacer")
@role_required(Role.STAFF)
def move_proposal(plaidoyer_id, proposal_id):
    def act(form: MoveForm):
        direction = _direction()
        return placement.move_proposal(
            plaidoyer_id,
            proposal_id,
            direction=direction or None,
            to_section_id=None if direction else (form.section_id.data or 0),
            actor=current_user,
            expected_version=form.seen_version(),
        )

    return _act(
        plaidoyer_id, MoveForm(), act, f"Proposition n° {proposal_id} déplacée.", anchor=f"#proposition-{proposal_id}"
    )


@bp.post("/<int:plaidoyer_id>/propositions/<int:proposal_id>/retirer")
@role_required(Role.STAFF)
def remove_proposal(plaidoyer_id, proposal_id):
    return _act(
        plaidoyer_id,
        VersionedForm(),
        lambda form: placement.remove_proposal(
            plaidoyer_id, proposal_id, actor=current_user, expected_version=form.seen_version()
        ),
        f"Proposition n° {proposal_id} retirée du plaidoyer (elle-même n'est pas modifiée).",
        anchor="#sections",
    )


@bp.post("/<int:plaidoyer_id>/demarche")
@role_required(Role.STAFF)
def add_from_process(plaidoyer_id):
    def done(result: placement.ProcessAddition) -> str:
        message = count(result.n_added, "proposition retenue ajoutée", "propositions retenues ajoutées")
        if result.n_already:
            message += f" ({result.n_already} déjà présente{'s' if result.n_already > 1 else ''})"
        if result.new_sections:
            message += ". Nouvelles sections : " + ", ".join(f"« {title} »" for title in result.new_sections)
        return message + ". Le reste du plaidoyer n'a pas bougé."

    return _act(
        plaidoyer_id,
        ProcessForm(),
        lambda form: placement.add_from_process(
            plaidoyer_id, form.process_id.data or 0, actor=current_user, expected_version=form.seen_version()
        ),
        done,
        anchor="#sections",
    )


@bp.post("/<int:plaidoyer_id>/versions")
@role_required(Role.STAFF)
def snapshot(plaidoyer_id):
    form = SnapshotForm()
    if form.validate_on_submit():
        try:
            version = plaidoyer_versions.snapshot(plaidoyer_id, form.label.data, actor=current_user)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(f"Version {version.number} « {version.label} » enregistrée.", "success")
            return redirect(url_for(".versions", plaidoyer_id=plaidoyer_id))
    return redirect(url_for(".show", plaidoyer_id=plaidoyer_id))


@bp.get("/<int:plaidoyer_id>/versions")
@role_required(Role.STAFF)
def versions(plaidoyer_id):
    plaidoyer = documents.get(plaidoyer_id)
    return render_template(
        "plaidoyer/versions.html",
        plaidoyer=plaidoyer,
        versions=plaidoyer_versions.versions(plaidoyer.id),
        formats=plaidoyer_exports.FORMATS,
        current=CURRENT,
    )


@bp.get("/<int:plaidoyer_id>/versions/<int:version_id>")
@role_required(Role.STAFF)
def version(plaidoyer_id, version_id):
    plaidoyer = documents.get(plaidoyer_id)
    version = plaidoyer_versions.get_version(plaidoyer.id, version_id)
    earlier = [other for other in plaidoyer_versions.versions(plaidoyer.id) if other.number < version.number]
    return render_template(
        "plaidoyer/version.html",
        plaidoyer=plaidoyer,
        version=version,
        previous=earlier[0] if earlier else None,
        current=CURRENT,
        numbered=publication.numbered(version.content),
        provenance_line=publication.provenance_line,
        cited_text=publication.cited_text,
        formats=plaidoyer_exports.FORMATS,
    )


@bp.get("/<int:plaidoyer_id>/comparaison")
@role_required(Role.STAFF)
def compare(plaidoyer_id):
    plaidoyer = documents.get(plaidoyer_id)
    all_versions = plaidoyer_versions.versions(plaidoyer.id)
    old_value = request.args.get("de") or (str(all_versions[0].id) if all_versions else CURRENT)
    new_value = request.args.get("a") or CURRENT
    old_name, _, old = plaidoyer_versions.compared_side(plaidoyer, old_value)
    _, new_name, new = plaidoyer_versions.compared_side(plaidoyer, new_value)
    return render_template(
        "plaidoyer/compare.html",
        plaidoyer=plaidoyer,
        versions=all_versions,
        current=CURRENT,
        old_value=old_value,
        new_value=new_value,
        old_name=old_name,
        new_name=new_name,
        diff=diffs.diff(old, new),
    )


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
