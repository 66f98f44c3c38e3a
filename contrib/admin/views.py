"""Staff pages: processes, themes, users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.accounts import roles
from contrib.admin.forms import ProcessForm, RoleForm, ThemeForm
from contrib.core.errors import Conflict, InvalidInput
from contrib.core.permissions import role_required
from contrib.core.views import act_or_rerender
from contrib.models import Role
from contrib.processes import services as processes
from contrib.processes.services import ProcessData

bp = Blueprint("admin", __name__, url_prefix="/admin")

_PROCESS_FIELDS = (
    "title",
    "kind",
    "region",
    "place",
    "starts_on",
    "ends_on",
    "description",
    "question",
    "replay_url",
    "is_open",
)


def _process_data(form: ProcessForm) -> ProcessData:
    return ProcessData(**{name: getattr(form, name).data for name in _PROCESS_FIELDS})


@bp.get("/")
@role_required(Role.STAFF)
def index():
    return render_template("admin/index.html", processes=processes.list_processes())


@bp.route("/demarches/nouvelle", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new_process():
    return act_or_rerender(
        ProcessForm(),
        lambda form: processes.create_process(_process_data(form), actor=current_user),
        page=lambda form, status: (render_template("admin/process_form.html", form=form, process=None), status),
        success="Démarche créée avec les 7 thématiques par défaut.",
        redirect_to=lambda process: url_for(".edit_process", process_id=process.id),
        refused=(InvalidInput, Conflict),
    )


@bp.route("/demarches/<int:process_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_process(process_id):
    process = processes.get_process(process_id)
    form = ProcessForm(obj=process if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = process.kind.value
    return act_or_rerender(
        form,
        lambda form: processes.update_process(process.id, _process_data(form), actor=current_user),
        page=lambda form, status: (
            render_template("admin/process_form.html", form=form, process=process, theme_form=ThemeForm(formdata=None)),
            status,
        ),
        success="Démarche enregistrée.",
        redirect_to=url_for(".edit_process", process_id=process.id),
        refused=(InvalidInput, Conflict),
    )


@bp.post("/demarches/<int:process_id>/thematiques")
@role_required(Role.STAFF)
def add_theme(process_id):
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            processes.add_theme(process_id, form.name.data, actor=current_user)
            flash("Thématique ajoutée.", "success")
        except (InvalidInput, Conflict) as error:
            flash(error.message, "error")
    else:
        flash("Indiquez le nom de la thématique.", "error")
    return redirect(url_for(".edit_process", process_id=process_id))


@bp.post("/thematiques/<int:theme_id>")
@role_required(Role.STAFF)
def rename_theme(theme_id):
    form = ThemeForm()
    if not form.validate_on_submit():
        flash("Indiquez le nom de la thématique.", "error")
        return redirect(url_for(".index"))
    try:
        theme = processes.rename_theme(theme_id, form.name.data, actor=current_user)
    except (InvalidInput, Conflict) as error:
        flash(error.message, "error")
        return redirect(url_for(".index"))
    flash("Thématique renommée.", "success")
    return redirect(url_for(".edit_process", process_id=theme.process_id))


@bp.get("/utilisateurs")
@role_required(Role.STAFF)
def users():
    query = request.args.get("q", "")[:100]
    return render_template(
        "admin/users.html", users=roles.list_users(query=query), query=query, role_choices=Role.choices()
    )


@bp.post("/utilisateurs/<int:user_id>/role")
@role_required(Role.STAFF)
def change_role(user_id):
    form = RoleForm()
    if form.validate_on_submit():
        try:
            user = roles.change_role(user_id, form.role.data, actor=current_user)
            flash(f"{user.display_name} a maintenant le rôle « {user.role.label} ».", "success")
        except InvalidInput as error:
            flash(error.message, "error")
    else:
        flash("Rôle inconnu.", "error")
    return redirect(url_for(".users"))
