"""Synthesis assistant: one conversation per scope, and its messages (summaries, answers, drafts).

Every generated sentence is stored with the verdict of the citation check (``nlp.citations``), the
engine and model that wrote it, and how long it took, so the history shows what was shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.processes import Process

SCOPE_KEY_MAX_LENGTH = 80
QUESTION_MAX_LENGTH = 500


class ScopeKind(LabelledEnum):
    GROUP = ("groupe", "Groupe de doublons")
    PROPOSAL = ("proposition", "Sources d'une proposition")
    SELECTION = ("selection", "Sélection de contributions")
    CLUSTER = ("regroupement", "Regroupement")  # wired when clustering runs land
    THEME = ("thematique", "Thématique")  # every visible contribution of one of the process's themes


class MessageKind(LabelledEnum):
    SUMMARY = ("summary", "Résumé")
    ANSWER = ("answer", "Réponse")
    DRAFT = ("draft", "Brouillon de proposition")


class AssistantConversation(db.Model):
    """The assistant's history on one scope of one process (a group, a proposal, a selection)."""

    __tablename__ = "assistant_conversations"
    __table_args__ = (sa.UniqueConstraint("process_id", "scope_key", name="uq_assistant_conversations_process_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"))
    scope_kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind))
    # "groupe:12", "proposition:4", "selection:<sha1 of the sorted ids>": one conversation per scope.
    scope_key: Mapped[str] = mapped_column(sa.String(SCOPE_KEY_MAX_LENGTH))
    contribution_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    process: Mapped[Process] = relationship()
    messages: Mapped[list[AssistantMessage]] = relationship(
        back_populates="conversation", order_by="AssistantMessage.id"
    )


class AssistantMessage(db.Model):
    """One generated text: its kind, the question asked, the checked sentences, engine and timing."""

    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assistant_conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind))
    question: Mapped[str | None] = mapped_column(sa.String(QUESTION_MAX_LENGTH))
    # [{"kind", "text", "citations", "status", "score"}], plus {"title"} for drafts.
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    engine: Mapped[str] = mapped_column(sa.String(40))
    model: Mapped[str | None] = mapped_column(sa.String(200))
    # French message shown when the configured endpoint failed and the embedded engine answered.
    notice: Mapped[str | None] = mapped_column(sa.String(500))
    duration_ms: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    conversation: Mapped[AssistantConversation] = relationship(back_populates="messages")
    created_by: Mapped[User | None] = relationship()


class CitationFlag(db.Model):
    """A moderator's "Cette citation est fausse" on a verified sentence shown by the assistant.

    Never deleted: undoing the act sets ``withdrawn_at`` (a redo clears it); the quality page counts
    the flags that stand.
    """

    __tablename__ = "assistant_citation_flags"
    __table_args__ = (sa.UniqueConstraint("message_id", "segment_index", name="uq_assistant_citation_flags_segment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("assistant_messages.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    segment_index: Mapped[int] = mapped_column()
    sentence: Mapped[str] = mapped_column(sa.Text)
    citations: Mapped[list[int]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
