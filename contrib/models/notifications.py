"""In-site notifications: what became of a person's contributions."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contrib.extensions import db
from contrib.models.base import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_recent", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # "answered", "merged", "hidden", "proposal_status": what happened to the contribution.
    kind: Mapped[str] = mapped_column(sa.String(24))
    message: Mapped[str] = mapped_column(sa.String(500))
    # Where the notification leads: a Flask endpoint and its arguments (JSON), built with url_for when
    # shown, so that renaming a route cannot break it. Rows older than migration 0017 whose path could
    # not be read back to an endpoint keep only ``link``, a path.
    endpoint: Mapped[str | None] = mapped_column(sa.String(80))
    endpoint_args: Mapped[str | None] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def url_args(self) -> dict:
        """The endpoint's arguments (``_anchor`` included, as ``url_for`` takes it)."""
        return json.loads(self.endpoint_args) if self.endpoint_args else {}
