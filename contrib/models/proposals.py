"""Proposals (propositions): consolidated ideas merged by moderators from contributions.

A proposal keeps its sources (``ProposalSource``, one row per contribution, a contribution feeds at
most one proposal) and its supporters (``ProposalSupport``, one row per person). Proposals are never
deleted: merging one into another sets ``merged_into_id``; undoing a creation sets ``cancelled_at``,
so ids are never reused and the journal always points at the same proposal.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.contributions import Contribution
from contrib.models.processes import Process, Theme

PROPOSAL_TITLE_MAX_LENGTH = 200
PROPOSAL_TEXT_MAX_LENGTH = 10_000
STATUS_REASON_MAX_LENGTH = 500


class ProposalPriority(LabelledEnum):
    HIGH = ("high", "Haute")
    MEDIUM = ("medium", "Moyenne")
    LOW = ("low", "Basse")


class ProposalStatus(LabelledEnum):
    """Where a proposal stands; "retenue"/"écartée" (with a public reason) are set by prioritisation."""

    UNDER_REVIEW = ("under_review", "À l'étude")
    RETAINED = ("retained", "Retenue")
    DISCARDED = ("discarded", "Écartée")


class SupportOrigin(LabelledEnum):
    """Why a person counts as a supporter of a proposal."""

    # Derived by moderation: they support a source contribution (or a proposal merged into this one).
    CARRIED = ("carried", "Soutien d'une contribution source")
    # Given to the proposal itself (prioritisation); never removed by moderation.
    DIRECT = ("direct", "Soutien direct")


proposal_themes = sa.Table(
    "proposal_themes",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Proposal(db.Model):
    """A consolidated proposal of a process, written by a moderator from contributions."""

    __tablename__ = "proposals"
    __table_args__ = (sa.Index("ix_proposals_process_recent", "process_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(PROPOSAL_TITLE_MAX_LENGTH))
    text: Mapped[str] = mapped_column(sa.Text)
    priority: Mapped[ProposalPriority] = mapped_column(enum_column(ProposalPriority), default=ProposalPriority.MEDIUM)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.UNDER_REVIEW)
    # Public reason of a status ("écartée" needs one); set by prioritisation.
    status_reason: Mapped[str | None] = mapped_column(sa.String(STATUS_REASON_MAX_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # A proposal merged into another stays, marked "fusionnée dans …"; its sources moved there.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id", ondelete="SET NULL"), index=True)
    merged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Set when its creation was undone from the journal (a redo clears it).
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Sentences of the text whose citations the checker did not verify, kept by a moderator with a
    # reason: {"sentences": [{"text", "citations", "status", "reason"}], "reason": str}; None when all verify.
    citation_review: Mapped[dict | None] = mapped_column(sa.JSON)
    # Optimistic locking, as on contributions.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    process: Mapped[Process] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    themes: Mapped[list[Theme]] = relationship(secondary=proposal_themes, order_by=Theme.position)

    @property
    def is_live(self) -> bool:
        """True when the proposal takes part in moderation (neither merged away nor cancelled)."""
        return self.merged_into_id is None and self.cancelled_at is None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class ProposalSource(db.Model):
    """A contribution that feeds a proposal; unique per contribution, so it feeds one proposal at most.

    The unique constraint is what settles two moderators adding the same contribution at once.
    """

    __tablename__ = "proposal_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"), unique=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    contribution: Mapped[Contribution] = relationship()


class ProposalSupport(db.Model):
    """One person counted once as a supporter of a proposal, with the reason they count."""

    __tablename__ = "proposal_supports"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "user_id", name="uq_proposal_supports_proposal_user"),
        sa.Index("ix_proposal_supports_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    origin: Mapped[SupportOrigin] = mapped_column(enum_column(SupportOrigin))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
