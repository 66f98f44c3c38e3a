"""People and their roles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from contrib.extensions import db
from contrib.models.base import LabelledEnum, enum_column, utcnow


class Role(LabelledEnum):
    """What a person may do; each role includes the rights of the ones before it."""

    PARTICIPANT = ("participant", "Participant·e")
    FACILITATOR = ("facilitator", "Animateur·rice")
    MODERATOR = ("moderator", "Modérateur·rice")
    STAFF = ("staff", "Équipe CPOF")

    @property
    def level(self) -> int:
        return list(Role).index(self)

    def includes(self, other: "Role") -> bool:
        """True when this role has at least the rights of ``other``."""
        return self.level >= other.level


class ActorType(LabelledEnum):
    """The kind of actor a contributor speaks for."""

    TRAINING_ORG = ("training_org", "Organisme de formation")
    FUNDER = ("funder", "Financeur (Région, État, OPCO, France Travail)")
    INSTITUTION = ("institution", "Institution")
    COMPANY = ("company", "Entreprise")
    TRAINER = ("trainer", "Formateur·rice")
    LEARNER = ("learner", "Apprenant·e")
    OTHER = ("other", "Autre")


class User(UserMixin, db.Model):
    """An account: a participant, a facilitator, a moderator or a member of staff."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    actor_type: Mapped[ActorType] = mapped_column(enum_column(ActorType), default=ActorType.OTHER)
    organisation: Mapped[str | None] = mapped_column(sa.String(120))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def has_role(self, role: Role) -> bool:
        """True when the user's role includes ``role``."""
        return self.is_active and self.role.includes(role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"
