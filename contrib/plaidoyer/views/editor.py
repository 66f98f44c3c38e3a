"""The plaidoyers' list and the editor: the document being assembled, its text, sections and proposals."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core import undo
from contrib.core.errors import ContribError, InvalidInput
from contrib.core.forms import attach_error, short_choices
from contrib.core.french import count
from contrib.core.ids import parse_id
from contrib.core.permissions import role_required
from contrib.core.views import run_act
from contrib.models import Role
from contrib.plaidoyer import acts, placement, publication, structure, undo_handlers
from contrib.plaidoyer import document as documents
from contrib.plaidoyer import exports as plaidoyer_exports
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
from contrib.plaidoyer.views.blueprint import bp
from contrib.processes import services as processes
from contrib.proposals import services as proposals
from contrib.proposals.forms import EditForm

DIRECTIONS = {"haut": structure.UP, "bas": structure.DOWN}
EXPIRED = "Le formulaire a expiré : rechargez la page et recommencez."


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
