"""Duplicate review: groups found by ``nlp.find_duplicates``, their members, and dismissed pairs.

A confirmed group is "one idea": its representative is shown first and its supports are counted
once per person across its members. Nothing here is a column on ``contributions``: the idea is the
confirmed group, so re-running detection or undoing a decision never touches a contribution row.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.contributions import Contribution
from nlp import REASON_LABELS


class DuplicateStatus(LabelledEnum):
    PENDING = ("pending", "À examiner")
    CONFIRMED = ("confirmed", "Confirmé : une seule idée")
    DISMISSED = ("dismissed", "Écarté : pas des doublons")


class DuplicateGroup(db.Model):
    """Contributions of one process that ``nlp`` found to say the same thing.

    Pending groups are replaced by each detection; confirmed and dismissed ones are moderators'
    decisions and are kept.
    """

    __tablename__ = "duplicate_groups"
    __table_args__ = (sa.Index("ix_duplicate_groups_process_status", "process_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"))
    status: Mapped[DuplicateStatus] = mapped_column(enum_column(DuplicateStatus), default=DuplicateStatus.PENDING)
    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    score: Mapped[float]
    # nlp's reason code: "exact", "near" or "paraphrase" (French label in nlp.REASON_LABELS).
    reason: Mapped[str] = mapped_column(sa.String(16))
    detected_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Optimistic locking: two moderators deciding the same group at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    representative: Mapped[Contribution] = relationship()
    decided_by: Mapped[User | None] = relationship()
    members: Mapped[list[DuplicateMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="DuplicateMember.contribution_id"
    )

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def kept_members(self) -> list[DuplicateMember]:
        """Members still in the group (a confirmation may leave some out)."""
        return [member for member in self.members if not member.is_excluded]

    @property
    def contribution_ids(self) -> list[int]:
        """Ids of the kept members, representative first."""
        ids = [member.contribution_id for member in self.kept_members]
        return sorted(ids, key=lambda id_: (id_ != self.representative_id, id_))


class DuplicateMember(db.Model):
    """One contribution in one duplicate group; ``is_excluded`` when a moderator left it out."""

    __tablename__ = "duplicate_members"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "contribution_id", name="uq_duplicate_members_group_contribution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("duplicate_groups.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"), index=True)
    is_excluded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    group: Mapped[DuplicateGroup] = relationship(back_populates="members")
    contribution: Mapped[Contribution] = relationship()


class DismissedPair(db.Model):
    """Two contributions a moderator said are not duplicates: detection never groups them again.

    Stored once, in canonical order (``first_id < second_id``).
    """

    __tablename__ = "dismissed_duplicate_pairs"
    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id", name="uq_dismissed_duplicate_pairs_first_second"),
        sa.CheckConstraint("first_id < second_id", name="canonical_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    second_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    dismissed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
