"""Reports (signalements): someone flags a contribution or a comment for moderation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow

DETAILS_MAX_LENGTH = 500


class ReportReason(LabelledEnum):
    OFF_TOPIC = ("off_topic", "Hors sujet")
    ABUSIVE = ("abusive", "Propos injurieux ou discriminant")
    PERSONAL_DATA = ("personal_data", "Données personnelles")
    SPAM = ("spam", "Spam ou publicité")
    DUPLICATE = ("duplicate", "Doublon")
    OTHER = ("other", "Autre")


class ReportDecision(LabelledEnum):
    """What moderation decided for the reported content; set on every report it closes."""

    RESTORED = ("restored", "Restaurée")
    KEPT_HIDDEN = ("kept_hidden", "Masquée")


class Report(db.Model):
    """One person's report of one contribution or one comment (exactly one of the two).

    A person has at most one open report per target (partial unique indexes); once moderation
    decides, the report is closed (``resolved_at``) and only later reports count again.
    """

    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint("(contribution_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        sa.Index(
            "uq_reports_open_contribution",
            "reporter_id",
            "contribution_id",
            unique=True,
            sqlite_where=sa.text("resolved_at IS NULL AND contribution_id IS NOT NULL"),
            postgresql_where=sa.text("resolved_at IS NULL AND contribution_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_reports_open_comment",
            "reporter_id",
            "comment_id",
            unique=True,
            sqlite_where=sa.text("resolved_at IS NULL AND comment_id IS NOT NULL"),
            postgresql_where=sa.text("resolved_at IS NULL AND comment_id IS NOT NULL"),
        ),
        sa.Index("ix_reports_contribution_open", "contribution_id", "resolved_at"),
        sa.Index("ix_reports_comment_open", "comment_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="RESTRICT"))
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason))
    details: Mapped[str | None] = mapped_column(sa.String(DETAILS_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[ReportDecision | None] = mapped_column(enum_column(ReportDecision))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
