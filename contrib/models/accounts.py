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

    def includes(self, other: Role) -> bool:
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
    # Supports, reports and votes are recorded at once but counted only once the address is confirmed.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Part of the session's user id: raising it (logout, password change or reset) ends every earlier session.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the person accepted the charter and the personal-data notice (registration); None before the rule.
    consented_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the account and its current session generation."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_confirmed(self) -> bool:
        """True when the account's supports, reports and votes count."""
        return self.email_confirmed_at is not None

    @property
    def badge(self) -> str | None:
        """The role badge shown next to the name, so nobody can pass for the organisation."""
        if not self.is_active:
            return None
        if self.role == Role.STAFF:
            return "Équipe CPOF"
        if self.role == Role.MODERATOR:
            return "Modération"
        return None

    def has_role(self, role: Role) -> bool:
        """True when the user's role includes ``role``."""
        return self.is_active and self.role.includes(role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


def counted(user_id):
    """SQL condition on a ``user_id`` column: the act counts (its account confirmed its e-mail address).

    The one rule behind every count of supports, reports and votes. A row without an account (NULL)
    is not an account's act to confirm and counts.
    """
    confirmed = sa.select(User.id).where(User.email_confirmed_at.is_not(None)).correlate(None)
    return sa.or_(user_id.is_(None), user_id.in_(confirmed))
