"""Votes in a live prioritisation session, from phones or ballot cards: dots spread over proposals, or one
answer per pair. Votes are participants' own rows, not moderation acts: they are not in the journal."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from contrib.core.errors import Conflict, InvalidInput, NotAllowed
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    BallotCard,
    DotAllocation,
    DotBallot,
    PairwiseVote,
    PrioritisationSession,
    Proposal,
    SessionMode,
    User,
)
from contrib.models.base import utcnow
from contrib.prioritisation.plenary import get_session


def _votable(session_id: int, mode: SessionMode) -> PrioritisationSession:
    session = get_session(session_id)
    if session.mode != mode:
        raise InvalidInput("Ce vote ne correspond pas au mode de la séance.")
    if not session.is_open:
        raise NotAllowed("Le vote est clos : le résultat est figé.")
    return session


def _item_ids(session: PrioritisationSession) -> list[int]:
    return [item.proposal_id for item in session.items]


def _voter(user: User | None, card: BallotCard | None) -> dict[str, int]:
    """The voter's column and id: ``{"user_id": …}`` or ``{"card_id": …}`` (exactly one of them is given)."""
    if (user is None) == (card is None):
        raise ValueError("a vote comes from one account or one ballot card")
    return {"user_id": user.id} if user is not None else {"card_id": card.id}


def _voter_is(model, voter: dict[str, int]):
    (column, value), *_ = voter.items()
    return getattr(model, column) == value


def _check_card(session: PrioritisationSession, card: BallotCard | None) -> None:
    if card is not None and card.session_id != session.id:
        raise NotAllowed("Cette carte de vote est celle d'une autre séance.")


def cast_dots(
    session_id: int, allocation: Mapping[int, int], *, user: User | None = None, card: BallotCard | None = None
) -> DotBallot:
    """Record (or replace) the voter's ballot: points per proposal, at most ``n_points`` in all.

    The voter is an account (``user``) or a ballot card of the session (``card``).
    Raises NotFound, NotAllowed (closed, another session's card), InvalidInput (negative, too many or
    no points, unknown proposal).
    """
    voter = _voter(user, card)
    points = {int(proposal_id): value for proposal_id, value in allocation.items() if value}
    try:
        with transaction():
            session = _votable(session_id, SessionMode.DOTS)
            _check_card(session, card)
            if any(not isinstance(value, int) or value < 0 for value in points.values()):
                raise InvalidInput("Les points sont des nombres entiers positifs.")
            unknown = set(points) - set(_item_ids(session))
            if unknown:
                raise InvalidInput("Vous ne pouvez donner des points qu'aux propositions de la séance.")
            total = sum(points.values())
            if total == 0:
                raise InvalidInput("Donnez au moins un point.")
            if total > session.n_points:
                raise InvalidInput(f"Vous avez donné {total} points : vous en avez {session.n_points} au plus.")
            ballot = db.session.scalar(
                db.select(DotBallot).where(DotBallot.session_id == session.id, _voter_is(DotBallot, voter))
            )
            if ballot is None:
                ballot = DotBallot(session_id=session.id, **voter)
                db.session.add(ballot)
                db.session.flush()
            else:
                # The voter changes their own ballot while the vote is open (a card used again lands here).
                db.session.execute(db.delete(DotAllocation).where(DotAllocation.ballot_id == ballot.id))
                ballot.updated_at = utcnow()
            db.session.add_all(
                DotAllocation(ballot_id=ballot.id, proposal_id=proposal_id, points=value)
                for proposal_id, value in sorted(points.items())
            )
            db.session.flush()
    except IntegrityError:
        raise Conflict("Votre vote vient d'être enregistré depuis un autre onglet. Rechargez la page.") from None
    return ballot


def ballot_of(session_id: int, user: User | None = None, *, card: BallotCard | None = None) -> dict[int, int]:
    """{proposal id: points} of the voter's ballot ({} when none, or for an anonymous user without a card)."""
    if card is None and (user is None or not user.is_authenticated):
        return {}
    return dict(
        db.session.execute(
            db.select(DotAllocation.proposal_id, DotAllocation.points)
            .join(DotBallot, DotBallot.id == DotAllocation.ballot_id)
            .where(DotBallot.session_id == session_id, _voter_is(DotBallot, _voter(None if card else user, card)))
        ).all()
    )


def vote_pair(
    session_id: int, winner_id: int, loser_id: int, *, user: User | None = None, card: BallotCard | None = None
) -> bool:
    """Record that ``winner_id`` is more of a priority than ``loser_id``; False if this pair was already answered.

    The voter is an account (``user``) or a ballot card of the session (``card``).
    Raises NotFound, NotAllowed (closed, another session's card), InvalidInput (not two proposals of the session).
    """
    voter = _voter(user, card)
    try:
        with transaction():
            session = _votable(session_id, SessionMode.PAIRWISE)
            _check_card(session, card)
            ids = set(_item_ids(session))
            if winner_id == loser_id or winner_id not in ids or loser_id not in ids:
                raise InvalidInput("Choisissez l'une des deux propositions présentées.")
            low, high = sorted((winner_id, loser_id))
            db.session.add(PairwiseVote(session_id=session.id, low_id=low, high_id=high, winner_id=winner_id, **voter))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def next_pair(
    session: PrioritisationSession, user: User | None = None, *, skip: int = 0, card: BallotCard | None = None
) -> tuple[Proposal, Proposal] | None:
    """A pair this voter has not answered, among the least answered by the room; None when all are done.

    The choice is random among ties but reproducible (seeded by session, voter, progress and
    ``skip``, the number of pairs they passed: "Passer" shows another pair).
    """
    voter = _voter(user, card)
    items = {item.proposal_id: item.proposal for item in session.items}
    answered = set(
        db.session.execute(
            db.select(PairwiseVote.low_id, PairwiseVote.high_id).where(
                PairwiseVote.session_id == session.id, _voter_is(PairwiseVote, voter)
            )
        ).all()
    )
    remaining = [pair for pair in itertools.combinations(sorted(items), 2) if pair not in answered]
    if not remaining:
        return None
    counts = {
        (low, high): n
        for low, high, n in db.session.execute(
            db.select(PairwiseVote.low_id, PairwiseVote.high_id, db.func.count())
            .where(PairwiseVote.session_id == session.id)
            .group_by(PairwiseVote.low_id, PairwiseVote.high_id)
        ).all()
    }
    fewest = min(counts.get(pair, 0) for pair in remaining)
    pool = [pair for pair in remaining if counts.get(pair, 0) == fewest]
    who = user.id if user is not None else f"carte-{card.id}"
    rng = random.Random(f"{session.id}:{who}:{len(answered)}:{skip}")
    low, high = rng.choice(pool)
    return (items[low], items[high]) if rng.random() < 0.5 else (items[high], items[low])


def n_answered(session_id: int, user: User | None = None, *, card: BallotCard | None = None) -> int:
    """How many pairs the voter has judged in the session."""
    return db.session.scalar(
        db.select(db.func.count(PairwiseVote.id)).where(
            PairwiseVote.session_id == session_id, _voter_is(PairwiseVote, _voter(user, card))
        )
    )


def n_pairs(session: PrioritisationSession) -> int:
    """How many distinct pairs the session's proposals make."""
    return len(session.items) * (len(session.items) - 1) // 2
