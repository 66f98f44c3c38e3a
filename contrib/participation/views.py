"""Process pages, posting, supporting and reading contributions, "Mes contributions"."""

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core import permissions
from contrib.core.errors import Conflict, InvalidInput, NotAllowed
from contrib.core.forms import Form, attach_error
from contrib.core.ids import parse_id, query_id
from contrib.core.permissions import role_required
from contrib.core.routing import safe_redirect_target
from contrib.core.views import act_or_rerender
from contrib.duplicates import services as duplicates
from contrib.extensions import limiter, user_or_address
from contrib.models import ContributionKind, Role
from contrib.moderation import reports
from contrib.participation import comments, contributions, editing, similar, supports
from contrib.participation.contributions import ContributionDraft, OnBehalf
from contrib.participation.forms import (
    CommentForm,
    ContributionForm,
    EditContributionForm,
    ReportForm,
    WorkshopEntryForm,
)
from contrib.processes import services as processes

bp = Blueprint("participation", __name__)

# The workshop context a facilitator keeps from one entry to the next (query string ↔ form field).
WORKSHOP_CONTEXT = ("theme_id", "kind", "table_label", "n_participants", "actor_type")


def _open_process(slug):
    process = processes.get_by_slug(slug)
    if not process.is_open:
        raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
    return process


def _draft(form: ContributionForm) -> ContributionDraft:
    return ContributionDraft(
        theme_id=form.theme_id.data or None, kind=form.kind.data, title=form.title.data, text=form.text.data
    )


@bp.get("/demarches/<slug>")
def show(slug):
    process = processes.get_by_slug(slug, with_themes=True)
    theme_id = query_id("thematique")
    kind = request.args.get("type") or None
    if kind not in {k.value for k in ContributionKind}:
        kind = None
    sort = request.args.get("tri") or None
    if sort not in contributions.SORTS:
        sort = None
    query = request.args.get("q", "")[:200].strip() or None
    per_page = current_app.config["CONTRIBUTIONS_PER_PAGE"]
    number = query_id("page") or 1
    if query:  # ranked by relevance (or sorted), numbered pages
        page = contributions.search_contributions(
            process.id, query, theme_id=theme_id, kind=kind, sort=sort, page=number, per_page=per_page
        )
    elif sort and sort != contributions.DEFAULT_SORT:
        page = contributions.sorted_contributions(
            process.id, sort, theme_id=theme_id, kind=kind, page=number, per_page=per_page
        )
    else:  # newest first, keyset pagination
        page = contributions.list_contributions(
            process.id,
            theme_id=theme_id,
            kind=kind,
            older_than=query_id("avant"),
            newer_than=query_id("apres"),
            last=request.args.get("fin") == "1",
            per_page=per_page,
        )
    filters = {
        key: value for key, value in (("thematique", theme_id), ("type", kind), ("q", query), ("tri", sort)) if value
    }
    ids = [c.id for c in page.items]
    return render_template(
        "participation/show.html",
        process=process,
        page=page,
        n_found=page.n_found
        if hasattr(page, "n_found")
        else contributions.count_contributions(process.id, theme_id=theme_id, kind=kind),
        filters=filters,
        export_filters={key: value for key, value in filters.items() if key in ("thematique", "type")},
        theme_id=theme_id,
        kind=kind,
        sort=sort,
        sorts=contributions.SORTS,
        query=query,
        kinds=ContributionKind,
        can_post=permissions.can_post(current_user, process),
        can_enter_on_behalf=permissions.can_enter_on_behalf(current_user, process),
        supported=supports.supported_ids(current_user, ids),
        n_comments=contributions.comment_counts(page.items),
    )


@bp.route("/demarches/<slug>/contribuer", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
@limiter.limit("30 per hour", methods=["POST"], key_func=user_or_address)
def new_contribution(slug):
    process = _open_process(slug)
    form = ContributionForm()
    form.set_themes(process.themes)
    if request.method == "GET":
        form.theme_id.data = query_id("thematique") or 0
    suggestions = []
    if form.validate_on_submit():
        try:
            # Every fault first: similar ideas shown before a missing theme would make two rounds of errors.
            contributions.validated_fields(process, _draft(form))
            # The check step: before the first publication, show what already looks like this idea.
            if not form.similar_checked.data:
                suggestions = similar.find_similar(process.id, f"{form.title.data or ''} {form.text.data or ''}")
                form.similar_checked.data = "1"
            if not suggestions:
                contribution = contributions.post_contribution(process.id, _draft(form), author=current_user)
                flash("Merci ! Votre contribution est publiée.", "success")
                return redirect(url_for(".contribution", contribution_id=contribution.id))
        except InvalidInput as error:
            attach_error(form, error)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "participation/new_contribution.html", process=process, form=form, suggestions=suggestions
    ), status


@bp.get("/demarches/<slug>/similaires")
@role_required(Role.PARTICIPANT)
def similar_json(slug):
    """JSON for the as-you-type suggestions (the page works without it)."""
    process = processes.get_by_slug(slug)
    text = request.args.get("texte", "")[:5000]
    matches = similar.find_similar(process.id, text)
    return jsonify(
        results=[
            {
                "id": c.id,
                "title": c.title,
                "excerpt": c.text[:220],
                "theme": c.theme.name,
                "kind": c.kind.label,
                "n_supports": c.n_supports,
                "score": score,
                "url": url_for(".contribution", contribution_id=c.id),
            }
            for c, score in matches
        ]
    )


@bp.route("/demarches/<slug>/saisie-atelier", methods=["GET", "POST"])
@role_required(Role.FACILITATOR)
@limiter.limit("600 per hour", methods=["POST"], key_func=user_or_address)
def workshop_entry(slug):
    process = _open_process(slug)
    form = WorkshopEntryForm(formdata=request.form if request.method == "POST" else request.args or None)
    form.set_themes(process.themes)
    if request.method == "POST" and form.validate():
        on_behalf = OnBehalf(
            table_label=form.table_label.data,
            n_participants=form.n_participants.data,
            author_name=form.author_name.data,
            actor_type=form.actor_type.data,
        )
        try:
            contribution = contributions.post_contribution(
                process.id, _draft(form), author=current_user, on_behalf=on_behalf
            )
        except InvalidInput as error:
            attach_error(form, error)
        else:
            flash(
                f"Contribution n° {contribution.id} enregistrée"
                f"{' pour ' + contribution.table_label if contribution.table_label else ''}. Saisissez la suivante.",
                "success",
            )
            context = {name: getattr(form, name).data for name in WORKSHOP_CONTEXT if getattr(form, name).data}
            return redirect(url_for(".workshop_entry", slug=process.slug, **context))
    status = 400 if form.errors or form.form_errors else 200
    recent = contributions.entered_by(current_user, process.id, limit=10)
    return render_template("participation/workshop_entry.html", process=process, form=form, recent=recent), status


def _render_contribution(
    contribution_id: int,
    comment_form: CommentForm,
    status: int = 200,
    *,
    report_form: ReportForm | None = None,
    report_target: str | None = None,
):
    """The contribution page; ``report_target`` ("contribution-12", "comment-5") opens that report form
    with its errors."""
    item = contributions.get_contribution(contribution_id, viewer=current_user)
    return render_template(
        "participation/contribution.html",
        contribution=item,
        process=item.process,
        has_supported=supports.has_supported(item.id, current_user),
        comment_form=comment_form,
        report_form=report_form or ReportForm(formdata=None),
        report_target=report_target,
        threads=comments.threads_of(item.id, current_user),
        idea=duplicates.idea_of(item.id),
        is_owner=editing.is_owner(item, current_user),
        why_frozen=editing.why_frozen(item) if editing.is_owner(item, current_user) else None,
        revisions=editing.revisions_of(item.id),
    ), status


@bp.get("/contributions/<int:contribution_id>")
def contribution(contribution_id):
    return _render_contribution(contribution_id, CommentForm(formdata=None))


@bp.route("/contributions/<int:contribution_id>/modifier", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
@limiter.limit("30 per hour", methods=["POST"], key_func=user_or_address)
def edit_contribution(contribution_id):
    """The author edits their contribution (404 if they may not see it, 403 if it is not theirs or frozen)."""
    item = editing.editable_contribution(contribution_id, current_user)
    form = EditContributionForm(obj=item if request.method == "GET" else None)
    form.set_themes(item.process.themes)
    if request.method == "GET":
        form.version.data = item.version
    return act_or_rerender(
        form,
        lambda form: editing.edit_contribution(
            item.id, _draft(form), author=current_user, version=parse_id(form.version.data) or 0
        ),
        page=lambda form, status: (
            render_template("participation/edit_contribution.html", contribution=item, process=item.process, form=form),
            status,
        ),
        success="Votre contribution est modifiée. La version précédente reste consultable.",
        redirect_to=url_for(".contribution", contribution_id=item.id),
        refused=(InvalidInput, Conflict),
    )


@bp.post("/contributions/<int:contribution_id>/commentaires")
@role_required(Role.PARTICIPANT)
@limiter.limit("60 per hour", key_func=user_or_address)
def comment(contribution_id):
    return act_or_rerender(
        CommentForm(),
        lambda form: comments.post_comment(
            contribution_id, form.text.data, author=current_user, parent_id=parse_id(form.parent_id.data)
        ),
        page=lambda form, status: _render_contribution(contribution_id, form, status),
        success="Votre commentaire est publié.",
        redirect_to=lambda posted: url_for(
            ".contribution", contribution_id=contribution_id, _anchor=f"commentaire-{posted.id}"
        ),
        refused=(InvalidInput, NotAllowed),
    )


@bp.post("/contributions/<int:contribution_id>/soutien")
@role_required(Role.PARTICIPANT)
@limiter.limit("200 per hour", key_func=user_or_address)
def support(contribution_id):
    if Form().validate_on_submit():
        try:
            if request.form.get("retirer"):
                supports.withdraw(contribution_id, user=current_user)
                flash("Votre soutien est retiré.", "info")
            else:
                supports.support(contribution_id, user=current_user)
                flash("Merci pour votre soutien !", "success")
        except NotAllowed as error:
            flash(error.message, "error")
    return redirect(_back_to(url_for(".contribution", contribution_id=contribution_id)))


def _report(target_type: str, target_id: int, contribution_id: int, back: str):
    form = ReportForm()
    if form.validate_on_submit():
        try:
            outcome = reports.report(target_type, target_id, form.reason.data, form.details.data, reporter=current_user)
        except InvalidInput as error:
            attach_error(form, error)
        except (NotAllowed, Conflict) as error:
            flash(error.message, "info" if isinstance(error, Conflict) else "error")
            return redirect(back)
        else:
            flash("Merci, votre signalement est transmis à la modération.", "success")
            if outcome.hidden and target_type == "contribution":
                # The reporter can no longer see it: back to the process page.
                return redirect(url_for(".show", slug=outcome.contribution.process.slug))
            return redirect(back)
    return _render_contribution(
        contribution_id, CommentForm(formdata=None), 400, report_form=form, report_target=f"{target_type}-{target_id}"
    )


@bp.post("/contributions/<int:contribution_id>/signaler")
@limiter.limit("20 per hour", methods=["POST"], key_func=user_or_address)
@role_required(Role.PARTICIPANT)
def report_contribution(contribution_id):
    return _report(
        "contribution", contribution_id, contribution_id, url_for(".contribution", contribution_id=contribution_id)
    )


@bp.post("/commentaires/<int:comment_id>/signaler")
@limiter.limit("20 per hour", methods=["POST"], key_func=user_or_address)
@role_required(Role.PARTICIPANT)
def report_comment(comment_id):
    contribution_id = reports.contribution_id_of_comment(comment_id)
    return _report(
        "comment",
        comment_id,
        contribution_id,
        url_for(".contribution", contribution_id=contribution_id, _anchor=f"commentaire-{comment_id}"),
    )


def _back_to(default: str) -> str:
    """The form's ``next`` page if safe (a hostile one leads home), else ``default``."""
    target = request.form.get("next")
    return safe_redirect_target(target) if target else default


@bp.get("/mes-contributions")
@role_required(Role.PARTICIPANT)
def my_contributions():
    return render_template(
        "participation/my_contributions.html",
        contributions=contributions.contributions_of(current_user),
        supported=supports.supported_by(current_user),
    )
