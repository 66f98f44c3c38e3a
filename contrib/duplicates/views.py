"""Duplicate review: the queue of a process, a group side by side, confirm, dismiss, detect."""

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from contrib.core.errors import ContribError
from contrib.core.permissions import role_required
from contrib.core.text_diff import highlight_differences
from contrib.core.views import act_or_rerender, run_act
from contrib.duplicates import services as duplicates
from contrib.duplicates.forms import ConfirmForm, DecisionForm
from contrib.models import DuplicateStatus, Role
from contrib.processes import services as processes

bp = Blueprint("duplicates", __name__, url_prefix="/moderation/demarches/<slug>/doublons")


@bp.get("/")
@role_required(Role.MODERATOR)
def index(slug):
    process = processes.get_by_slug(slug)
    pending = duplicates.pending_groups(process.id)
    decided = duplicates.decided_groups(process.id)
    return render_template(
        "duplicates/index.html",
        process=process,
        pending=pending,
        decided=decided,
        n_pending=duplicates.count_pending(process.id),
        themes_of=duplicates.themes_of,
        entries=duplicates.decision_entries(group.id for group in decided),
        form=DecisionForm(formdata=None),
    )


@bp.post("/chercher")
@role_required(Role.MODERATOR)
def detect(slug):
    process = processes.get_by_slug(slug)
    return run_act(
        DecisionForm(),
        lambda form: duplicates.detect(process.id, actor=current_user),
        success=_detection_message,
        redirect_to=url_for(".index", slug=slug),
    )


def _detection_message(result: duplicates.DetectionResult) -> str:
    plural = "s" if result.n_groups > 1 else ""
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    return (
        f"{result.n_groups} groupe{plural} de doublons à examiner parmi {result.n_contributions} "
        f"contributions ({result.n_new} nouveau{'x' if result.n_new > 1 else ''}), "
        f"trouvé{plural} en {seconds} s."
    )


def _render_group(process, group_id: int, form: ConfirmForm, status: int = 200):
    group = duplicates.get_group(group_id, process_id=process.id)
    form.set_group(group)
    representative = next(m.contribution for m in group.members if m.contribution_id == group.representative_id)
    columns = [
        (
            member,
            member.contribution.text
            if member.contribution_id == group.representative_id
            else highlight_differences(representative.text, member.contribution.text),
        )
        for member in sorted(
            group.members, key=lambda m: (m.contribution_id != group.representative_id, m.contribution_id)
        )
    ]
    idea = duplicates.idea_of(group.representative_id) if group.status == DuplicateStatus.CONFIRMED else None
    entry = duplicates.decision_entries([group.id]).get(group.id)
    return render_template(
        "duplicates/group.html",
        process=process,
        group=group,
        columns=columns,
        form=form,
        dismiss_form=DecisionForm(formdata=None),
        idea=idea,
        entry=entry,
        themes=duplicates.themes_of(group),
    ), status


@bp.get("/<int:group_id>")
@role_required(Role.MODERATOR)
def group(slug, group_id):
    return _render_group(processes.get_by_slug(slug), group_id, ConfirmForm(formdata=None))


@bp.post("/<int:group_id>/confirmer")
@role_required(Role.MODERATOR)
def confirm(slug, group_id):
    process = processes.get_by_slug(slug)
    form = ConfirmForm()
    form.set_group(duplicates.get_group(group_id, process_id=process.id))
    return act_or_rerender(
        form,
        lambda form: duplicates.confirm(
            group_id,
            form.representative_id.data,
            member_ids=form.member_ids.data,
            moderator=current_user,
            process_id=process.id,
        ),
        page=lambda form, status: _render_group(process, group_id, form, status),
        success=f"Groupe n° {group_id} confirmé : ces contributions forment une seule idée. "
        "L'acte peut être annulé depuis le journal.",
        redirect_to=url_for(".group", slug=slug, group_id=group_id),
        refused=(ContribError,),
    )


@bp.post("/<int:group_id>/ecarter")
@role_required(Role.MODERATOR)
def dismiss(slug, group_id):
    process = processes.get_by_slug(slug)
    return run_act(
        DecisionForm(),
        lambda form: duplicates.dismiss(group_id, moderator=current_user, process_id=process.id),
        success=f"Groupe n° {group_id} écarté : ces contributions ne seront plus proposées ensemble.",
        redirect_to=url_for(".index", slug=slug),
    )
