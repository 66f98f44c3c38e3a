"""The synthesis assistant's pages (moderators): summary, questions and drafts on a scope."""

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from contrib.assistant import flags, scopes
from contrib.assistant import jobs as assistant_jobs
from contrib.assistant import quality as assistant_quality
from contrib.assistant import services as assistant
from contrib.assistant.forms import AssistantForm, FlagForm
from contrib.assistant.protocol import LLMSettings
from contrib.core.errors import ContribError
from contrib.core.permissions import role_required
from contrib.models import MessageKind, Role
from contrib.processes import services as processes
from contrib.proposals import services as proposals
from nlp.citations import STATUS_LABELS

bp = Blueprint("assistant", __name__)

PAGE = "/moderation/demarches/<slug>/assistant"
ACTIONS = {"resumer": MessageKind.SUMMARY, "question": MessageKind.ANSWER, "brouillon": MessageKind.DRAFT}
SCOPE_PARAMETERS = ("groupe", "proposition", "regroupement", "thematique", "ids")


def _scope_args(source) -> dict:
    """The scope as query-string arguments (``groupe=12``, ``ids=1,2,3``…), from a form or the URL."""
    for name in SCOPE_PARAMETERS:
        values = [v for v in source.getlist(name) if v.strip()]
        if values:
            return {name: ",".join(values)}
    return {}


def _scope_kind(parameter: str) -> str:
    return "selection" if parameter == "ids" else parameter


def _resolve(process, args: dict):
    if not args:
        return None
    ((name, value),) = args.items()
    return scopes.resolve_scope(process, _scope_kind(name), value)


def _render(process, scope, scope_args, form, status=200):
    conversation = scopes.conversation_for(process, scope) if scope else None
    messages = conversation.messages if conversation else []
    cited = {i for m in messages for s in m.content.get("segments", []) for i in s.get("citations", [])}
    considered = {i for m in messages if m.kind is MessageKind.DRAFT for i in _considered(m, scope)}
    cited |= considered
    jobs = assistant_jobs.active_jobs(process.id, scope.key) if scope else []
    shows_verified = any(
        s.get("kind") == "phrase" and s.get("status") == "verifiee"
        for m in messages
        for s in m.content.get("segments", [])
    )
    return render_template(
        "assistant/page.html",
        process=process,
        scope=scope,
        scope_args=scope_args,
        form=form,
        jobs=jobs,
        action_of={kind: action for action, kind in ACTIONS.items()},
        messages=messages,
        contributions=scopes.contributions_of(cited),
        flags=flags.flags_of(m.id for m in messages),
        llm=LLMSettings.from_config(current_app.config),
        status_labels=STATUS_LABELS,
        shows_verified=shows_verified,
        reference=assistant_quality.REFERENCE,
        considered=lambda message: _considered(message, scope),
        themes=scopes.theme_choices(process) if scope is None else [],
        # A draft's source already feeding a proposal cannot join another: shown, not ticked.
        taken=proposals.taken_by(considered),
    ), status


def _considered(message, scope) -> list[int]:
    """The sources a draft considered (drafts stored before this was recorded: the scope)."""
    return message.content.get("considered") or list(scope.ids)


@bp.get(PAGE)
@role_required(Role.MODERATOR)
def page(slug):
    process = processes.get_by_slug(slug)
    scope_args = _scope_args(request.args)
    form = AssistantForm(formdata=None)
    try:
        scope = _resolve(process, scope_args)
    except ContribError as error:
        flash(error.message, "error")
        return _render(process, None, {}, form, error.status_code)
    return _render(process, scope, scope_args, form)


@bp.post(PAGE)
@role_required(Role.MODERATOR)
def generate(slug):
    """Without JavaScript: generate, store, and show the page again (the new message at the end)."""
    process = processes.get_by_slug(slug)
    scope_args = _scope_args(request.form)
    form = AssistantForm()
    kind = ACTIONS.get(form.action.data or request.form.get("action", ""))
    try:
        scope = _resolve(process, scope_args)
        if not form.validate_on_submit() or kind is None or scope is None:
            flash("Demande incomplète : rechargez la page et recommencez.", "error")
            return _render(process, scope, scope_args, form, 400)
        if assistant_jobs.should_queue(scope, kind):
            ((name, value),) = scope_args.items()
            assistant_jobs.queue_generation(process, _scope_kind(name), value, kind, actor=current_user)
            flash(
                f"{len(scope.ids)} contributions : la génération tourne en tâche de fond, suivez sa progression "
                "ci-dessous.",
                "info",
            )
            return redirect(url_for(".page", slug=process.slug, **scope_args))
        message = assistant.generate_message(
            process,
            scope,
            kind,
            actor=current_user,
            question=form.question.data,
            llm=LLMSettings.from_config(current_app.config),
        )
    except ContribError as error:
        form.question.errors = [error.message] if kind is MessageKind.ANSWER else []
        flash(error.message, "error")
        return _render(process, scope if "scope" in locals() else None, scope_args, form, error.status_code)
    return redirect(url_for(".page", slug=process.slug, **scope_args) + f"#message-{message.id}")


@bp.post(PAGE + "/flux")
@role_required(Role.MODERATOR)
def stream(slug):
    """With JavaScript: the same request, answered as one JSON event per line while it is generated."""
    process = processes.get_by_slug(slug)
    form = AssistantForm()
    kind = ACTIONS.get(form.action.data or "")
    try:
        scope = _resolve(process, _scope_args(request.form))
        if not form.validate_on_submit() or kind is None or scope is None:
            return Response(
                json.dumps({"event": "error", "message": "Demande incomplète."}) + "\n",
                400,
                mimetype="application/x-ndjson",
            )
        if kind is MessageKind.ANSWER:
            assistant.clean_question(form.question.data)
        if assistant_jobs.should_queue(scope, kind):
            ((name, value),) = _scope_args(request.form).items()
            assistant_jobs.queue_generation(process, _scope_kind(name), value, kind, actor=current_user)
            return Response(json.dumps({"event": "queued"}) + "\n", mimetype="application/x-ndjson")
    except ContribError as error:
        return Response(
            json.dumps({"event": "error", "message": error.message}) + "\n",
            error.status_code,
            mimetype="application/x-ndjson",
        )
    events = assistant.stream(
        process,
        scope,
        kind,
        actor=current_user,
        question=form.question.data,
        llm=LLMSettings.from_config(current_app.config),
    )

    def lines():
        for event, value in events:
            yield json.dumps({"event": event, "data": value}, ensure_ascii=False) + "\n"

    return Response(
        stream_with_context(lines()),
        mimetype="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get(PAGE + "/etat")
@role_required(Role.MODERATOR)
def job_status(slug):
    """JSON polled by the progress bar of a generation running on the task queue."""
    process = processes.get_by_slug(slug)
    kind = ACTIONS.get(request.args.get("action", ""))
    scope = _resolve(process, _scope_args(request.args))
    job = assistant_jobs.job_of(process.id, scope.key, kind) if scope and kind else None
    if job is None:
        return jsonify(is_active=False, progress=0, status_label="", message="")
    return jsonify(job.as_json())


@bp.post(PAGE + "/messages/<int:message_id>/phrases/<int:index>/fausse")
@role_required(Role.MODERATOR)
def flag(slug, message_id, index):
    """« Cette citation est fausse »: the sentence is counted against the checker on the quality page."""
    process = processes.get_by_slug(slug)
    scope_args = _scope_args(request.form)
    if FlagForm().validate_on_submit():
        try:
            flags.flag_citation(process, message_id, index, actor=current_user)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(
                "Citation signalée comme fausse : elle compte dans « Qualité de l'analyse ». L'acte peut être "
                "annulé depuis le journal.",
                "success",
            )
    return redirect(url_for(".page", slug=process.slug, **scope_args) + f"#message-{message_id}")


@bp.get("/moderation/demarches/<slug>/qualite")
@role_required(Role.MODERATOR)
def quality(slug):
    """« Qualité de l'analyse »: the text analysis measured on this process's own data."""
    process = processes.get_by_slug(slug)
    return render_template(
        "assistant/quality.html",
        process=process,
        quality=assistant_quality.quality(process.id),
        reference=assistant_quality.REFERENCE,
    )
