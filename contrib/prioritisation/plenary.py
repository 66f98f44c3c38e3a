"""Live prioritisation sessions for a plenary: create, vote from phones, rank live, close.

Modes
- **Dot voting** (gommettes): each participant spreads ``n_points`` over the proposals; one
  ballot per person (unique row), which they may change until the session closes. Ranking: total
  points, ties broken by the number of people who gave points.
- **Pairwise** ("Laquelle est la plus prioritaire ?", as All Our Ideas): the phone shows two
  proposals, the person picks one or skips; one answer per person and pair. Ranking: a
  Bradley–Terry model fitted by Hunter's MM algorithm, with one virtual win and one virtual loss
  against an average proposal for each item (a weak prior: two lucky wins do not make a
  champion, and an item never compared stays at 50 %). The score shown is the estimated chance
  that the proposal wins against an average one.

A voter is a logged-in account or a printed ballot card (``cards.py``): one ballot per account and
one per card, so a card used twice changes its ballot and never adds one. A room code shared by
everyone could not stop a second vote from a private window; single-use cards can. Votes are
participants' own rows, not moderation acts: they are not in the journal. Creating, closing (and
cancelling through undo) a session are audited moderation acts, undoable and redoable. Closing freezes
the ranking into the session (``result``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    BallotCard,
    DotAllocation,
    DotBallot,
    PairwiseVote,
    PrioritisationSession,
    Process,
    Proposal,
    ProposalStatus,
    SessionItem,
    SessionMode,
    SessionStatus,
    User,
)
from contrib.models.accounts import counted
from contrib.models.base import utcnow
from contrib.models.prioritisation import SESSION_TITLE_MAX_LENGTH
from contrib.prioritisation.charts import BarChart, bar_chart

CREATE = "prioritisation:session:create"
CLOSE = "prioritisation:session:close"
MIN_ITEMS, MAX_ITEMS = 2, 40
MAX_POINTS = 100


_moderator = moderator_guard("organiser une priorisation")


def get_session(session_id: int) -> PrioritisationSession:
    """A session anyone may look at; NotFound when missing or cancelled."""
    session = db.session.get(PrioritisationSession, session_id)
    if session is None or session.status == SessionStatus.CANCELLED:
        raise NotFound("Séance de priorisation introuvable.")
    return session


def sessions_of(process_id: int, *, include_cancelled: bool = True) -> list[PrioritisationSession]:
    """The process's sessions, newest first (cancelled ones only when asked: moderators see them)."""
    statement = db.select(PrioritisationSession).where(PrioritisationSession.process_id == process_id)
    if not include_cancelled:
        statement = statement.where(PrioritisationSession.status != SessionStatus.CANCELLED)
    return list(db.session.scalars(statement.order_by(PrioritisationSession.id.desc())))


def candidates(process_id: int) -> list[Proposal]:
    """Live proposals of a process that may be put to the vote (not écartées), newest first."""
    return list(
        db.session.scalars(
            db.select(Proposal)
            .where(
                Proposal.process_id == process_id,
                Proposal.merged_into_id.is_(None),
                Proposal.cancelled_at.is_(None),
                Proposal.status != ProposalStatus.DISCARDED,
            )
            .order_by(Proposal.id.desc())
        )
    )


# --- creating and closing ----------------------------------------------------------------------


def create_session(
    process_id: int,
    title: str | None,
    mode: str | SessionMode,
    proposal_ids: Iterable[int],
    *,
    moderator: User,
    n_points: int | None = 10,
) -> PrioritisationSession:
    """Open a session on 2 to 40 live proposals of the process, in the given order.

    Raises NotAllowed, NotFound (process), InvalidInput (title, mode, points, selection).
    """
    _moderator(moderator)
    title = clean_text(title, field_label="Titre de la séance", max_length=SESSION_TITLE_MAX_LENGTH, multiline=False)
    try:
        mode = SessionMode(mode)
    except ValueError:
        raise InvalidInput("Choisissez un mode : vote par points ou comparaison par paires.", field="mode") from None
    if mode == SessionMode.DOTS and not (isinstance(n_points, int) and 1 <= n_points <= MAX_POINTS):
        raise InvalidInput(f"Donnez à chacun entre 1 et {MAX_POINTS} points.", field="n_points")
    ids = list(dict.fromkeys(proposal_ids))
    if not MIN_ITEMS <= len(ids) <= MAX_ITEMS:
        raise InvalidInput(
            f"Choisissez entre {MIN_ITEMS} et {MAX_ITEMS} propositions à prioriser.", field="proposal_ids"
        )
    with transaction():
        process = db.session.get(Process, process_id)
        if process is None:
            raise NotFound("Démarche introuvable.")
        allowed = {proposal.id for proposal in candidates(process.id)}
        strangers = [proposal_id for proposal_id in ids if proposal_id not in allowed]
        if strangers:
            raise InvalidInput(
                "Ces propositions ne peuvent pas être mises au vote (autre démarche, fusionnées ou "
                f"écartées) : n° {', '.join(map(str, strangers))}.",
                field="proposal_ids",
            )
        session = PrioritisationSession(
            process_id=process.id,
            title=title,
            mode=mode,
            n_points=n_points if mode == SessionMode.DOTS else 0,
            created_by_id=moderator.id,
        )
        session.items = [
            SessionItem(proposal_id=proposal_id, position=position) for position, proposal_id in enumerate(ids)
        ]
        db.session.add(session)
        db.session.flush()
        audit.record(
            CREATE,
            actor=moderator,
            target_type="prioritisation_session",
            target_id=session.id,
            before={"status": None},
            after={
                "status": SessionStatus.OPEN.value,
                "proposal_ids": ids,
                "mode": mode.value,
                "process_id": process.id,
            },
        )
    return session


def close_session(session_id: int, *, moderator: User, expected_version: int | None = None) -> PrioritisationSession:
    """Close the vote and freeze the ranking. Raises NotAllowed, NotFound, Conflict (already closed, stale)."""
    _moderator(moderator)
    with transaction():
        session = get_session(session_id)
        if expected_version is not None and session.version != expected_version:
            raise Conflict("Cette séance vient d'être modifiée par quelqu'un d'autre. Rechargez la page.")
        if not session.is_open:
            raise Conflict("Cette séance est déjà close.")
        _freeze(session)
        audit.record(
            CLOSE,
            actor=moderator,
            target_type="prioritisation_session",
            target_id=session.id,
            before={"status": SessionStatus.OPEN.value},
            after={"status": SessionStatus.CLOSED.value, "result": session.result},
        )
    return session


def _freeze(session: PrioritisationSession) -> None:
    session.result = [row.as_json() for row in live_ranking(session)]
    session.status = SessionStatus.CLOSED
    session.closed_at = utcnow()
    db.session.flush()


def _expect_status(session: PrioritisationSession | None, status: SessionStatus) -> PrioritisationSession:
    if session is None or session.status != status:
        raise Conflict("L'état de cette séance a changé depuis cet acte : rien n'a été modifié.")
    return session


def _refuse_if_later(entry: AuditEntry) -> None:
    blocking = undo.later_acts(entry, [("prioritisation_session", entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)


def _undo_create(entry: AuditEntry, actor: User) -> None:
    _refuse_if_later(entry)
    session = _expect_status(db.session.get(PrioritisationSession, entry.target_id), SessionStatus.OPEN)
    session.status = SessionStatus.CANCELLED  # votes already cast stay stored with the session


def _redo_create(entry: AuditEntry, actor: User) -> None:
    session = _expect_status(db.session.get(PrioritisationSession, entry.target_id), SessionStatus.CANCELLED)
    session.status = SessionStatus.OPEN


def _undo_close(entry: AuditEntry, actor: User) -> None:
    _refuse_if_later(entry)
    session = _expect_status(db.session.get(PrioritisationSession, entry.target_id), SessionStatus.CLOSED)
    session.status = SessionStatus.OPEN
    session.result = None
    session.closed_at = None


def _redo_close(entry: AuditEntry, actor: User) -> None:
    _freeze(_expect_status(db.session.get(PrioritisationSession, entry.target_id), SessionStatus.OPEN))


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    undo.handler(CREATE, label="Ouverture d'une séance de priorisation", redo=_redo_create)(_undo_create)
    undo.handler(CLOSE, label="Clôture d'une séance de priorisation", redo=_redo_close)(_undo_close)


# --- voting ------------------------------------------------------------------------------------


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


# --- ranking -----------------------------------------------------------------------------------


def bradley_terry(
    items: Iterable[int],
    wins: Mapping[tuple[int, int], int],
    *,
    prior: float = 1.0,
    iterations: int = 500,
    tolerance: float = 1e-9,
) -> dict[int, float]:
    """Bradley–Terry strengths (geometric mean 1) from ``wins[(winner, loser)]`` counts.

    Each item also gets ``prior`` virtual wins and losses against a fixed average item of strength
    1, which keeps every strength finite and pulls items with few comparisons towards the middle.
    Fitted with Hunter's (2004) MM iterations.
    """
    ids = list(items)
    strength = dict.fromkeys(ids, 1.0)
    total_wins = dict.fromkeys(ids, prior)
    games: dict[tuple[int, int], int] = {}
    for (winner, loser), n in wins.items():
        total_wins[winner] += n
        pair = (min(winner, loser), max(winner, loser))
        games[pair] = games.get(pair, 0) + n
    for _ in range(iterations):
        updated = {}
        for item in ids:
            denominator = 2 * prior / (strength[item] + 1.0)
            for (low, high), n in games.items():
                if item in (low, high):
                    other = high if item == low else low
                    denominator += n / (strength[item] + strength[other])
            updated[item] = total_wins[item] / denominator
        change = max(abs(updated[item] - strength[item]) for item in ids) if ids else 0.0
        strength = updated
        if change < tolerance:
            break
    return strength


@dataclass(frozen=True)
class SessionRow:
    rank: int
    proposal_id: int
    title: str
    value: float  # what the bar shows: points, or the chance (0-100) of beating an average proposal
    display: str  # the French value under the bar
    n_votes: int  # dots: people who gave it points; pairwise: answers to pairs it was in

    def as_json(self) -> dict:
        return {
            "rank": self.rank,
            "proposal_id": self.proposal_id,
            "title": self.title,
            "value": round(self.value, 2),
            "display": self.display,
            "n_votes": self.n_votes,
        }


def _dots_ranking(session: PrioritisationSession) -> list[tuple]:
    rows = {
        proposal_id: (points, people)
        for proposal_id, points, people in db.session.execute(
            db.select(DotAllocation.proposal_id, db.func.sum(DotAllocation.points), db.func.count(DotAllocation.id))
            .join(DotBallot, DotBallot.id == DotAllocation.ballot_id)
            .where(DotBallot.session_id == session.id, counted(DotBallot.user_id))
            .group_by(DotAllocation.proposal_id)
        ).all()
    }
    ranked = []
    for item in session.items:
        points, people = rows.get(item.proposal_id, (0, 0))
        ranked.append(
            (
                -int(points),
                -people,
                item.position,
                item.proposal,
                float(points),
                f"{int(points)} point{'s' if points > 1 else ''}",
                people,
            )
        )
    return ranked


def _pairwise_ranking(session: PrioritisationSession) -> list[tuple]:
    votes = db.session.execute(
        db.select(PairwiseVote.low_id, PairwiseVote.high_id, PairwiseVote.winner_id, db.func.count())
        .where(PairwiseVote.session_id == session.id, counted(PairwiseVote.user_id))
        .group_by(PairwiseVote.low_id, PairwiseVote.high_id, PairwiseVote.winner_id)
    ).all()
    wins: dict[tuple[int, int], int] = {}
    compared: dict[int, int] = {}
    for low, high, winner, n in votes:
        loser = high if winner == low else low
        wins[(winner, loser)] = wins.get((winner, loser), 0) + n
        compared[low] = compared.get(low, 0) + n
        compared[high] = compared.get(high, 0) + n
    strength = bradley_terry([item.proposal_id for item in session.items], wins)
    ranked = []
    for item in session.items:
        chance = 100 * strength[item.proposal_id] / (strength[item.proposal_id] + 1.0)
        ranked.append(
            (
                -round(chance, 6),
                0,
                item.position,
                item.proposal,
                chance,
                f"{chance:.0f} %",
                compared.get(item.proposal_id, 0),
            )
        )
    return ranked


def live_ranking(session: PrioritisationSession) -> list[SessionRow]:
    """The current ranking of an open session (computed from the votes), best first."""
    ranked = _dots_ranking(session) if session.mode == SessionMode.DOTS else _pairwise_ranking(session)
    ranked.sort(key=lambda row: row[:3])
    return [
        SessionRow(
            rank=position, proposal_id=row[3].id, title=row[3].title, value=row[4], display=row[5], n_votes=row[6]
        )
        for position, row in enumerate(ranked, 1)
    ]


def ranking(session: PrioritisationSession) -> list[SessionRow]:
    """The frozen result of a closed session, the live ranking of an open one."""
    if session.result is not None:
        return [SessionRow(**row) for row in session.result]
    return live_ranking(session)


def n_voters(session: PrioritisationSession) -> int:
    """Accounts that count plus ballot cards that voted."""
    model = DotBallot if session.mode == SessionMode.DOTS else PairwiseVote
    return db.session.scalar(
        db.select(db.func.count(db.distinct(model.user_id)) + db.func.count(db.distinct(model.card_id))).where(
            model.session_id == session.id, counted(model.user_id)
        )
    )


def state(session: PrioritisationSession) -> dict:
    """What the projector polls: status, number of voters, ranking, and a revision that changes with them."""
    rows = [row.as_json() for row in ranking(session)]
    body = {
        "session_id": session.id,
        "title": session.title,
        "mode": session.mode.value,
        "status": session.status.value,
        "n_voters": n_voters(session),
        "ranking": rows,
    }
    body["revision"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return body


def chart(session: PrioritisationSession, state: dict) -> BarChart:
    """The projector's bar chart of ``state`` (as ``state()`` returns it)."""
    heading = "Points" if session.mode == SessionMode.DOTS else "Chance de l'emporter face à une proposition moyenne"
    return bar_chart(
        "classement",
        f"Classement : {session.title}",
        [(f"{row['rank']}. {row['title']}", row["value"], row["display"]) for row in state["ranking"]],
        value_heading=heading,
    )
