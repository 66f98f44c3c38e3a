"""Moderators' report queue: restore reported content or keep it hidden."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from contrib.errors import Conflict, NotAllowed, NotFound
from contrib.models import Role
from contrib.moderation.forms import DecisionForm
from contrib.permissions import role_required
from contrib.services import reports

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# URL word -> service target type
TARGET_TYPES = {"contribution": "contribution", "commentaire": "comment"}


@bp.get("/signalements")
@role_required(Role.MODERATOR)
def queue():
    return render_template("moderation/queue.html", items=reports.moderation_queue(),
                           decision_form=DecisionForm(formdata=None))


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
    return _decide(target_type, target_id, reports.restore, "Élément rétabli et visible de tous")


@bp.post("/signalements/<any(contribution, commentaire):target_type>/<int:target_id>/masquer")
@role_required(Role.MODERATOR)
def keep_hidden(target_type, target_id):
    return _decide(target_type, target_id, reports.keep_hidden, "Élément masqué (rien n'est supprimé)")
