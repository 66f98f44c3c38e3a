"""Proposals: the moderators' workspace per process, and the public proposal page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.assistant import services as assistant
from contrib.core.errors import ContribError, InvalidInput, NotFound
from contrib.core.forms import VersionedForm, attach_error, short_choices
from contrib.core.ids import parse_id
from contrib.core.permissions import role_required
from contrib.models import Role
from contrib.processes import services as processes
from contrib.proposals import services as proposals
from contrib.proposals.forms import AddForm, EditForm, MergeForm, ProposalForm, SplitForm

bp = Blueprint("proposals", __name__)

WORKSPACE = "/moderation/demarches/<slug>/propositions"
SEARCH_MAX_LENGTH = 200


@bp.app_template_global()
def proposals_fed_by(contribution_ids) -> dict:
    """{contribution id: proposal it feeds} for a page of contributions (one query); used by the
    contribution page and "Mes contributions" to say "Intégrée à la proposition « … »"."""
    return proposals.taken_by(list(contribution_ids))


@bp.app_template_global()
def citation_parts(text: str) -> list:
    """A text cut at its ``[#id]`` markers, for ``proposals/_citations.html``."""
    return proposals.citation_parts(text)


@bp.get("/propositions/<int:proposal_id>")
def show(proposal_id):
    proposal = proposals.get_proposal(proposal_id)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        process=proposal.process,
        sources=proposals.sources_of(proposal.id),
        n_supporters=proposals.n_supporters(proposal.id),
        final=proposals.final_proposal(proposal),
    )


@bp.get(WORKSPACE)
@role_required(Role.MODERATOR)
def moderation_list(slug):
    process = processes.get_by_slug(slug)
    return render_template(
        "proposals/moderation_list.html", process=process, rows=proposals.list_for_process(process.id)
    )


def _selected_ids(values, form: ProposalForm) -> list[int]:
    try:
        return proposals.parse_ids(values)
    except InvalidInput as error:
        form.form_errors.append(error.message)
        return []


@bp.route(WORKSPACE + "/nouvelle", methods=["GET", "POST"])
@role_required(Role.MODERATOR)
def new(slug):
    """Choose the sources and write the proposal.

    Sources are offered unticked (``?proposees=1,2,3`` from a cluster or a duplicate group, or the
    contributions a draft of the assistant considered), or ticked (``?ids=``, the moderator's own
    choice); a search adds more. Without JavaScript, "Rechercher", "Tout cocher" and "Tout décocher"
    re-render the page keeping what was checked and typed; "Créer la proposition" creates it.
    """
    process = processes.get_by_slug(slug)
    posted = request.method == "POST"
    form = ProposalForm(formdata=request.form if posted else None)
    form.set_themes(process.themes)
    source = request.form if posted else request.args
    selected_ids = _selected_ids(source.getlist("ids"), form)
    offered_ids = _selected_ids(source.getlist("proposees"), form)
    draft = _draft(parse_id(source.get("brouillon")), process.id, form)
    if draft is not None:
        kept = set(draft.content.get("ids") or [])
        considered = sorted(draft.content.get("considered") or [], key=lambda i: i not in kept)  # kept ones first
        offered_ids += [i for i in considered if i not in offered_ids]
        if not posted and not selected_ids:
            selected_ids = list(draft.content.get("ids") or [])
    action = request.form.get("action") if posted else None
    if action == "tout-cocher":
        selected_ids += [i for i in offered_ids if i not in selected_ids]
    elif action == "tout-decocher":
        selected_ids = [i for i in selected_ids if i not in offered_ids]
    query = (source.get("q") or "")[:SEARCH_MAX_LENGTH].strip()
    selected = proposals.selection(process.id, selected_ids)
    if action == "creer" and form.validate_on_submit():
        try:
            proposal = proposals.create_from_contributions(
                process.id,
                selected_ids,
                form.title.data,
                form.text.data,
                form.theme_ids.data or [],
                form.priority.data,
                moderator=current_user,
                citation_reason=form.citation_reason.data,
            )
        except ContribError as error:
            attach_error(form, error)
        else:
            if draft is not None:
                assistant.record_draft_use(draft.id, proposal, actor=current_user)
            flash(
                f"Proposition n° {proposal.id} créée à partir de {len(selected_ids)} contribution"
                f"{'s' if len(selected_ids) > 1 else ''}. L'acte peut être annulé depuis le journal.",
                "success",
            )
            return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))
    elif not posted:
        # Prefill the themes with those of the ticked contributions, the text with the draft's.
        form.theme_ids.data = list(dict.fromkeys(contribution.theme_id for contribution in selected))
        if draft is not None:
            form.title.data, form.text.data = draft.content.get("title", ""), draft.content.get("body", "")
    sources = proposals.selection(process.id, offered_ids + [i for i in selected_ids if i not in offered_ids])
    candidates = (
        proposals.search_candidates(process.id, query, exclude=[c.id for c in sources]) if query or not sources else []
    )
    known = {c.id for c in sources}
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "proposals/new.html",
        process=process,
        form=form,
        sources=sources,
        checked=set(selected_ids),
        offered_ids=offered_ids,
        draft=draft,
        draft_kept=set(draft.content.get("ids") or []) if draft is not None else set(),
        candidates=candidates,
        query=query,
        ignored=[i for i in dict.fromkeys(offered_ids + selected_ids) if i not in known],
        taken=proposals.taken_by([c.id for c in sources + candidates]),
    ), status


def _draft(draft_id: int | None, process_id: int, form: ProposalForm):
    """The assistant's draft the page starts from ("Utiliser ce brouillon"), if any."""
    if draft_id is None:
        return None
    try:
        return assistant.get_draft(draft_id, process_id)
    except ContribError as error:
        form.form_errors.append(error.message)
        return None


def _proposal_of(slug: str, proposal_id: int):
    process = processes.get_by_slug(slug)
    proposal = proposals.get_proposal(proposal_id)
    if proposal.process_id != process.id:
        raise NotFound("Proposition introuvable dans cette démarche.")
    return process, proposal


def _render_manage(process, proposal, status: int = 200, **forms):
    merge_form = forms.get("merge_form") or MergeForm(formdata=None)
    merge_form.into_id.choices = short_choices(
        [(target.id, f"n° {target.id} · {target.title}") for target in proposals.merge_targets(proposal)]
    )
    return render_template(
        "proposals/manage.html",
        process=process,
        proposal=proposal,
        sources=proposals.sources_of(proposal.id),
        n_supporters=proposals.n_supporters(proposal.id),
        final=proposals.final_proposal(proposal),
        add_form=forms.get("add_form") or AddForm(formdata=None),
        merge_form=merge_form,
        split_form=forms.get("split_form") or SplitForm(formdata=None),
        edit_form=forms.get("edit_form") or EditForm(formdata=None, title=proposal.title, text=proposal.text),
        split_ids=forms.get("split_ids", []),
        version_form=VersionedForm(formdata=None),
    ), status


@bp.get(WORKSPACE + "/<int:proposal_id>")
@role_required(Role.MODERATOR)
def manage(slug, proposal_id):
    process, proposal = _proposal_of(slug, proposal_id)
    return _render_manage(process, proposal)


@bp.post(WORKSPACE + "/<int:proposal_id>/ajouter")
@role_required(Role.MODERATOR)
def add(slug, proposal_id):
    process, proposal = _proposal_of(slug, proposal_id)
    form = AddForm()
    if form.validate_on_submit():
        try:
            ids = proposals.parse_ids(form.ids.data)
            proposals.add_contributions(proposal.id, ids, moderator=current_user, expected_version=form.seen_version())
        except ContribError as error:
            attach_error(form, error)
            return _render_manage(process, proposal, 400, add_form=form)
        flash(
            f"Contribution{'s' if len(ids) > 1 else ''} {proposals.numbers(ids)} ajoutée{'s' if len(ids) > 1 else ''} "
            "à la proposition.",
            "success",
        )
    return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))


@bp.post(WORKSPACE + "/<int:proposal_id>/retirer/<int:contribution_id>")
@role_required(Role.MODERATOR)
def remove(slug, proposal_id, contribution_id):
    process, proposal = _proposal_of(slug, proposal_id)
    form = VersionedForm()
    if form.validate_on_submit():
        try:
            proposals.remove_contribution(
                proposal.id, contribution_id, moderator=current_user, expected_version=form.seen_version()
            )
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(f"Contribution n° {contribution_id} retirée : elle est de nouveau « publiée ».", "success")
    return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))


@bp.post(WORKSPACE + "/<int:proposal_id>/fusionner")
@role_required(Role.MODERATOR)
def merge(slug, proposal_id):
    process, proposal = _proposal_of(slug, proposal_id)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            kept = proposals.merge_proposals(
                proposal.id, form.into_id.data or 0, moderator=current_user, expected_version=form.seen_version()
            )
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(
                f"Proposition n° {proposal.id} fusionnée dans la proposition n° {kept.id} : ses contributions et "
                "ses soutiens l'ont rejointe (chaque personne comptée une fois).",
                "success",
            )
            return redirect(url_for(".manage", slug=process.slug, proposal_id=kept.id))
    return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))


@bp.post(WORKSPACE + "/<int:proposal_id>/scinder")
@role_required(Role.MODERATOR)
def split(slug, proposal_id):
    process, proposal = _proposal_of(slug, proposal_id)
    form = SplitForm()
    ids: list[int] = []
    if form.validate_on_submit():
        try:
            ids = proposals.parse_ids(request.form.getlist("ids"))
            new = proposals.split(
                proposal.id,
                ids,
                form.title.data,
                form.text.data,
                moderator=current_user,
                expected_version=form.seen_version(),
                citation_reason=form.citation_reason.data,
            )
        except ContribError as error:
            attach_error(form, error)
            return _render_manage(process, proposal, 400, split_form=form, split_ids=ids)
        flash(
            f"Proposition scindée : la proposition n° {new.id} reprend {len(ids)} contribution"
            f"{'s' if len(ids) > 1 else ''}.",
            "success",
        )
        return redirect(url_for(".manage", slug=process.slug, proposal_id=new.id))
    return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))


@bp.post(WORKSPACE + "/<int:proposal_id>/modifier")
@role_required(Role.MODERATOR)
def edit(slug, proposal_id):
    process, proposal = _proposal_of(slug, proposal_id)
    form = EditForm()
    if form.validate_on_submit():
        try:
            proposals.edit_text(
                proposal.id,
                form.title.data,
                form.text.data,
                moderator=current_user,
                citation_reason=form.citation_reason.data,
                expected_version=form.seen_version(),
            )
        except ContribError as error:
            attach_error(form, error)
            return _render_manage(process, proposal, 400, edit_form=form)
        flash(
            "Texte de la proposition modifié. La version précédente reste dans le journal, d'où l'acte peut "
            "être annulé.",
            "success",
        )
    return redirect(url_for(".manage", slug=process.slug, proposal_id=proposal.id))
