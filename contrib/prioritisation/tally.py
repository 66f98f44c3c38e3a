"""What a live prioritisation session's votes add up to: the ranking (points, or a Bradley–Terry fit of the
pairwise answers), the projector's state and its bar chart; closing a session freezes this ranking."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contrib.extensions import db
from contrib.models import (
    DotAllocation,
    DotBallot,
    PairwiseVote,
    PrioritisationSession,
    SessionMode,
)
from contrib.models.accounts import counted
from contrib.prioritisation.charts import BarChart, bar_chart


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
