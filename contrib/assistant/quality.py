"""« Qualité de l'analyse »: how the text analysis fares on a process's own data, from what moderators did.

- citation accuracy: verified sentences the assistant showed vs those moderators marked false;
- duplicate suggestions: per tier (nlp's reason code), groups confirmed vs dismissed;
- clustering: stability between each run and the previous one;
- drafts: proposals created from a draft vs drafts generated;

and, beside the citation accuracy, the reference figure measured on test claims (``REFERENCE``), the one figure both
the assistant's page and the quality page quote.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import nlp
from contrib.assistant.services import USE_DRAFT
from contrib.clustering import services as clustering
from contrib.extensions import db
from contrib.models import (
    AssistantConversation,
    AssistantMessage,
    AuditEntry,
    CitationFlag,
    ClusteringRun,
    DuplicateGroup,
    MessageKind,
    Proposal,
    RunStatus,
)
from contrib.models.duplicates import DuplicateStatus

MAX_RUNS = 10


@dataclass(frozen=True)
class ReferenceFigure:
    """The citation checker measured on test claims nobody had read before (not on a process's own data)."""

    n_claims: int  # claims checked
    n_faithful: int  # of which the cited contributions do support
    n_verified: int  # marked « vérifiée »
    n_right: int  # marked « vérifiée » and faithful

    @property
    def accuracy(self) -> float:
        """Share of the sentences marked « vérifiée » that were right."""
        return round(self.n_right / self.n_verified, 3)

    @property
    def one_wrong_in(self) -> int:
        """« 1 phrase vérifiée sur N » is still wrong."""
        return round(self.n_verified / (self.n_verified - self.n_right))

    @property
    def faithful_accepted(self) -> float:
        """Share of the faithful sentences the checker marks « vérifiée »."""
        return round(self.n_right / self.n_faithful, 3)


# nlp/README.md "v9" to "v12", and README "Synthesis assistant": the seven sets of claims written apart and measured
# once before anyone read their errors, 160 claims each (60 faithful), each with the checker shipped at the time:
# heldout7 (v8, 0.867 / 0.433: 26 of 30 right), heldout8 (v8, 0.872 / 0.567: 34 of 39), heldout9 (v9, 0.867 /
# 0.433: 26 of 30), heldout10 (v10, 0.943 / 0.550: 31 of 33), heldout11 (v11, 0.955 / 0.350: 21 of 22), heldout12
# (v12, 0.842 / 0.533: 32 of 38) and heldout13 (v12, 0.829 / 0.483: 29 of 35). Not re-measured here: nlp/ owns it.
REFERENCE = ReferenceFigure(n_claims=1120, n_faithful=420, n_verified=227, n_right=199)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True)
class Citations:
    n_verified: int  # verified sentences shown
    n_false: int  # of which moderators marked false (standing flags)

    @property
    def accuracy(self) -> float | None:
        return _share(self.n_verified - self.n_false, self.n_verified)

    @property
    def outweighs_reference(self) -> bool:
        """Whether this process has shown as many verified sentences as the reference figure rests on."""
        return self.n_verified >= REFERENCE.n_verified


@dataclass(frozen=True)
class Tier:
    reason: str
    label: str
    n_confirmed: int
    n_dismissed: int
    n_pending: int

    @property
    def precision(self) -> float | None:
        return _share(self.n_confirmed, self.n_confirmed + self.n_dismissed)


@dataclass(frozen=True)
class Stability:
    run_id: int
    previous_id: int
    stability: float | None


@dataclass(frozen=True)
class Drafts:
    n_generated: int
    n_used: int

    @property
    def rate(self) -> float | None:
        return _share(self.n_used, self.n_generated)


@dataclass(frozen=True)
class Quality:
    citations: Citations
    tiers: list[Tier]
    stability: list[Stability]
    drafts: Drafts


def _messages(process_id: int):
    return db.select(AssistantMessage).join(AssistantConversation).where(AssistantConversation.process_id == process_id)


def citations(process_id: int) -> Citations:
    contents = db.session.scalars(_messages(process_id).with_only_columns(AssistantMessage.content))
    n_verified = sum(
        1
        for content in contents
        for s in content.get("segments", [])
        if s.get("kind") == "phrase" and s.get("status") == "verifiee"
    )
    n_false = db.session.scalar(
        db.select(db.func.count(CitationFlag.id)).where(
            CitationFlag.process_id == process_id, CitationFlag.withdrawn_at.is_(None)
        )
    )
    return Citations(n_verified, n_false)


def tiers(process_id: int) -> list[Tier]:
    counts = Counter(
        db.session.execute(
            db.select(DuplicateGroup.reason, DuplicateGroup.status).where(DuplicateGroup.process_id == process_id)
        ).all()
    )
    reasons = list(nlp.REASON_LABELS) + sorted({reason for reason, _ in counts} - set(nlp.REASON_LABELS))
    return [
        Tier(
            reason,
            nlp.REASON_LABELS.get(reason, reason),
            counts[(reason, DuplicateStatus.CONFIRMED)],
            counts[(reason, DuplicateStatus.DISMISSED)],
            counts[(reason, DuplicateStatus.PENDING)],
        )
        for reason in reasons
    ]


def stability(process_id: int) -> list[Stability]:
    runs = db.session.scalars(
        db.select(ClusteringRun)
        .where(
            ClusteringRun.process_id == process_id,
            ClusteringRun.status == RunStatus.DONE,
            ClusteringRun.previous_run_id.is_not(None),
        )
        .order_by(ClusteringRun.id.desc())
        .limit(MAX_RUNS)
    )
    return [Stability(run.id, run.previous_run_id, clustering.compare_with_previous(run).stability) for run in runs]


def drafts(process_id: int) -> Drafts:
    generated = db.session.scalar(
        _messages(process_id)
        .where(AssistantMessage.kind == MessageKind.DRAFT)
        .with_only_columns(db.func.count(AssistantMessage.id))
    )
    used = db.session.scalar(
        db.select(db.func.count(db.distinct(AuditEntry.target_id)))
        .join(Proposal, Proposal.id == AuditEntry.target_id)
        .where(
            AuditEntry.action == USE_DRAFT,
            AuditEntry.target_type == "proposal",
            Proposal.process_id == process_id,
            Proposal.cancelled_at.is_(None),
        )
    )
    return Drafts(generated, used)


def quality(process_id: int) -> Quality:
    """Every figure of the page, for one process."""
    return Quality(citations(process_id), tiers(process_id), stability(process_id), drafts(process_id))
