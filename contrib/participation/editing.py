"""A person edits their own contribution while nobody else has acted on it; every earlier version is kept.

The rule (README, Decisions): the author of an online contribution may edit its theme, kind, title and
text while the process is open and nobody has supported it, reported it, moderated it (hidden, journal
acts, a pinned clustering decision), put it in a duplicate group or merged it into a proposal. Past
that point others rely on the words they read, so the text is frozen (a comment answers it instead).
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from contrib.core import audit
from contrib.core.errors import Conflict, NotAllowed
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    ClusteringDecision,
    Contribution,
    ContributionRevision,
    ContributionStatus,
    DuplicateMember,
    ProposalSource,
    Report,
    Support,
    User,
)
from contrib.models.base import utcnow
from contrib.models.contributions import search_key
from contrib.participation import vectors
from contrib.participation.contributions import ContributionDraft, get_contribution, validated_fields

# Audit actions on a contribution that are its author's own, not someone acting on it.
OWN_ACTIONS = ("contributions:contribution:create", "contributions:contribution:edit")
NOT_OWNER = "Seule la personne qui a écrit cette contribution peut la modifier."


def _exists(statement) -> bool:
    return db.session.scalar(db.select(statement.exists())) or False


def why_frozen(contribution: Contribution) -> str | None:
    """Why the contribution can no longer be edited (French, for its author), or None when it can."""
    id_ = contribution.id
    if not contribution.process.is_open:
        return "La démarche est close."
    if contribution.status != ContributionStatus.PUBLISHED or _exists(
        db.select(ProposalSource.id).where(ProposalSource.contribution_id == id_)
    ):
        return "Elle est intégrée à une proposition."
    if _exists(db.select(Support.id).where(Support.contribution_id == id_)):
        return "Quelqu'un la soutient déjà : elle doit rester telle qu'il l'a lue."
    if contribution.is_hidden or contribution.hidden_by_id is not None:
        return "Elle a été masquée par la modération."
    if _exists(db.select(Report.id).where(Report.contribution_id == id_)):
        return "Elle a été signalée à la modération."
    if _exists(db.select(DuplicateMember.id).where(DuplicateMember.contribution_id == id_)):
        return "La modération l'a rapprochée d'autres contributions qui disent la même chose."
    pinned = db.select(ClusteringDecision.id).where(
        db.or_(ClusteringDecision.contribution_id == id_, ClusteringDecision.other_contribution_id == id_)
    )
    acted_on = db.select(AuditEntry.id).where(
        AuditEntry.target_type == "contribution", AuditEntry.target_id == id_, AuditEntry.action.not_in(OWN_ACTIONS)
    )
    if _exists(pinned) or _exists(acted_on):
        return "La modération a déjà agi sur elle."
    return None


def is_owner(contribution: Contribution, user: User | None) -> bool:
    """True when ``user`` posted the contribution with their own account (not typed in by a facilitator)."""
    return user is not None and user.is_authenticated and contribution.author_id == user.id


def can_edit(contribution: Contribution, user: User | None) -> bool:
    """The author may edit it now (see the module's rule)."""
    return is_owner(contribution, user) and why_frozen(contribution) is None


def editable_contribution(contribution_id: int, user: User) -> Contribution:
    """The contribution, if ``user`` may edit it. Raises NotFound (no such contribution, or one the user
    may not see), NotAllowed (someone else's, or frozen: the message says why)."""
    contribution = get_contribution(contribution_id, viewer=user)
    if not is_owner(contribution, user):
        raise NotAllowed(NOT_OWNER)
    reason = why_frozen(contribution)
    if reason:
        raise NotAllowed(f"Cette contribution ne peut plus être modifiée. {reason}")
    return contribution


def edit_contribution(contribution_id: int, draft: ContributionDraft, *, author: User, version: int) -> Contribution:
    """Replace the contribution's theme, kind, title and text, keeping the previous version.

    ``version`` is the contribution's version the form was filled from. The search text and the meaning
    vector are recomputed; the act is audited. Raises NotFound, NotAllowed, Conflict (changed since the
    form was opened) or InvalidInput.
    """
    with transaction():
        contribution = editable_contribution(contribution_id, author)
        if contribution.version != version:
            raise Conflict("Cette contribution a changé depuis que vous avez ouvert le formulaire : relisez-la.")
        fields = validated_fields(contribution.process, draft)
        before = _state(contribution)
        if fields == {key: getattr(contribution, key) for key in fields}:
            return contribution  # nothing changed: no new version
        n_before = db.session.scalar(
            db.select(db.func.count()).where(ContributionRevision.contribution_id == contribution.id)
        )
        last = db.session.scalar(
            db.select(ContributionRevision.replaced_at)
            .where(ContributionRevision.contribution_id == contribution.id)
            .order_by(ContributionRevision.number.desc())
            .limit(1)
        )
        db.session.add(
            ContributionRevision(
                contribution_id=contribution.id,
                number=n_before + 1,
                theme_id=contribution.theme_id,
                kind=contribution.kind,
                title=contribution.title,
                text=contribution.text,
                published_at=last or contribution.created_at,
                replaced_at=utcnow(),
                replaced_by_id=author.id,
            )
        )
        for key, value in fields.items():
            setattr(contribution, key, value)
        contribution.search_text = search_key(contribution.title, contribution.text)
        vector = vectors.encode([vectors.meaning_text(contribution.title, contribution.text)])
        contribution.embedding = vector[0] if vector is not None else None
        contribution.embedding_model = vectors.MODEL_NAME if vector is not None else None
        db.session.flush()
        audit.record(
            "contributions:contribution:edit",
            actor=author,
            target_type="contribution",
            target_id=contribution.id,
            before=before,
            after=_state(contribution),
        )
    # Every worker's similar index re-indexes the new text at its next query (see similar._index_for).
    if vector is None:
        vectors.queue_backfill(contribution.process_id)
    return contribution


def _state(contribution: Contribution) -> dict:
    return {
        "theme_id": contribution.theme_id,
        "kind": contribution.kind.value,
        "title": contribution.title,
        "text": contribution.text,
    }


def revisions_of(contribution_id: int) -> list[ContributionRevision]:
    """The earlier versions of a contribution, oldest first (empty when never edited)."""
    return list(
        db.session.scalars(
            db.select(ContributionRevision)
            .options(joinedload(ContributionRevision.theme))
            .where(ContributionRevision.contribution_id == contribution_id)
            .order_by(ContributionRevision.number)
        )
    )
