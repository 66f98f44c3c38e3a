"""Supports (soutiens): one person's vote for a contribution."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contrib.extensions import db
from contrib.models.base import utcnow


class Support(db.Model):
    """One person supports one contribution at most once; withdrawing deletes the support row."""

    __tablename__ = "supports"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "contribution_id", name="uq_supports_user_contribution"),
        sa.Index("ix_supports_user_recent", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
