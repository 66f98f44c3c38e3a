"""Clustering pages of a process: runs and their progress, clusters, map, comparison, adjustments."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.clustering import services as clustering
from contrib.clustering.forms import ActionForm, LaunchForm, RenameForm, SplitForm, TargetForm
from contrib.core.errors import ContribError, NotFound
from contrib.core.ids import parse_id
from contrib.core.permissions import role_required
from contrib.core.views import field_errors, run_act
from contrib.models import Role
from contrib.processes import services as processes

bp = Blueprint("clustering", __name__, url_prefix="/moderation/demarches/<slug>/regroupements")

ADJUSTED = "Ajustement enregistré : le prochain regroupement le respectera. Il peut être annulé depuis le journal."


def _run(slug: str, run_id: int):
    process = processes.get_by_slug(slug)
    return process, clustering.get_run(process.id, run_id)


@bp.get("/")
@role_required(Role.MODERATOR)
def index(slug):
    process = processes.get_by_slug(slug)
    runs = clustering.list_runs(process.id)
    return render_template(
        "clustering/index.html",
        process=process,
        runs=runs,
        form=LaunchForm(formdata=None),
        is_running=any(run.is_active for run in runs),
    )


@bp.post("/lancer")
@role_required(Role.MODERATOR)
def launch(slug):
    process = processes.get_by_slug(slug)
    form = LaunchForm()
    if not form.validate_on_submit():
        for message in form.n_clusters.errors:
            flash(f"Nombre de regroupements : {message}", "error")
        return redirect(url_for(".index", slug=slug))
    try:
        run = clustering.launch_run(process.id, actor=current_user, n_clusters=form.n_clusters.data)
    except ContribError as error:
        flash(error.message, "error")
        # Launched at the same instant as a colleague's (the database let one through): follow that one.
        running = clustering.active_run(process.id)
        if running is not None:
            return redirect(url_for(".run", slug=slug, run_id=running.id))
        return redirect(url_for(".index", slug=slug))
    flash("Regroupement lancé : il se calcule en arrière-plan, vous pouvez quitter cette page.", "success")
    return redirect(url_for(".run", slug=slug, run_id=run.id))


@bp.get("/<int:run_id>/etat")
@role_required(Role.MODERATOR)
def status(slug, run_id):
    process = processes.get_by_slug(slug)
    return jsonify(clustering.run_status(process.id, run_id))


@bp.get("/<int:run_id>")
@role_required(Role.MODERATOR)
def run(slug, run_id):
    process, run = _run(slug, run_id)
    clustering.fail_stale_runs(process.id)
    legend, n_placed = clustering.map_view(run)
    return render_template(
        "clustering/run.html",
        process=process,
        run=run,
        clusters=clustering.run_clusters(run),
        legend=legend,
        n_placed=n_placed,
        map_size=clustering.MAP_SIZE,
        is_latest=_is_latest(process.id, run),
    )


def _is_latest(process_id, run) -> bool:
    latest = clustering.latest_done_run(process_id)
    return latest is not None and latest.id == run.id


@bp.get("/<int:run_id>/comparaison")
@role_required(Role.MODERATOR)
def compare(slug, run_id):
    process, run = _run(slug, run_id)
    return render_template(
        "clustering/compare.html", process=process, run=run, comparison=clustering.compare_with_previous(run)
    )


@bp.get("/<int:run_id>/groupes/<key>")
@role_required(Role.MODERATOR)
def cluster(slug, run_id, key):
    process, run = _run(slug, run_id)
    page = parse_id(request.args.get("page", "1"))
    if page is None:
        raise NotFound("Numéro de page invalide : des chiffres seulement.")
    detail = clustering.cluster_detail(run, key, page=page)
    target_form = TargetForm(formdata=None)
    target_form.key.choices = [
        (view.cluster.key, f"{view.name} ({view.cluster.size})") for view in detail.other_clusters
    ]
    return render_template(
        "clustering/cluster.html",
        process=process,
        run=run,
        detail=detail,
        is_latest=_is_latest(process.id, run),
        action_form=ActionForm(formdata=None),
        rename_form=RenameForm(formdata=None, name=detail.view.name),
        target_form=target_form,
        split_form=SplitForm(formdata=None),
        proposal_ids=",".join(map(str, detail.member_ids)),
    )


def _back_to_cluster(slug: str, run_id: int) -> str:
    """The cluster page the moderator acted from (``depuis`` field), else the run page."""
    key = request.form.get("depuis", "")
    if key:
        return url_for(".cluster", slug=slug, run_id=run_id, key=key)
    return url_for(".run", slug=slug, run_id=run_id)


def _adjust(slug: str, form, act, back: str):
    """Validate ``form``, run ``act(process_id)``, flash the outcome, redirect to ``back``."""
    process = processes.get_by_slug(slug)
    return run_act(form, lambda form: act(process.id, form), success=ADJUSTED, redirect_to=back, invalid=field_errors)


@bp.post("/<int:run_id>/groupes/<key>/renommer")
@role_required(Role.MODERATOR)
def rename(slug, run_id, key):
    return _adjust(
        slug,
        RenameForm(),
        lambda process_id, form: clustering.rename_cluster(process_id, run_id, key, form.name.data, actor=current_user),
        url_for(".cluster", slug=slug, run_id=run_id, key=key),
    )


@bp.post("/<int:run_id>/groupes/<key>/fusionner")
@role_required(Role.MODERATOR)
def merge(slug, run_id, key):
    form = TargetForm()
    return _adjust(
        slug,
        form,
        lambda process_id, form: clustering.merge_clusters(process_id, run_id, key, form.key.data, actor=current_user),
        url_for(".cluster", slug=slug, run_id=run_id, key=form.key.data or key),
    )


@bp.post("/<int:run_id>/groupes/<key>/scinder")
@role_required(Role.MODERATOR)
def split(slug, run_id, key):
    return _adjust(
        slug,
        SplitForm(),
        lambda process_id, form: clustering.split_cluster(
            process_id, run_id, key, form.ids.data or [], actor=current_user
        ),
        url_for(".run", slug=slug, run_id=run_id),
    )


@bp.post("/<int:run_id>/contributions/<int:contribution_id>/deplacer")
@role_required(Role.MODERATOR)
def move(slug, run_id, contribution_id):
    form = TargetForm()
    return _adjust(
        slug,
        form,
        lambda process_id, form: clustering.move_contribution(
            process_id, run_id, contribution_id, form.key.data, actor=current_user
        ),
        _back_to_cluster(slug, run_id),
    )


@bp.post("/<int:run_id>/contributions/<int:contribution_id>/epingler")
@role_required(Role.MODERATOR)
def pin(slug, run_id, contribution_id):
    return _adjust(
        slug,
        ActionForm(),
        lambda process_id, form: clustering.pin_contribution(process_id, run_id, contribution_id, actor=current_user),
        _back_to_cluster(slug, run_id),
    )


@bp.post("/<int:run_id>/contributions/<int:contribution_id>/exclure")
@role_required(Role.MODERATOR)
def exclude(slug, run_id, contribution_id):
    return _adjust(
        slug,
        ActionForm(),
        lambda process_id, form: clustering.exclude_contribution(
            process_id, run_id, contribution_id, actor=current_user
        ),
        _back_to_cluster(slug, run_id),
    )
