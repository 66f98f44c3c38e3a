"""Telling people what became of their contributions: in the site, and by e-mail when configured."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app

from contrib.core.routing import path_for
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import Notification, User
from contrib.models.base import utcnow
from contrib.notifications import mail

SUBJECTS = {
    "answered": "Nouveau commentaire sur votre contribution",
    "merged": "Votre contribution a été intégrée à une proposition",
    "hidden": "Votre contribution a été masquée",
    "retained": "Votre contribution est retenue dans le plaidoyer",
    "proposal_status": "La proposition qui intègre votre contribution change de statut",
}


@dataclass(frozen=True)
class PendingMail:
    to: str
    subject: str
    body: str


def notify(
    user_id: int | None, kind: str, message: str, *, endpoint: str | None = None, endpoint_args: dict | None = None
) -> PendingMail | None:
    """Add a notification in the caller's transaction; return the e-mail to send after commit.

    ``endpoint`` and ``endpoint_args`` (``_anchor`` allowed) say where it leads, as for ``url_for``.
    """
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        return None
    args = endpoint_args or {}
    body = f"Bonjour {user.display_name},\n\n{message}\n"
    if endpoint:
        # Built now: an endpoint that does not exist (or lacks an argument) fails the act, not the page.
        body += f"\n{current_app.config['PUBLIC_URL'].rstrip('/')}{path_for(endpoint, **args)}\n"
    db.session.add(
        Notification(
            user_id=user.id,
            kind=kind,
            message=message,
            endpoint=endpoint,
            endpoint_args=json.dumps(args, sort_keys=True) if endpoint else None,
        )
    )
    return PendingMail(user.email, SUBJECTS.get(kind, "Contrib : du nouveau"), body)


def deliver(pending: list[PendingMail | None]) -> int:
    """Send the e-mails of committed notifications; return how many were sent."""
    return sum(mail.send_mail(item.to, item.subject, item.body) for item in pending if item is not None)


def unread_count(user: User) -> int:
    statement = db.select(db.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.execute(statement).scalar()


def recent_for(user: User, *, limit: int = 50) -> list[Notification]:
    statement = (
        db.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
    )
    return list(db.session.execute(statement).scalars())


def mark_all_read(user: User) -> int:
    """Mark the user's notifications read; return how many changed."""
    with transaction():
        changed = db.session.execute(
            db.update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        ).rowcount
    return changed
