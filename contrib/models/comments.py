"""Comments under contributions, one reply level (online debates)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import utcnow

COMMENT_MAX_LENGTH = 2000


class Comment(db.Model):
    """A comment on a contribution, or a reply to such a comment (never deeper).

    Never deleted: hiding sets ``hidden_at``.
    """

    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_contribution_thread", "contribution_id", "parent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))

    author: Mapped[User | None] = relationship()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
