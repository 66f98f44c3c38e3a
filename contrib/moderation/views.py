"""Moderation: the workspace home, the report queue, hiding/restoring, and the journal with undo."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core import undo
from contrib.core.errors import Conflict, NotAllowed, NotFound
from contrib.core.permissions import role_required
from contrib.core.routing import safe_redirect_target
from contrib.core.views import run_act
from contrib.models import Role
from contrib.moderation import hiding as moderation
from contrib.moderation import journal as journal_pages
from contrib.moderation import report_queue
from contrib.moderation.forms import DecisionForm, HideForm
from contrib.processes import services as processes

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# URL word -> service target type
TARGET_TYPES = {"contribution": "contribution", "commentaire": "comment"}


@bp.get("/")
@role_required(Role.MODERATOR)
def index():
    return render_template(
        "moderation/index.html", processes=processes.list_processes(), open_reports=report_queue.open_reports_count()
    )


@bp.get("/signalements")
@role_required(Role.MODERATOR)
def queue():
    return render_template(
        "moderation/queue.html", items=report_queue.moderation_queue(), decision_form=DecisionForm(formdata=None)
    )


def _decide(target_type: str, target_id: int, action, done: str):
    if DecisionForm().validate_on_submit():
        try:
            closed = action(TARGET_TYPES[target_type], target_id, moderator=current_user)
        except (NotFound, NotAllowed, Conflict) as error:
            flash(error.message, "error")
        else:
            flash(f"{done} ({closed} signalement{'s' if closed > 1 else ''} clos).", "success")
    return redirect(url_for(".queue"))


@bp.post("/signalements/<any(contribution, commentaire):target_type>/<int:target_id>/restaurer")
@role_required(Role.MODERATOR)
def restore(target_type, target_id):
    return _decide(target_type, target_id, report_queue.restore, "Élément rétabli et visible de tous")


@bp.post("/signalements/<any(contribution, commentaire):target_type>/<int:target_id>/masquer")
@role_required(Role.MODERATOR)
def keep_hidden(target_type, target_id):
    return _decide(target_type, target_id, report_queue.keep_hidden, "Élément masqué (rien n'est supprimé)")


@bp.get("/journal")
@role_required(Role.MODERATOR)
def journal():
    filters = journal_pages.parse_filters(request.args)
    return render_template(
        "moderation/journal.html",
        filters=filters,
        page=journal_pages.page(filters),
        undo=undo,
        action_choices=journal_pages.action_choices(),
        person_choices=journal_pages.person_choices(),
        process_choices=journal_pages.process_choices(),
        object_types=journal_pages.OBJECT_TYPES,
        decision_form=DecisionForm(formdata=None),
    ), 400 if filters.errors else 200


@bp.post("/journal/<int:entry_id>/annuler")
@role_required(Role.MODERATOR)
def undo_entry(entry_id):
    return run_act(
        DecisionForm(),
        lambda form: undo.undo_act(entry_id, actor=current_user),
        success=f"Acte n° {entry_id} annulé. L'annulation figure elle-même au journal.",
        redirect_to=safe_redirect_target(request.form.get("retour"), url_for(".journal")),
    )


@bp.post("/contributions/<int:contribution_id>/masquer")
@role_required(Role.MODERATOR)
def hide(contribution_id):
    return run_act(
        HideForm(),
        lambda form: moderation.hide(
            contribution_id, form.reason.data, moderator=current_user, expected_version=form.seen_version()
        ),
        success="Contribution masquée. Rien n'est supprimé ; l'acte peut être annulé depuis le journal.",
        redirect_to=url_for("participation.contribution", contribution_id=contribution_id),
    )


@bp.post("/contributions/<int:contribution_id>/retablir")
@role_required(Role.MODERATOR)
def unhide(contribution_id):
    return run_act(
        HideForm(),
        lambda form: moderation.restore(contribution_id, moderator=current_user, expected_version=form.seen_version()),
        success="Contribution rétablie.",
        redirect_to=url_for("participation.contribution", contribution_id=contribution_id),
    )
