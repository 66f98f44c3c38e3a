"""Synthesis assistant: summaries, answers and proposal drafts on a scope, with checked citations.

A *scope* is a set of contributions of one process: a duplicate group (``groupe``), a proposal's
sources (``proposition``), a cluster of a clustering run (``regroupement=<run>:<key>``), a hand-made
selection (``selection``). Each scope has one conversation; each generation is a message
holding every sentence with the verdict of the citation check, the engine, model and duration.

Acts (audited; they record what was generated and change no contribution, so there is nothing to
undo — the journal lists them with a label):

- ``assistant:summary:generate``, ``assistant:answer:generate``, ``assistant:draft:generate``;
- ``assistant:draft:use``: a proposal was created from a draft; records what the moderator kept;
- ``assistant:citation:flag`` (undoable, in ``flags.py``): a moderator marks a verified sentence « Cette
  citation est fausse »; the quality page counts the flags that stand.

What a generation reads (the scope, its conversation) is in ``scopes.py``.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterator

from contrib.assistant.engines import generate
from contrib.assistant.protocol import EMBEDDED, LLMSettings
from contrib.assistant.scopes import ScopeRef, check_moderator, conversation_for, history_of, load_scope
from contrib.core import audit, undo
from contrib.core.errors import NotFound
from contrib.core.french import french_spacing
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    AssistantConversation,
    AssistantMessage,
    MessageKind,
    Process,
    Proposal,
    User,
)
from contrib.models.assistant import QUESTION_MAX_LENGTH

GENERATE = {
    MessageKind.SUMMARY: "assistant:summary:generate",
    MessageKind.ANSWER: "assistant:answer:generate",
    MessageKind.DRAFT: "assistant:draft:generate",
}
USE_DRAFT = "assistant:draft:use"
TASK_OF = {MessageKind.SUMMARY: "summary", MessageKind.ANSWER: "answer", MessageKind.DRAFT: "draft"}


def register_undo() -> None:
    """Tell the undo registry how to label this module's acts (records, nothing to undo); called by create_app."""
    undo.describe(GENERATE[MessageKind.SUMMARY], label="Résumé généré par l'assistant")
    undo.describe(GENERATE[MessageKind.ANSWER], label="Réponse de l'assistant")
    undo.describe(GENERATE[MessageKind.DRAFT], label="Brouillon de proposition généré par l'assistant")
    undo.describe(USE_DRAFT, label="Brouillon de l'assistant utilisé pour une proposition")


def clean_question(question: str | None) -> str:
    return clean_text(question, field_label="Question", max_length=QUESTION_MAX_LENGTH, multiline=False)


def stream(
    process: Process,
    scope: ScopeRef,
    kind: MessageKind,
    *,
    actor: User,
    question: str | None = None,
    llm: LLMSettings | None = None,
) -> Iterator[tuple[str, object]]:
    """Generate on ``scope`` and yield the events as they come; store the message at the end.

    Yields ``("engine", {...})``, ``("segment", dict)``, ``("notice", str)`` and finally
    ``("done", message_id)``. Raises NotAllowed / InvalidInput before yielding anything.
    """
    check_moderator(actor)
    question = clean_question(question) if kind is MessageKind.ANSWER else None
    started = time.perf_counter()
    engine: dict = {"engine": EMBEDDED, "model": None}
    segments: list[dict] = []
    notices: list[str] = []
    history = history_of(process, scope, actor) if kind is MessageKind.ANSWER else []
    for event, value in generate(TASK_OF[kind], load_scope(scope.ids), question=question, llm=llm, history=history):
        if event == "engine":
            engine = value
        elif event == "segment":
            segments.append(value)
        elif event == "notice":
            value = french_spacing(value)
            notices.append(value)
        yield event, value
    message = _store(
        process, scope, kind, question, segments, notices, engine, int((time.perf_counter() - started) * 1000), actor
    )
    yield "done", message.id


def generate_message(
    process: Process,
    scope: ScopeRef,
    kind: MessageKind,
    *,
    actor: User,
    question: str | None = None,
    llm: LLMSettings | None = None,
) -> AssistantMessage:
    """Generate on ``scope`` in one go (the page without JavaScript) and return the stored message."""
    message_id = None
    for event, value in stream(process, scope, kind, actor=actor, question=question, llm=llm):
        if event == "done":
            message_id = value
    return db.session.get(AssistantMessage, message_id)


def _store(process, scope, kind, question, segments, notices, engine, duration_ms, actor) -> AssistantMessage:
    content: dict = {"segments": segments}
    if kind is MessageKind.ANSWER:  # "Réponse fondée sur N contributions"
        content["n_sources"] = len({i for s in segments if s["status"] == "verifiee" for i in s["citations"]})
    if kind is MessageKind.DRAFT:
        titles = [s for s in segments if s["kind"] == "titre" and s["status"] == "structure"]
        content["title"] = titles[-1]["text"] if titles else "Proposition"
        content["body"] = draft_body(segments)
        # The sources the draft keeps (cited by a verified sentence) among those it considered (the scope):
        # the draft page lists them all, the kept ones ticked, so none is dropped without the moderator seeing it.
        content["ids"] = sorted({i for s in segments if s["status"] == "verifiee" for i in s["citations"]})
        content["considered"] = list(scope.ids)
    with transaction():
        conversation = conversation_for(process, scope)
        if conversation is None:
            conversation = AssistantConversation(
                process_id=process.id,
                scope_kind=scope.kind,
                scope_key=scope.key,
                contribution_ids=list(scope.ids),
                created_by_id=actor.id,
            )
            db.session.add(conversation)
            db.session.flush()
        conversation.contribution_ids = list(scope.ids)
        message = AssistantMessage(
            conversation_id=conversation.id,
            kind=kind,
            question=question,
            content=content,
            engine=engine["engine"],
            model=engine.get("model"),
            notice=" ".join(notices)[:500] or None,
            duration_ms=duration_ms,
            created_by_id=actor.id,
        )
        db.session.add(message)
        db.session.flush()
        phrases = [s for s in segments if s["kind"] == "phrase"]
        audit.record(
            GENERATE[kind],
            actor=actor,
            target_type="assistant_message",
            target_id=message.id,
            after={
                "process_id": process.id,
                "scope": scope.key,
                "n_contributions": len(scope.ids),
                "question": question,
                "engine": message.engine,
                "model": message.model,
                "notice": message.notice,
                "n_sentences": len(phrases),
                "n_verified": sum(s["status"] == "verifiee" for s in phrases),
                "n_flagged": sum(s["status"] != "verifiee" for s in phrases),
                "cited_ids": sorted({i for s in phrases if s["status"] == "verifiee" for i in s["citations"]}),
                "text": [s["text"] for s in segments][:200],
            },
        )
    return message


# The parts of a draft kept in the proposal's text, each as a heading line when a verified sentence follows it.
DRAFT_PARTS = ("Constat :", "Proposition :")


def draft_body(segments: list[dict]) -> str:
    """The proposal text prefilled from a draft: verified sentences only, with their citations, under the
    draft's parts (« Constat : », « Proposition : », « Arguments : »), one sentence a line, a blank line
    between parts: the proposal's page, the plaidoyer and its exports show each line as a paragraph."""
    parts: list[tuple[str | None, list[str]]] = [(None, [])]
    arguments: list[str] = []
    for s in segments:
        if s["kind"] != "phrase":
            if s["kind"] == "liaison" and s["section"] != "arguments" and s["text"] in DRAFT_PARTS:
                parts.append((s["text"], []))
            continue
        if s["status"] != "verifiee":
            continue
        sentence = f"{s['text']} [{', '.join(f'#{i}' for i in s['citations'])}]"
        (arguments if s["section"] == "arguments" else parts[-1][1]).append(sentence)
    if arguments:
        parts.append(("Arguments :", [f"- {a}" for a in arguments]))
    blocks = ["\n".join(([heading] if heading else []) + lines) for heading, lines in parts if lines]
    return "\n\n".join(blocks)


def get_draft(message_id: int, process_id: int) -> AssistantMessage:
    """A stored draft of this process; raise NotFound."""
    message = db.session.get(AssistantMessage, message_id)
    if message is None or message.kind is not MessageKind.DRAFT or message.conversation.process_id != process_id:
        raise NotFound("Brouillon de l'assistant introuvable.")
    return message


def record_draft_use(message_id: int, proposal: Proposal, *, actor: User) -> None:
    """Audit that ``proposal`` was created from draft ``message_id``: what the moderator kept of it."""
    check_moderator(actor)
    message = get_draft(message_id, proposal.process_id)
    title, body = message.content.get("title", ""), message.content.get("body", "")
    sentences = [
        s["text"] for s in message.content.get("segments", []) if s["kind"] == "phrase" and s["status"] == "verifiee"
    ]
    kept = [s for s in sentences if s in proposal.text]
    with transaction():
        audit.record(
            USE_DRAFT,
            actor=actor,
            target_type="proposal",
            target_id=proposal.id,
            before={"message_id": message.id, "title": title, "body": body},
            after={
                "title": proposal.title,
                "text": proposal.text,
                "title_kept": proposal.title == title,
                "text_similarity": round(difflib.SequenceMatcher(None, body, proposal.text).ratio(), 3),
                "n_sentences_kept": len(kept),
                "n_sentences": len(sentences),
            },
        )
