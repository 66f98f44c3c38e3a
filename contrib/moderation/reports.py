"""Reports (signalements): anyone logged in flags content; enough open reports hide it pending moderation.

Nothing is ever deleted: hiding sets ``hidden_at``/``hidden_reason`` on the target, moderation closes
the reports (``resolved_at``, ``decision``) and only reports made after a decision count again.

This module takes reports; the moderators' queue and their decisions are in ``report_queue.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from contrib.core import audit, permissions
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Comment, Contribution, Report, ReportReason, User
from contrib.models.accounts import counted
from contrib.models.base import utcnow
from contrib.models.reports import DETAILS_MAX_LENGTH
from contrib.notifications import services as notifications

AUTO_HIDDEN_REASON = "Masquée en attente de modération"
MODERATOR_HIDDEN_REASON = "Masquée par la modération après signalement"
TARGET_TYPES = ("contribution", "comment")


@dataclass(frozen=True)
class ReportOutcome:
    report: Report
    contribution: Contribution  # the reported contribution, or the one the reported comment is under
    hidden: bool  # this report reached the threshold and hid the target


def report_column(target_type: str):
    """The Report column that points at this kind of target; NotFound for an unknown kind."""
    if target_type == "contribution":
        return Report.contribution_id
    if target_type == "comment":
        return Report.comment_id
    raise NotFound("Type d'élément inconnu.")


def get_target(target_type: str, target_id: int) -> Contribution | Comment:
    """The reported contribution or comment; raise NotFound."""
    report_column(target_type)
    model = Contribution if target_type == "contribution" else Comment
    target = db.session.get(model, target_id)
    if target is None:
        raise NotFound("Élément introuvable.")
    return target


def _label(target_type: str, target) -> str:
    return f"contribution n° {target.id}" if target_type == "contribution" else f"commentaire n° {target.id}"


def _link_args(target_type: str, target) -> dict:
    """The arguments of ``participation.contribution`` that lead to ``target``."""
    if target_type == "contribution":
        return {"contribution_id": target.id}
    return {"contribution_id": target.contribution_id, "_anchor": f"commentaire-{target.id}"}


def open_count(target_type: str, target_id: int) -> int:
    """How many reports of the target are still open."""
    statement = db.select(db.func.count(Report.id)).where(
        report_column(target_type) == target_id, Report.resolved_at.is_(None)
    )
    return db.session.execute(statement).scalar()


def _hide(target_type: str, target, reason: str, actor: User | None) -> bool:
    """Hide the target unless it is already hidden; True when this call hid it.

    A conditional UPDATE: two concurrent reports reaching the threshold hide it once, and a
    reporter never gets a "changed by someone else" error for it.
    """
    model = Contribution if target_type == "contribution" else Comment
    values = {"hidden_at": utcnow(), "hidden_reason": reason}
    if model is Contribution:
        values.update(hidden_by_id=actor.id if actor else None, version=Contribution.version + 1)
    changed = db.session.execute(
        db.update(model)
        .where(model.id == target.id, model.hidden_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(target)
    return bool(changed)


def your_label(target_type: str, target) -> str:
    """« Votre contribution n° 4 » / « Votre commentaire n° 7 », for its author's notification."""
    return f"Votre {'contribution' if target_type == 'contribution' else 'commentaire'} n° {target.id}"


def feminine_ending(target_type: str) -> str:
    """The feminine ending for a contribution (French agreement)."""
    return "e" if target_type == "contribution" else ""


def notify_hidden(target_type: str, target, message: str):
    """Tell the target's author it was hidden (or shown again); returns the mail to deliver after the commit."""
    return notifications.notify(
        target.author_id,
        "hidden",
        message,
        endpoint="participation.contribution",
        endpoint_args=_link_args(target_type, target),
    )


BURST_SIZE = 3  # this many reporters whose new accounts were created within BURST_WINDOW of each other
BURST_WINDOW = timedelta(hours=1)
NEW_ACCOUNT = timedelta(days=7)  # an account this young when it reports may belong to a burst


def _in_bursts(created: list[datetime], reported: list[datetime]) -> set[int]:
    """Indexes of the reports made by new accounts created in a burst (BURST_SIZE or more within BURST_WINDOW)."""
    order = sorted(
        (index for index in range(len(created)) if reported[index] - created[index] < NEW_ACCOUNT),
        key=created.__getitem__,
    )
    flagged: set[int] = set()
    first = 0
    for last in range(len(order)):
        while created[order[last]] - created[order[first]] > BURST_WINDOW:
            first += 1
        if last - first + 1 >= BURST_SIZE:
            flagged.update(order[first : last + 1])
    return flagged


def _counted_open_reports(target_type: str, target_id: int) -> int:
    """Open reports that may hide the target: from confirmed accounts, a day old, not part of a burst.

    The others keep the target in the moderation queue, visible, until a moderator decides.
    """
    rows = db.session.execute(
        db.select(Report.created_at, User.created_at, counted(Report.reporter_id))
        .join(User, User.id == Report.reporter_id)
        .where(report_column(target_type) == target_id, Report.resolved_at.is_(None))
    ).all()
    min_age = timedelta(hours=current_app.config["REPORTER_MIN_AGE_HOURS"])
    burst = _in_bursts([row[1] for row in rows], [row[0] for row in rows])
    return sum(
        1
        for index, (reported_at, account_created, confirmed) in enumerate(rows)
        if confirmed and reported_at - account_created >= min_age and index not in burst
    )


def _hide_if_reported_enough(target_type: str, target) -> tuple[bool, notifications.PendingMail | None]:
    """Hide the target when enough of its open reports count; return (hidden now, the author's e-mail)."""
    n_counted = _counted_open_reports(target_type, target.id)
    if n_counted < current_app.config["REPORTS_TO_HIDE"] or not _hide(target_type, target, AUTO_HIDDEN_REASON, None):
        return False, None
    audit.record(
        f"reports:{target_type}:auto_hide",
        actor=None,
        target_type=target_type,
        target_id=target.id,
        before={"hidden": False},
        after={"hidden": True, "hidden_reason": AUTO_HIDDEN_REASON, "open_reports": n_counted},
    )
    return True, notify_hidden(
        target_type,
        target,
        f"{your_label(target_type, target)} a été signalé{feminine_ending(target_type)} {n_counted} fois : "
        f"{'elle' if target_type == 'contribution' else 'il'} est masqué{feminine_ending(target_type)} "
        "en attente de modération. Rien n'est supprimé ; la modération décidera "
        "de le rétablir ou non.",
    )


def reweigh_reports_by(user_id: int) -> list:
    """Apply the hiding rule again to the targets of the user's open reports (their account was confirmed).

    Runs in the caller's transaction; returns the notifications to deliver after commit.
    """
    pending = []
    for target_type in TARGET_TYPES:
        column = report_column(target_type)
        target_ids = db.session.scalars(
            db.select(column)
            .where(Report.reporter_id == user_id, Report.resolved_at.is_(None), column.is_not(None))
            .order_by(column)
        ).all()
        for target_id in target_ids:
            target = get_target(target_type, target_id)
            if not target.is_hidden:
                pending.append(_hide_if_reported_enough(target_type, target)[1])
    return pending


def report(target_type: str, target_id: int, reason: str, details: str | None, *, reporter: User) -> ReportOutcome:
    """Report a visible contribution or comment; hide it when its open reports reach the threshold.

    Raises NotFound (missing or already hidden), NotAllowed (own content), InvalidInput (reason,
    details) or Conflict (this person already has an open report on it).
    """
    pending = None
    try:
        with transaction():
            target = get_target(target_type, target_id)
            contribution = (
                target if target_type == "contribution" else db.session.get(Contribution, target.contribution_id)
            )
            if target.is_hidden or contribution.is_hidden:
                raise NotFound("Cet élément est introuvable ou déjà masqué.")
            if permissions.is_own(reporter, target):
                raise NotAllowed(
                    "Vous ne pouvez pas signaler votre propre "
                    + ("contribution." if target_type == "contribution" else "commentaire.")
                )
            if reason not in {member.value for member in ReportReason}:
                raise InvalidInput("Motif : choisissez un motif dans la liste.", field="reason")
            details = clean_text(details, field_label="Précisions", max_length=DETAILS_MAX_LENGTH, required=False)
            if reason == ReportReason.OTHER.value and not details:
                raise InvalidInput(
                    "Précisions : pour le motif « Autre », dites en quelques mots ce qui pose problème.",
                    field="details",
                )
            entry = Report(
                reporter_id=reporter.id,
                reason=ReportReason(reason),
                details=details,
                **{report_column(target_type).key: target.id},
            )
            db.session.add(entry)
            db.session.flush()
            audit.record(
                f"reports:{target_type}:report",
                actor=reporter,
                target_type=target_type,
                target_id=target.id,
                after={"report_id": entry.id, "reason": reason},
            )
            hidden, pending = _hide_if_reported_enough(target_type, target)
    except IntegrityError as error:
        raise Conflict("Vous avez déjà signalé cet élément ; la modération va l'examiner.") from error
    notifications.deliver([pending])
    return ReportOutcome(entry, contribution, hidden)


def contribution_id_of_comment(comment_id: int) -> int:
    """The contribution a comment is under; NotFound when the comment does not exist."""
    contribution_id = db.session.execute(db.select(Comment.contribution_id).where(Comment.id == comment_id)).scalar()
    if contribution_id is None:
        raise NotFound("Commentaire introuvable.")
    return contribution_id
