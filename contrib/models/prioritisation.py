"""Plenary prioritisation: live sessions where a room ranks a set of proposals from their phones.

Two modes: dot voting (each participant spreads ``n_points`` over the proposals; one ballot per
person, changeable until the session closes) and pairwise comparison ("Laquelle est la plus
prioritaire ?", All Our Ideas style; one answer per person and pair). Closing a session freezes its
ranking into ``result`` so the projector and the public page keep showing what the room decided.
Nothing here is ever deleted by moderation: a cancelled session keeps its rows (``status``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contrib.extensions import db
from contrib.models.base import LabelledEnum, enum_column, utcnow
from contrib.models.processes import Process
from contrib.models.proposals import Proposal

SESSION_TITLE_MAX_LENGTH = 200


class SessionMode(LabelledEnum):
    DOTS = ("dots", "Vote par points (gommettes)")
    PAIRWISE = ("pairwise", "Comparaison par paires")


class SessionStatus(LabelledEnum):
    OPEN = ("open", "Ouverte au vote")
    CLOSED = ("closed", "Close : résultat figé")
    CANCELLED = ("cancelled", "Annulée")


class PrioritisationSession(db.Model):
    """A live prioritisation of some proposals of a process, during an event's plenary."""

    __tablename__ = "prioritisation_sessions"
    __table_args__ = (sa.Index("ix_prioritisation_sessions_process_recent", "process_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(SESSION_TITLE_MAX_LENGTH))
    mode: Mapped[SessionMode] = mapped_column(enum_column(SessionMode))
    # Dot voting: how many points each participant spreads.
    n_points: Mapped[int] = mapped_column(default=10)
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus), default=SessionStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The ranking frozen at closing (list of rows as the JSON endpoint gives them).
    result: Mapped[list | None] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    process: Mapped[Process] = relationship()
    items: Mapped[list[SessionItem]] = relationship(order_by="SessionItem.position", back_populates="session")

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN


class SessionItem(db.Model):
    """One proposal put to the vote in a session, in the order it is shown."""

    __tablename__ = "prioritisation_items"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "proposal_id", name="uq_prioritisation_items_session_proposal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("prioritisation_sessions.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[PrioritisationSession] = relationship(back_populates="items")
    proposal: Mapped[Proposal] = relationship()


# A vote comes from exactly one account or one ballot card.
ONE_VOTER = "(user_id IS NULL) <> (card_id IS NULL)"


class BallotCard(db.Model):
    """A printed single-use ballot card of a session: votes without an account, one ballot per card.

    Only the SHA-256 of the code is stored (the code has about 50 bits of entropy, so a slow hash
    adds nothing): the printed sheet is the one place the codes exist in clear.
    """

    __tablename__ = "prioritisation_ballot_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("prioritisation_sessions.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    session: Mapped[PrioritisationSession] = relationship()


class DotBallot(db.Model):
    """One ballot in a dot-voting session: unique per session and person, or per session and card."""

    __tablename__ = "prioritisation_ballots"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_prioritisation_ballots_session_user"),
        sa.UniqueConstraint("session_id", "card_id", name="uq_prioritisation_ballots_session_card"),
        sa.CheckConstraint(ONE_VOTER, name="one_voter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("prioritisation_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("prioritisation_ballot_cards.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class DotAllocation(db.Model):
    """Points a ballot gives one proposal (rows with 0 points are not stored)."""

    __tablename__ = "prioritisation_allocations"
    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "proposal_id", name="uq_prioritisation_allocations_ballot_proposal"),
        sa.CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("prioritisation_ballots.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"), index=True)
    points: Mapped[int]


class PairwiseVote(db.Model):
    """One answer to one pair (by a person or a ballot card): ``winner_id`` is more of a priority than ``loser_id``.

    ``low_id``/``high_id`` are the pair sorted, so the unique constraints hold one answer per pair
    and voter whatever the order the pair was shown in.
    """

    __tablename__ = "prioritisation_pair_votes"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", "low_id", "high_id", name="uq_prioritisation_pair_votes_pair"),
        sa.UniqueConstraint(
            "session_id", "card_id", "low_id", "high_id", name="uq_prioritisation_pair_votes_card_pair"
        ),
        sa.CheckConstraint("low_id < high_id", name="pair_sorted"),
        sa.CheckConstraint(ONE_VOTER, name="one_voter"),
        sa.Index("ix_prioritisation_pair_votes_session", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("prioritisation_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("prioritisation_ballot_cards.id", ondelete="CASCADE"), index=True
    )
    low_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"))
    high_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"))
    winner_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
