"""Moderators correct the citation checker: a verified sentence marked « Cette citation est fausse »
(audited, undoable); the quality page counts the flags that stand."""

from __future__ import annotations

from contrib.assistant.scopes import check_moderator
from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    AssistantMessage,
    AuditEntry,
    CitationFlag,
    Process,
    User,
)
from contrib.models.base import utcnow

FLAG = "assistant:citation:flag"


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) a citation flag; called by create_app."""
    undo.handler(FLAG, label="Citation de l'assistant signalée comme fausse", redo=_redo_flag)(_undo_flag)


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
