"""The plaidoyer: the ordered document of proposals the CPOF carries to the State, the Regions and
the social partners, built event after event, with frozen versions.

A plaidoyer has sections (one per theme by default) holding proposals in order. A section that is
removed keeps its row (``removed_at``) so an undo or redo finds it again under the same id; an
item (a proposal placed in a section) is identified by (plaidoyer, proposal), unique, so its own id
never matters. Versions are frozen JSON copies of the whole document, never edited nor deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import enum_column, utcnow
from contrib.models.clustering import RunStatus
from contrib.models.proposals import Proposal

PLAIDOYER_TITLE_MAX_LENGTH = 200
PLAIDOYER_TEXT_MAX_LENGTH = 20_000
SECTION_TITLE_MAX_LENGTH = 200
VERSION_LABEL_MAX_LENGTH = 200


class Plaidoyer(db.Model):
    """The document: title, introduction, conclusion; its sections and versions hang off it."""

    __tablename__ = "plaidoyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(PLAIDOYER_TITLE_MAX_LENGTH))
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # Optimistic locking: every act bumps it, so two people editing at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    created_by: Mapped[User | None] = relationship()


class PlaidoyerSection(db.Model):
    """A section of the document; ``theme_key`` (folded theme name) matches proposals of any process."""

    __tablename__ = "plaidoyer_sections"
    __table_args__ = (sa.Index("ix_plaidoyer_sections_plaidoyer_position", "plaidoyer_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plaidoyer_id: Mapped[int] = mapped_column(sa.ForeignKey("plaidoyers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(SECTION_TITLE_MAX_LENGTH))
    theme_key: Mapped[str | None] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class PlaidoyerItem(db.Model):
    """A proposal placed in a section, at a position; a proposal appears once per plaidoyer."""

    __tablename__ = "plaidoyer_items"
    __table_args__ = (
        sa.UniqueConstraint("plaidoyer_id", "proposal_id", name="uq_plaidoyer_items_plaidoyer_proposal"),
        sa.Index("ix_plaidoyer_items_section_position", "section_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plaidoyer_id: Mapped[int] = mapped_column(sa.ForeignKey("plaidoyers.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plaidoyer_sections.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    proposal: Mapped[Proposal] = relationship()


class PlaidoyerVersion(db.Model):
    """A frozen copy of the whole document (sections, proposals, texts, provenance) at one moment."""

    __tablename__ = "plaidoyer_versions"
    __table_args__ = (sa.UniqueConstraint("plaidoyer_id", "number", name="uq_plaidoyer_versions_plaidoyer_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plaidoyer_id: Mapped[int] = mapped_column(sa.ForeignKey("plaidoyers.id", ondelete="CASCADE"))
    number: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(VERSION_LABEL_MAX_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    created_by: Mapped[User | None] = relationship()


ACTIVE_DOCUMENT_PDF = "version_id IS NULL AND status IN ('queued', 'running')"
ACTIVE_VERSION_PDF = "version_id IS NOT NULL AND status IN ('queued', 'running')"


class PlaidoyerPdf(db.Model):
    """A PDF of the document (``version_id`` None) or of a version, made by the task queue.

    Status, progress and the finished file live on this row, which every web host reads from the shared
    database: the page that waits for it may be served by any host. A version's PDF never changes, so its
    finished row is served again to anyone who asks; the current document's is made afresh each time.
    Only the latest finished row of each (plaidoyer, version) is kept.
    """

    __tablename__ = "plaidoyer_pdfs"
    __table_args__ = (
        sa.Index("ix_plaidoyer_pdfs_plaidoyer_version", "plaidoyer_id", "version_id", "status"),
        # At most one PDF waiting or being made per document and per version: two first requests at the same
        # instant make one layout, the second joining the first (``pdf_jobs.request_pdf``). Two indexes, since
        # a unique index counts NULL version ids as all different.
        sa.Index(
            "uq_plaidoyer_pdfs_active_document",
            "plaidoyer_id",
            unique=True,
            sqlite_where=sa.text(ACTIVE_DOCUMENT_PDF),
            postgresql_where=sa.text(ACTIVE_DOCUMENT_PDF),
        ),
        sa.Index(
            "uq_plaidoyer_pdfs_active_version",
            "version_id",
            unique=True,
            sqlite_where=sa.text(ACTIVE_VERSION_PDF),
            postgresql_where=sa.text(ACTIVE_VERSION_PDF),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plaidoyer_id: Mapped[int] = mapped_column(sa.ForeignKey("plaidoyers.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plaidoyer_versions.id", ondelete="CASCADE"))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    progress_message: Mapped[str] = mapped_column(sa.String(300), default="")
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    n_bytes: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    version: Mapped[PlaidoyerVersion | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
