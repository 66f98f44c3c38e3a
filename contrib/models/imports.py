"""Workshop-sheet imports: a batch per uploaded file, and the contributions each batch created."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.accounts import User
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.processes import Process


class ImportStatus(LabelledEnum):
    DRAFT = ("draft", "Aperçu, non importé")
    CONFIRMED = ("confirmed", "Importé")
    CANCELLED = ("cancelled", "Abandonné")
    UNDONE = ("undone", "Import annulé")


class ImportBatch(db.Model):
    """One uploaded sheet, from preview to confirmation (and possibly undo).

    The parsed cells live in the row (``cells``), never on a local disk or in memory, so preview
    and confirmation may be served by different processes or hosts. They are dropped once the
    batch is confirmed or cancelled; ``sha256`` keeps the identity of the file.
    """

    __tablename__ = "import_batches"
    __table_args__ = (sa.Index("ix_import_batches_process_recent", "process_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.DRAFT)
    filename: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    n_bytes: Mapped[int]
    file_format: Mapped[str] = mapped_column(sa.String(8))
    # What the reader detected: encoding and separator (CSV) or sheet name (XLSX), and notes.
    detected: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # {field: column index or None}, editable in the preview.
    mapping: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # {raw theme value: theme id or None}: the facilitator's corrections of fuzzy matches.
    theme_choices: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {"header": [...], "rows": [[line number, cell, cell, ...], ...]}; None once settled.
    cells: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    n_rows: Mapped[int] = mapped_column(default=0)
    n_imported: Mapped[int] = mapped_column(default=0)
    n_skipped: Mapped[int] = mapped_column(default=0)
    settled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    process: Mapped[Process] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class ImportedRow(db.Model):
    """A contribution created by an import, with the fingerprint that stops it being imported twice.

    The fingerprint is unique per process; undoing a batch clears its fingerprints (NULLs never
    collide), so the same sheet can be imported again after an undo.
    """

    __tablename__ = "imported_rows"
    __table_args__ = (sa.UniqueConstraint("process_id", "fingerprint", name="uq_imported_rows_process_fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="RESTRICT"), index=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="RESTRICT"))
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"), unique=True)
    line_number: Mapped[int]
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
