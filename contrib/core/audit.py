"""Writing the audit log; always inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import has_request_context, request

from contrib.extensions import db
from contrib.models import AuditEntry, User

# The address of the person a queued task acts for (set by the task queue around the task's run).
_queued_for: ContextVar[str | None] = ContextVar("audit_queued_for", default=None)


def client_address() -> str | None:
    """The address of the person acting: the request's client (after the trusted proxy hops, see
    ``PROXY_HOPS``), or, in a queued task, the client who queued it; None for the platform's own acts."""
    if has_request_context():
        return request.remote_addr
    return _queued_for.get()


@contextmanager
def acting_for(address: str | None) -> Iterator[None]:
    """Audit entries written in this block record ``address`` (a queued task, for whoever queued it)."""
    token = _queued_for.set(address)
    try:
        yield
    finally:
        _queued_for.reset(token)


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
        client_address=client_address(),
    )
    db.session.add(entry)
    return entry
