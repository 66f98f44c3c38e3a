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

This module creates and closes sessions; the votes are in ``votes.py``, the rankings in ``tally.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from contrib.core import audit, undo
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.permissions import moderator_guard
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    PrioritisationSession,
    Process,
    Proposal,
    ProposalStatus,
    SessionItem,
    SessionMode,
    SessionStatus,
    User,
)
from contrib.models.base import utcnow
from contrib.models.prioritisation import SESSION_TITLE_MAX_LENGTH
from contrib.prioritisation.tally import live_ranking

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
