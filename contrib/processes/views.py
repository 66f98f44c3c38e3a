"""Process pages, posting and reading contributions, "Mes contributions"."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib import permissions
from contrib.errors import InvalidInput, NotAllowed
from contrib.forms import attach_error
from contrib.models import ContributionKind, Role
from contrib.permissions import role_required
from contrib.processes.forms import ContributionForm
from contrib.services import contributions, processes
from contrib.services.contributions import ContributionDraft

bp = Blueprint("processes", __name__)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@bp.get("/demarches/<slug>")
def show(slug):
    process = processes.get_by_slug(slug)
    theme_id = _int_arg("thematique")
    kind = request.args.get("type") or None
    if kind not in {k.value for k in ContributionKind}:
        kind = None
    page = contributions.list_contributions(
        process.id, theme_id=theme_id, kind=kind,
        older_than=_int_arg("avant"), newer_than=_int_arg("apres"),
        last=request.args.get("fin") == "1",
        per_page=current_app.config["CONTRIBUTIONS_PER_PAGE"],
    )
    filters = {key: value for key, value in (("thematique", theme_id), ("type", kind)) if value}
    return render_template(
        "processes/show.html", process=process, page=page, filters=filters,
        theme_id=theme_id, kind=kind, kinds=ContributionKind,
        can_post=permissions.can_post(current_user, process),
    )


@bp.route("/demarches/<slug>/contribuer", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def new_contribution(slug):
    process = processes.get_by_slug(slug)
    if not process.is_open:
        raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
    form = ContributionForm()
    form.set_themes(process.themes)
    if request.method == "GET":
        form.theme_id.data = _int_arg("thematique") or 0
    if form.validate_on_submit():
        draft = ContributionDraft(theme_id=form.theme_id.data or None, kind=form.kind.data,
                                  title=form.title.data, text=form.text.data)
        try:
            contribution = contributions.post_contribution(process.id, draft, author=current_user)
        except InvalidInput as error:
            attach_error(form, error)
        else:
            flash("Merci ! Votre contribution est publiée.", "success")
            return redirect(url_for(".contribution", contribution_id=contribution.id))
    status = 400 if form.is_submitted() else 200
    return render_template("processes/new_contribution.html", process=process, form=form), status


@bp.get("/contributions/<int:contribution_id>")
def contribution(contribution_id):
    item = contributions.get_contribution(contribution_id, viewer=current_user)
    return render_template("processes/contribution.html", contribution=item, process=item.process)


@bp.get("/mes-contributions")
@role_required(Role.PARTICIPANT)
def my_contributions():
    items = contributions.contributions_of(current_user)
    return render_template("processes/my_contributions.html", contributions=items)
