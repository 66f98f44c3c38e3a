"""Synthesis assistant: summaries, answers and proposal drafts on a scope, with checked citations.

A *scope* is a set of contributions of one process: a duplicate group (``groupe``), a proposal's
sources (``proposition``), a cluster of a clustering run (``regroupement=<run>:<key>``), a hand-made
selection (``selection``). Each scope has one conversation; each generation is a message
holding every sentence with the verdict of the citation check, the engine, model and duration.

Acts (audited; they record what was generated and change no contribution, so there is nothing to
undo — the journal lists them with a label):

- ``assistant:summary:generate``, ``assistant:answer:generate``, ``assistant:draft:generate``;
- ``assistant:draft:use``: a proposal was created from a draft; records what the moderator kept;
- ``assistant:citation:flag`` (undoable): a moderator marks a verified sentence « Cette citation est
  fausse »; the quality page counts the flags that stand.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from contrib.assistant.engines import EMBEDDED, MAX_HISTORY, LLMSettings, Scope, Turn, generate
from contrib.clustering import services as clustering
from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.ids import parse_id
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.duplicates import services as duplicates
from contrib.extensions import db
from contrib.models import (
    AssistantConversation,
    AssistantMessage,
    AuditEntry,
    CitationFlag,
    Contribution,
    MessageKind,
    Process,
    Proposal,
    Role,
    ScopeKind,
    User,
)
from contrib.models.assistant import QUESTION_MAX_LENGTH
from contrib.models.base import utcnow
from contrib.participation import vectors
from contrib.proposals import services as proposals

MAX_SCOPE = 2000

GENERATE = {
    MessageKind.SUMMARY: "assistant:summary:generate",
    MessageKind.ANSWER: "assistant:answer:generate",
    MessageKind.DRAFT: "assistant:draft:generate",
}
USE_DRAFT = "assistant:draft:use"
FLAG = "assistant:citation:flag"
TASK_OF = {MessageKind.SUMMARY: "summary", MessageKind.ANSWER: "answer", MessageKind.DRAFT: "draft"}


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    undo.handler(FLAG, label="Citation de l'assistant signalée comme fausse", redo=_redo_flag)(_undo_flag)
    undo.describe(GENERATE[MessageKind.SUMMARY], label="Résumé généré par l'assistant")
    undo.describe(GENERATE[MessageKind.ANSWER], label="Réponse de l'assistant")
    undo.describe(GENERATE[MessageKind.DRAFT], label="Brouillon de proposition généré par l'assistant")
    undo.describe(USE_DRAFT, label="Brouillon de l'assistant utilisé pour une proposition")


@dataclass(frozen=True)
class ScopeRef:
    """What the page asked for: a kind and its reference, resolved to contribution ids."""

    kind: ScopeKind
    key: str
    ids: tuple[int, ...]
    label: str  # French, shown as the page's subtitle


def check_moderator(user: User | None) -> None:
    require_role(user, Role.MODERATOR, "Seuls les modérateurs peuvent utiliser l'assistant de synthèse.")


def resolve_scope(process: Process, kind: str | None, ref: str | None) -> ScopeRef:
    """Turn ``?groupe=12`` / ``?proposition=4`` / ``?regroupement=7:c3`` / ``?ids=1,2,3`` into a scope of
    visible contributions.

    Raises InvalidInput for an unknown kind or an empty selection, NotFound for an unknown group
    or proposal (or one of another process).
    """
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise InvalidInput(
            "Choisissez ce que l'assistant doit lire : un groupe de doublons, une proposition "
            "ou une sélection de contributions."
        ) from None
    if scope_kind is ScopeKind.CLUSTER:
        run_ref, _, cluster_key = (ref or "").partition(":")
        run = clustering.get_run(process.id, _number(run_ref, "calcul"))
        cluster = clustering.get_cluster(run, cluster_key.strip())
        ids = clustering.member_ids(run.id, cluster.id)
        key = f"regroupement:{run.id}:{cluster.key}"
        name = clustering.cluster_names(process.id).get(cluster.key, cluster.label)
        label = f"Regroupement « {name} » (calcul n° {run.id})"
    elif scope_kind is ScopeKind.GROUP:
        number = _number(ref, "groupe")
        group = duplicates.get_group(number, process_id=process.id)
        ids, key, label = group.contribution_ids, f"groupe:{number}", f"Groupe de doublons n° {number}"
    elif scope_kind is ScopeKind.PROPOSAL:
        number = _number(ref, "proposition")
        proposal = db.session.get(Proposal, number)
        if proposal is None or proposal.process_id != process.id or proposal.cancelled_at is not None:
            raise NotFound("Proposition introuvable dans cette démarche.")
        ids = [c.id for c in proposals.sources_of(proposal.id)]
        key, label = f"proposition:{number}", f"Sources de la proposition n° {number} « {proposal.title} »"
    else:
        ids = proposals.parse_ids(ref)
        if len(ids) > MAX_SCOPE:
            raise InvalidInput(f"Une sélection compte au plus {MAX_SCOPE} contributions.")
        ids = sorted(ids)
        digest = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:20]
        key, label = f"selection:{digest}", f"Sélection de {len(ids)} contribution{'s' if len(ids) > 1 else ''}"
    visible = _visible_ids(process.id, ids)
    if not visible:
        raise InvalidInput("Cette sélection ne contient aucune contribution visible de la démarche.")
    return ScopeRef(scope_kind, key, tuple(visible), label)


def _number(ref: str | None, what: str) -> int:
    number = parse_id(ref)
    if number is None:
        raise InvalidInput(f"Numéro de {what} invalide.")
    return number


def _visible_ids(process_id: int, ids) -> list[int]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(Contribution.id)
            .where(
                Contribution.id.in_(list(ids)), Contribution.process_id == process_id, Contribution.hidden_at.is_(None)
            )
            .order_by(Contribution.id)
        )
    )


def contributions_of(ids) -> dict[int, Contribution]:
    """{id: contribution} for the citations of a page (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids)))}


def load_scope(ids) -> Scope:
    """The texts and metadata the engines read, oldest first (so duplicates fold onto originals)."""
    rows = sorted(contributions_of(ids).values(), key=lambda c: c.id)
    stored = [vectors.current(c.embedding, c.embedding_model) for c in rows]
    return Scope(
        ids=[c.id for c in rows],
        texts=[c.text for c in rows],
        actor_types=[c.actor_type.label for c in rows],
        events=[c.table_label for c in rows],
        titles=[c.title for c in rows],
        # Stored vectors spare the encoder (seconds on a large cluster); all or none, for comparable vectors.
        vectors=stored if rows and all(v is not None for v in stored) else None,  # type: ignore[arg-type]
    )


def conversation_for(process: Process, scope: ScopeRef) -> AssistantConversation | None:
    """The scope's conversation with its messages, or None before the first generation."""
    return db.session.scalar(
        db.select(AssistantConversation).where(
            AssistantConversation.process_id == process.id, AssistantConversation.scope_key == scope.key
        )
    )


def history_of(process: Process, scope: ScopeRef, actor: User) -> list[Turn]:
    """The moderator's previous questions on this scope and the answers shown, oldest first."""
    conversation = conversation_for(process, scope)
    if conversation is None:
        return []
    answers = db.session.scalars(
        db.select(AssistantMessage)
        .where(
            AssistantMessage.conversation_id == conversation.id,
            AssistantMessage.kind == MessageKind.ANSWER,
            AssistantMessage.created_by_id == actor.id,
        )
        .order_by(AssistantMessage.id.desc())
        .limit(MAX_HISTORY)
    ).all()
    return [Turn(message.question or "", message_text(message)) for message in reversed(answers)]


def message_text(message: AssistantMessage) -> str:
    """A stored message as plain text, each sentence with its citations ``[#id]``."""
    return " ".join(
        s["text"] + (f" [{', '.join(f'#{i}' for i in s['citations'])}]" if s["citations"] else "")
        for s in message.content.get("segments", [])
    )


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


def draft_body(segments: list[dict]) -> str:
    """The proposal text prefilled from a draft: verified sentences only, with their citations."""
    lines: list[str] = []
    arguments: list[str] = []
    for s in segments:
        if s["kind"] != "phrase" or s["status"] != "verifiee":
            continue
        sentence = f"{s['text']} [{', '.join(f'#{i}' for i in s['citations'])}]"
        (arguments if s["section"] == "arguments" else lines).append(sentence)
    if arguments:
        lines += ["", "Arguments :"] + [f"- {a}" for a in arguments]
    return "\n".join(lines)


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


# --- moderators correct the checker ------------------------------------------------------------------


def flags_of(message_ids) -> dict[tuple[int, int], CitationFlag]:
    """{(message id, segment index): standing flag} for the messages of a page (one query)."""
    ids = list(message_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(CitationFlag).where(CitationFlag.message_id.in_(ids), CitationFlag.withdrawn_at.is_(None))
    )
    return {(flag.message_id, flag.segment_index): flag for flag in rows}


def flag_citation(process: Process, message_id: int, index: int, *, actor: User) -> CitationFlag:
    """Mark the verified sentence ``index`` of message ``message_id`` as wrongly verified (audited, undoable).

    Raises NotFound (message of another process, no such sentence), InvalidInput (not a verified
    sentence), Conflict (already marked).
    """
    check_moderator(actor)
    with transaction():
        message = db.session.get(AssistantMessage, message_id)
        if message is None or message.conversation.process_id != process.id:
            raise NotFound("Message de l'assistant introuvable dans cette démarche.")
        segments = message.content.get("segments", [])
        if not 0 <= index < len(segments):
            raise NotFound("Phrase introuvable dans ce message.")
        segment = segments[index]
        if segment["kind"] != "phrase" or segment["status"] != "verifiee":
            raise InvalidInput("Seule une phrase affichée comme vérifiée peut être signalée comme fausse.")
        flag = db.session.scalar(
            db.select(CitationFlag).where(CitationFlag.message_id == message.id, CitationFlag.segment_index == index)
        )
        if flag is not None and flag.withdrawn_at is None:
            raise Conflict("Cette citation est déjà signalée comme fausse.")
        if flag is None:
            flag = CitationFlag(
                message_id=message.id,
                process_id=process.id,
                segment_index=index,
                sentence=segment["text"],
                citations=list(segment["citations"]),
                created_by_id=actor.id,
            )
            db.session.add(flag)
        else:
            flag.withdrawn_at, flag.created_by_id, flag.created_at = None, actor.id, utcnow()
        db.session.flush()
        audit.record(
            FLAG,
            actor=actor,
            target_type="assistant_citation_flag",
            target_id=flag.id,
            before={"flagged": False},
            after={
                "flagged": True,
                "process_id": process.id,
                "message_id": message.id,
                "index": index,
                "sentence": flag.sentence,
                "citations": flag.citations,
            },
        )
    return flag


def _undo_flag(entry: AuditEntry, actor: User) -> None:
    _set_flag(entry, False)


def _redo_flag(entry: AuditEntry, actor: User) -> None:
    _set_flag(entry, True)


def _set_flag(entry: AuditEntry, standing: bool) -> None:
    flag = db.session.get(CitationFlag, entry.target_id)
    if flag is None or (flag.withdrawn_at is None) == standing:
        raise Conflict("Ce signalement a déjà été modifié : rien n'a été fait.")
    flag.withdrawn_at = None if standing else utcnow()
