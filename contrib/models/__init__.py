"""All tables, imported here so Alembic and the app see the whole schema."""

from contrib.models.accounts import ActorType, Role, User
from contrib.models.audit import AuditEntry
from contrib.models.comments import Comment
from contrib.models.contributions import (
    Contribution,
    ContributionKind,
    ContributionSource,
    ContributionStatus,
)
from contrib.models.duplicates import DismissedPair, DuplicateGroup, DuplicateMember, DuplicateStatus
from contrib.models.imports import ImportBatch, ImportedRow, ImportStatus
from contrib.models.notifications import Notification
from contrib.models.plaidoyer import Plaidoyer, PlaidoyerItem, PlaidoyerSection, PlaidoyerVersion
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
from contrib.models.supports import Support

__all__ = [
    "ActorType",
    "AuditEntry",
    "Comment",
    "Contribution",
    "ContributionKind",
    "ContributionSource",
    "ContributionStatus",
    "DEFAULT_THEMES",
    "DismissedPair",
    "DuplicateGroup",
    "DuplicateMember",
    "DuplicateStatus",
    "ImportBatch",
    "ImportStatus",
    "ImportedRow",
    "Notification",
    "Plaidoyer",
    "PlaidoyerItem",
    "PlaidoyerSection",
    "PlaidoyerVersion",
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
    "Support",
    "SupportOrigin",
    "Theme",
    "User",
]
