"""All tables, imported here so Alembic and the app see the whole schema."""

from contrib.models.accounts import ActorType, Role, User
from contrib.models.assistant import AssistantConversation, AssistantMessage, CitationFlag, MessageKind, ScopeKind
from contrib.models.audit import AuditEntry
from contrib.models.clustering import (
    Cluster,
    ClusteringDecision,
    ClusteringRun,
    ClusterMembership,
    DecisionKind,
    RunStatus,
)
from contrib.models.comments import Comment
from contrib.models.contributions import (
    Contribution,
    ContributionCount,
    ContributionKind,
    ContributionRevision,
    ContributionSource,
    ContributionStatus,
)
from contrib.models.duplicates import DismissedPair, DuplicateGroup, DuplicateMember, DuplicateStatus
from contrib.models.imports import ImportBatch, ImportedRow, ImportStatus
from contrib.models.notifications import Notification
from contrib.models.plaidoyer import Plaidoyer, PlaidoyerItem, PlaidoyerPdf, PlaidoyerSection, PlaidoyerVersion
from contrib.models.prioritisation import (
    BallotCard,
    DotAllocation,
    DotBallot,
    PairwiseVote,
    PrioritisationSession,
    SessionItem,
    SessionMode,
    SessionStatus,
)
from contrib.models.processes import DEFAULT_THEMES, Process, ProcessKind, Theme
from contrib.models.proposals import (
    Proposal,
    ProposalPriority,
    ProposalSource,
    ProposalStatus,
    ProposalSupport,
    SupportOrigin,
)
from contrib.models.reports import Report, ReportDecision, ReportReason
from contrib.models.site import DataGeneration
from contrib.models.supports import Support

__all__ = [
    "DEFAULT_THEMES",
    "ActorType",
    "AssistantConversation",
    "AssistantMessage",
    "AuditEntry",
    "BallotCard",
    "CitationFlag",
    "Cluster",
    "ClusterMembership",
    "ClusteringDecision",
    "ClusteringRun",
    "Comment",
    "Contribution",
    "ContributionCount",
    "ContributionKind",
    "ContributionRevision",
    "ContributionSource",
    "ContributionStatus",
    "DataGeneration",
    "DecisionKind",
    "DismissedPair",
    "DotAllocation",
    "DotBallot",
    "DuplicateGroup",
    "DuplicateMember",
    "DuplicateStatus",
    "ImportBatch",
    "ImportStatus",
    "ImportedRow",
    "MessageKind",
    "Notification",
    "PairwiseVote",
    "Plaidoyer",
    "PlaidoyerItem",
    "PlaidoyerPdf",
    "PlaidoyerSection",
    "PlaidoyerVersion",
    "PrioritisationSession",
    "Process",
    "ProcessKind",
    "Proposal",
    "ProposalPriority",
    "ProposalSource",
    "ProposalStatus",
    "ProposalSupport",
    "Report",
    "ReportDecision",
    "ReportReason",
    "Role",
    "RunStatus",
    "ScopeKind",
    "SessionItem",
    "SessionMode",
    "SessionStatus",
    "Support",
    "SupportOrigin",
    "Theme",
    "User",
]
