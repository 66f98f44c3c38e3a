"""Processes (démarches: regional events, online debates) and their themes."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.base import LabelledEnum, enum_column, utcnow

DEFAULT_THEMES = (
    "Évaluation/qualité",
    "Partenariats/écosystème",
    "Certifications/reconnaissance",
    "Professionnels/acteurs de la formation",
    "Financements/priorisation",
    "Ingénieries/pédagogie",
    "Métiers/compétences",
)


class ProcessKind(LabelledEnum):
    EVENT = ("event", "Évènement régional")
    ONLINE_DEBATE = ("online_debate", "Débat en ligne")


class Process(db.Model):
    """A démarche that collects contributions: a regional event or an online debate."""

    __tablename__ = "processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ProcessKind] = mapped_column(enum_column(ProcessKind), default=ProcessKind.EVENT)
    region: Mapped[str | None] = mapped_column(sa.String(80))
    place: Mapped[str | None] = mapped_column(sa.String(120))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    question: Mapped[str | None] = mapped_column(sa.Text)
    replay_url: Mapped[str | None] = mapped_column(sa.String(500))
    is_open: Mapped[bool] = mapped_column(default=True)
    # Kept up to date in the transaction that adds a contribution, so pages never count rows.
    n_contributions: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="process", order_by="Theme.position", cascade="all, delete-orphan"
    )


class Theme(db.Model):
    """A thématique of a process; the seven CPOF themes by default."""

    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("process_id", "name", name="uq_themes_process_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    process: Mapped[Process] = relationship(back_populates="themes")
