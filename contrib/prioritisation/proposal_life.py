"""A proposal's life after it is merged: direct supports, priority and status.

- Participants support a proposal directly (one ``ProposalSupport`` row per person and proposal).
  Someone who already counts through a source contribution keeps their one row, which becomes
  "direct": they still count once, and their support no longer depends on the source. Withdrawing
  a direct support turns the row back into "carried" when a source still carries them.
- Moderators set the priority (haute, moyenne, basse) and the status (à l'étude, retenue,
  écartée: écartée needs a public reason). Each change is audited with the state before and after,
  undoable and redoable from the journal; a status change notifies the authors of the sources.
- A retained proposal does not rewrite its contributions' status: "Retenue dans le plaidoyer"
  (``ContributionStatus.RETAINED``) is for the plaidoyer, once a proposal is in it. Authors see the
  proposal's status next to "Intégrée à la proposition" on "Mes contributions".
"""

from __future__ import annotations

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
    Contribution,
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalStatus,
    ProposalSupport,
    Support,
    SupportOrigin,
    User,
)
from contrib.models.proposals import STATUS_REASON_MAX_LENGTH
from contrib.notifications import services as notifications
from contrib.proposals import services as proposals

SUPPORT = "prioritisation:support:create"
WITHDRAW = "prioritisation:support:withdraw"
PRIORITY = "prioritisation:proposal:priority"
STATUS = "prioritisation:proposal:status"


def _live(proposal_id: int, *, expected_version: int | None = None) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_cancelled:
        raise NotFound("Proposition introuvable.")
    if proposal.merged_into_id is not None:
        final = proposals.final_proposal(proposal)
        raise Conflict(f"Cette proposition a été fusionnée dans la proposition n° {final.id} : agissez sur celle-ci.")
    if expected_version is not None and proposal.version != expected_version:
        raise Conflict(
            f"La proposition n° {proposal.id} vient d'être modifiée par quelqu'un d'autre. "
            "Rechargez la page et recommencez."
        )
    return proposal


_moderator = moderator_guard("fixer la priorité ou le statut d'une proposition")


# --- direct supports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportState:
    """How one person counts for a proposal: ``origin`` is None when they do not count."""

    origin: SupportOrigin | None
    through: list[int]  # the source contributions they support

    @property
    def is_direct(self) -> bool:
        return self.origin == SupportOrigin.DIRECT

    @property
    def is_carried(self) -> bool:
        return self.origin == SupportOrigin.CARRIED


def support_state(proposal_id: int, user: User | None) -> SupportState | None:
    """How ``user`` counts for the proposal; None for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return None
    origin = db.session.scalar(
        db.select(ProposalSupport.origin).where(
            ProposalSupport.proposal_id == proposal_id, ProposalSupport.user_id == user.id
        )
    )
    through = list(
        db.session.scalars(
            db.select(Support.contribution_id)
            .join(ProposalSource, ProposalSource.contribution_id == Support.contribution_id)
            .where(ProposalSource.proposal_id == proposal_id, Support.user_id == user.id)
            .order_by(Support.contribution_id)
        )
    )
    return SupportState(origin=origin, through=through)


def _supportable(proposal_id: int) -> Proposal:
    proposal = _live(proposal_id)
    if not proposal.process.is_open:
        raise NotAllowed("Cette démarche est close : les soutiens ne sont plus possibles.")
    if proposal.status == ProposalStatus.DISCARDED:
        raise NotAllowed("Cette proposition a été écartée : elle ne reçoit plus de soutiens.")
    return proposal


def support(proposal_id: int, *, user: User) -> str:
    """Support a proposal directly; return "added", "made_direct" (they counted through a source) or "already".

    One row per person: the person never counts twice. Raises NotFound, Conflict (merged away),
    NotAllowed (closed process, discarded proposal).
    """
    try:
        with transaction():
            _supportable(proposal_id)
            row = db.session.scalar(
                db.select(ProposalSupport).where(
                    ProposalSupport.proposal_id == proposal_id, ProposalSupport.user_id == user.id
                )
            )
            if row is not None and row.origin == SupportOrigin.DIRECT:
                return "already"
            outcome = "made_direct" if row is not None else "added"
            if row is None:
                db.session.add(ProposalSupport(proposal_id=proposal_id, user_id=user.id, origin=SupportOrigin.DIRECT))
            else:
                row.origin = SupportOrigin.DIRECT
            db.session.flush()
            audit.record(SUPPORT, actor=user, target_type="proposal", target_id=proposal_id, after={"outcome": outcome})
    except IntegrityError:
        return "already"  # a double click or a second tab inserted the same row a moment ago
    return outcome


def withdraw(proposal_id: int, *, user: User) -> str:
    """Withdraw a direct support; return "removed", "still_carried" (a source still counts them) or "none"."""
    with transaction():
        proposal = _live(proposal_id)
        row = db.session.scalar(
            db.select(ProposalSupport).where(
                ProposalSupport.proposal_id == proposal_id,
                ProposalSupport.user_id == user.id,
                ProposalSupport.origin == SupportOrigin.DIRECT,
            )
        )
        if row is None:
            return "none"
        if proposals.counts_through_sources(proposal, user.id):
            row.origin = SupportOrigin.CARRIED
            outcome = "still_carried"
        else:
            db.session.delete(row)
            outcome = "removed"
        audit.record(WITHDRAW, actor=user, target_type="proposal", target_id=proposal_id, after={"outcome": outcome})
    return outcome


# --- priority and status -----------------------------------------------------------------------


def _state(proposal: Proposal) -> dict:
    return {
        "priority": proposal.priority.value,
        "status": proposal.status.value,
        "status_reason": proposal.status_reason,
    }


def set_priority(
    proposal_id: int, priority: str | ProposalPriority, *, moderator: User, expected_version: int | None = None
) -> Proposal:
    """Set a proposal's priority. Raises NotAllowed, NotFound, InvalidInput, Conflict (merged, stale, unchanged)."""
    _moderator(moderator)
    try:
        priority = ProposalPriority(priority)
    except ValueError:
        raise InvalidInput("Choisissez une priorité : haute, moyenne ou basse.", field="priority") from None
    with transaction():
        proposal = _live(proposal_id, expected_version=expected_version)
        if proposal.priority == priority:
            raise Conflict(f"La priorité est déjà « {priority.label.lower()} ».")
        before = _state(proposal)
        proposal.priority = priority
        db.session.flush()
        audit.record(
            PRIORITY,
            actor=moderator,
            target_type="proposal",
            target_id=proposal.id,
            before=before,
            after=_state(proposal),
        )
    return proposal


def set_status(
    proposal_id: int,
    status: str | ProposalStatus,
    reason: str | None,
    *,
    moderator: User,
    expected_version: int | None = None,
) -> Proposal:
    """Set a proposal's status with its public reason (required for "écartée"); the sources' authors are told.

    Raises NotAllowed, NotFound, InvalidInput (unknown status, missing or bad reason), Conflict.
    """
    _moderator(moderator)
    try:
        status = ProposalStatus(status)
    except ValueError:
        raise InvalidInput("Choisissez un statut : à l'étude, retenue ou écartée.", field="status") from None
    if (reason or "").strip():
        try:
            reason = clean_text(reason, field_label="Motif", max_length=STATUS_REASON_MAX_LENGTH)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="reason") from None
    elif status == ProposalStatus.DISCARDED:
        raise InvalidInput("Donnez le motif public pour lequel la proposition est écartée.", field="reason")
    else:
        reason = None
    with transaction():
        proposal = _live(proposal_id, expected_version=expected_version)
        if proposal.status == status and proposal.status_reason == reason:
            raise Conflict(f"La proposition est déjà « {status.label.lower()} ».")
        before = _state(proposal)
        proposal.status = status
        proposal.status_reason = reason
        db.session.flush()
        audit.record(
            STATUS,
            actor=moderator,
            target_type="proposal",
            target_id=proposal.id,
            before=before,
            after=_state(proposal),
        )
        pending = _notify_status(proposal)
    notifications.deliver(pending)
    return proposal


def _notify_status(proposal: Proposal) -> list:
    """One notification per author of a visible source (once per person)."""
    author_ids = sorted(
        set(
            db.session.scalars(
                db.select(Contribution.author_id)
                .join(ProposalSource, ProposalSource.contribution_id == Contribution.id)
                .where(ProposalSource.proposal_id == proposal.id, Contribution.author_id.is_not(None))
            )
        )
    )
    status = proposal.status.label.lower()
    message = f"La proposition « {proposal.title} », qui intègre votre contribution, est maintenant « {status} »"
    message += f" : {proposal.status_reason}" if proposal.status_reason else "."
    return [
        notifications.notify(
            author_id,
            "proposal_status",
            message[:500],
            endpoint="proposals.show",
            endpoint_args={"proposal_id": proposal.id},
        )
        for author_id in author_ids
    ]


# --- undo and redo -----------------------------------------------------------------------------


def _reapply(entry: AuditEntry, expected: dict, wanted: dict, *, notify: bool) -> None:
    blocking = undo.later_acts(entry, [("proposal", entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)
    proposal = _live(entry.target_id)
    if _state(proposal) != expected:
        raise Conflict("La priorité ou le statut de cette proposition a changé depuis cet acte : rien n'a été modifié.")
    proposal.priority = ProposalPriority(wanted["priority"])
    proposal.status = ProposalStatus(wanted["status"])
    proposal.status_reason = wanted["status_reason"]
    db.session.flush()
    if notify:
        # In-site only: the journal's transaction is not ours, so no e-mail after its commit.
        _notify_status(proposal)


def _undo(entry: AuditEntry, actor: User) -> None:
    _reapply(entry, entry.after, entry.before, notify=entry.action == STATUS)


def _redo(entry: AuditEntry, actor: User) -> None:
    _reapply(entry, entry.before, entry.after, notify=entry.action == STATUS)


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    undo.handler(PRIORITY, label="Priorité d'une proposition", redo=_redo)(_undo)
    undo.handler(STATUS, label="Statut d'une proposition", redo=_redo)(_undo)
