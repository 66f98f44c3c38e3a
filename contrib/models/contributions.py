"""Contributions: one idea, diagnostic, proposal, weak signal or experimental track."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import ActorType, User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.processes import Process, Theme
from nlp import fold

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 5000


class ContributionKind(LabelledEnum):
    DIAGNOSTIC = ("diagnostic", "Diagnostic")
    IDEA = ("idea", "Idée")
    PROPOSAL = ("proposal", "Proposition")
    WEAK_SIGNAL = ("weak_signal", "Signal faible")
    TRACK = ("track", "Piste expérimentale")


class ContributionStatus(LabelledEnum):
    """Where a contribution went; later stages are set by moderation and the plaidoyer."""

    PUBLISHED = ("published", "Publiée")
    MERGED = ("merged", "Intégrée à une proposition")
    RETAINED = ("retained", "Retenue dans le plaidoyer")


class ContributionSource(LabelledEnum):
    ONLINE = ("online", "En ligne")
    FACILITATOR = ("facilitator", "Saisie par l'animateur")
    IMPORT = ("import", "Importée d'une feuille d'atelier")


def search_key(title: str | None, text: str | None) -> str:
    """The folded form searched by the process page (case and accents ignored)."""
    return fold(f"{title or ''} {text or ''}")


def _search_key_default(context) -> str:
    # A column default, not an ORM event: Core bulk inserts (imports, volume loads) fill it too.
    parameters = context.get_current_parameters()
    return search_key(parameters.get("title"), parameters.get("text"))


# Partial indexes of the contributions a listing shows (every listing filters on this).
VISIBLE_ONLY = {"sqlite_where": sa.text("hidden_at IS NULL"), "postgresql_where": sa.text("hidden_at IS NULL")}


class Contribution(db.Model):
    """One person's or one workshop table's contribution to a process.

    Never deleted: hiding sets ``hidden_at``; merging (later) links it to a proposal.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        sa.Index("ix_contributions_process_recent", "process_id", "id"),
        sa.Index("ix_contributions_process_theme_recent", "process_id", "theme_id", "id"),
        sa.Index("ix_contributions_process_kind_recent", "process_id", "kind", "id"),
        sa.Index("ix_contributions_author_recent", "author_id", "id"),
        # "Les plus soutenues", by numbered pages: without them a page sorted 1,000,000 rows (5.6 s on SQLite).
        # Visible rows only (migration 0025): a page's ids are read from the index alone, page 1,000 included
        sa.Index("ix_contributions_process_supports", "process_id", "n_supports", "id", **VISIBLE_ONLY),
        sa.Index(
            "ix_contributions_process_theme_supports",
            "process_id",
            "theme_id",
            "n_supports",
            "id",
            **VISIBLE_ONLY,
        ),
        # "Les plus commentées", the same way (7.8 s on SQLite before, grouping every comment of the process).
        sa.Index("ix_contributions_process_comments", "process_id", "n_comments", "id", **VISIBLE_ONLY),
        sa.Index(
            "ix_contributions_process_theme_comments",
            "process_id",
            "theme_id",
            "n_comments",
            "id",
            **VISIBLE_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="RESTRICT"))
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="RESTRICT"))
    kind: Mapped[ContributionKind] = mapped_column(enum_column(ContributionKind))
    title: Mapped[str | None] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    text: Mapped[str] = mapped_column(sa.Text)
    # sa.text: alembic reads a plain "" as no server default at all, and reports drift.
    search_text: Mapped[str] = mapped_column(sa.Text, default=_search_key_default, server_default=sa.text("''"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Free-text author for contributions typed in or imported on behalf of someone.
    author_name: Mapped[str | None] = mapped_column(sa.String(120))
    actor_type: Mapped[ActorType] = mapped_column(enum_column(ActorType), default=ActorType.OTHER)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    table_label: Mapped[str | None] = mapped_column(sa.String(80))
    n_table_participants: Mapped[int | None]
    source: Mapped[ContributionSource] = mapped_column(
        enum_column(ContributionSource), default=ContributionSource.ONLINE
    )
    status: Mapped[ContributionStatus] = mapped_column(
        enum_column(ContributionStatus), default=ContributionStatus.PUBLISHED
    )
    hidden_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # Kept by the support service with an atomic UPDATE, outside the optimistic version.
    n_supports: Mapped[int] = mapped_column(default=0, server_default="0")
    # Comments not hidden whose author counts (``counted``): kept by the database's triggers (migration 0024),
    # whatever writes comments or confirms accounts; never written by the application.
    n_comments: Mapped[int] = mapped_column(default=0, server_default="0")
    # Meaning vector (nlp.embeddings float16 bytes, 1 KiB) and the model that produced it; none, or another
    # model's, means "to compute" (contrib.participation.vectors): until then the row is matched by its words only.
    embedding: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    embedding_model: Mapped[str | None] = mapped_column(sa.String(40))
    # Optimistic locking: two moderators changing the same row at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    process: Mapped[Process] = relationship()
    theme: Mapped[Theme] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def signature(self) -> str:
        """Who the interface shows as the contribution's author."""
        if self.author is not None:
            return self.author.display_name
        if self.author_name:
            return self.author_name
        if self.table_label:
            return self.table_label
        return "Anonyme"


class ContributionCount(db.Model):
    """How many contributions a process has per theme and kind: all of them, and the visible ones.

    Written only by database triggers on ``contributions`` (migration ``0022_pages1m_counts``), in the
    transaction of the write, whatever wrote it (a post, a hiding, an edit, an import, its undo, a bulk
    load, an SQL statement): the listing shows "N contributions" at 1,000,000 rows without counting them.
    """

    __tablename__ = "contribution_counts"

    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[ContributionKind] = mapped_column(enum_column(ContributionKind), primary_key=True)
    n_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    n_visible: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class ContributionRevision(db.Model):
    """A version of a contribution its author replaced by editing it (the history of a contribution).

    ``number`` 1 is the text as first posted; the contribution itself holds the current version.
    """

    __tablename__ = "contribution_revisions"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "number", name="uq_contribution_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    number: Mapped[int]
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="RESTRICT"))
    kind: Mapped[ContributionKind] = mapped_column(enum_column(ContributionKind))
    title: Mapped[str | None] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    text: Mapped[str] = mapped_column(sa.Text)
    # When this version was published (the post, or the previous edit) and when it was replaced.
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    replaced_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    theme: Mapped[Theme] = relationship()
