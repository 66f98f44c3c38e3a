"""Writing the audit log; always inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from contrib.extensions import db
from contrib.models import AuditEntry, User


def record(
    action: str,
    *,
    actor: User | None,
    target_type: str,
    target_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current session (the caller commits)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
