"""Reports (signalements): anyone logged in flags content; enough open reports hide it pending moderation.

Nothing is ever deleted: hiding sets ``hidden_at``/``hidden_reason`` on the target, moderation closes
the reports (``resolved_at``, ``decision``) and only reports made after a decision count again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contrib.core import audit, permissions, undo
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, Report, ReportDecision, ReportReason, Role, User
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


@dataclass
class QueueItem:
    """One reported target in the moderation queue."""

    target_type: str
    target: Contribution | Comment
    n_reports: int
    last_reported_at: datetime
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (French label, count), most frequent first
    reports: list[Report] = field(default_factory=list)

    @property
    def contribution_id(self) -> int:
        return self.target.id if self.target_type == "contribution" else self.target.contribution_id


def _column(target_type: str):
    if target_type == "contribution":
        return Report.contribution_id
    if target_type == "comment":
        return Report.comment_id
    raise NotFound("Type d'élément inconnu.")


def _target(target_type: str, target_id: int) -> Contribution | Comment:
    _column(target_type)
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


def _open_count(target_type: str, target_id: int) -> int:
    statement = db.select(db.func.count(Report.id)).where(
        _column(target_type) == target_id, Report.resolved_at.is_(None)
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


def _your(target_type: str, target) -> str:
    return f"Votre {'contribution' if target_type == 'contribution' else 'commentaire'} n° {target.id}"


def _e(target_type: str) -> str:
    """The feminine ending for a contribution (French agreement)."""
    return "e" if target_type == "contribution" else ""


def _notify_hidden(target_type: str, target, message: str):
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
        .where(_column(target_type) == target_id, Report.resolved_at.is_(None))
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
    return True, _notify_hidden(
        target_type,
        target,
        f"{_your(target_type, target)} a été signalé{_e(target_type)} {n_counted} fois : "
        f"{'elle' if target_type == 'contribution' else 'il'} est masqué{_e(target_type)} "
        "en attente de modération. Rien n'est supprimé ; la modération décidera "
        "de le rétablir ou non.",
    )


def reweigh_reports_by(user_id: int) -> list:
    """Apply the hiding rule again to the targets of the user's open reports (their account was confirmed).

    Runs in the caller's transaction; returns the notifications to deliver after commit.
    """
    pending = []
    for target_type in TARGET_TYPES:
        column = _column(target_type)
        target_ids = db.session.scalars(
            db.select(column)
            .where(Report.reporter_id == user_id, Report.resolved_at.is_(None), column.is_not(None))
            .order_by(column)
        ).all()
        for target_id in target_ids:
            target = _target(target_type, target_id)
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
            target = _target(target_type, target_id)
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
                **{_column(target_type).key: target.id},
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


def moderation_queue(*, limit: int = 200) -> list[QueueItem]:
    """Targets with open reports, most reported first (then most recently reported), with their reasons."""
    items: list[QueueItem] = []
    for target_type in TARGET_TYPES:
        column = _column(target_type)
        statement = (
            db.select(column, db.func.count(Report.id), db.func.max(Report.created_at))
            .where(column.is_not(None), Report.resolved_at.is_(None))
            .group_by(column)
        )
        counts = {target_id: (n, last) for target_id, n, last in db.session.execute(statement)}
        if not counts:
            continue
        model = Contribution if target_type == "contribution" else Comment
        targets = {
            t.id: t
            for t in db.session.execute(
                db.select(model).where(model.id.in_(counts)).options(joinedload(model.author))
            ).scalars()
        }
        for target_id, (n, last) in counts.items():
            items.append(QueueItem(target_type, targets[target_id], n, last))
    items.sort(key=lambda item: (-item.n_reports, -item.last_reported_at.timestamp()))
    items = items[:limit]
    for item in items:
        item.reports = list(
            db.session.execute(
                db.select(Report)
                .options(joinedload(Report.reporter))
                .where(_column(item.target_type) == item.target.id, Report.resolved_at.is_(None))
                .order_by(Report.id)
            ).scalars()
        )
        tally: dict[str, int] = {}
        for entry in item.reports:
            tally[entry.reason.label] = tally.get(entry.reason.label, 0) + 1
        item.reasons = sorted(tally.items(), key=lambda pair: (-pair[1], pair[0]))
    return items


def _state(target) -> dict:
    state = {"hidden": target.is_hidden, "hidden_reason": target.hidden_reason}
    if isinstance(target, Contribution):
        state["hidden_by_id"] = target.hidden_by_id
    return state


def _apply_state(target, state: dict) -> None:
    target.hidden_at = (target.hidden_at or utcnow()) if state["hidden"] else None
    target.hidden_reason = state["hidden_reason"] if state["hidden"] else None
    if isinstance(target, Contribution):
        target.hidden_by_id = state.get("hidden_by_id") if state["hidden"] else None
    db.session.flush()  # a contribution's version check happens here


def _close_reports(target_type: str, target_id: int, decision: ReportDecision, moderator: User) -> list[int]:
    """Close the target's open reports with ``decision``; returns their ids (kept in the audit entry for undo)."""
    ids = list(
        db.session.scalars(db.select(Report.id).where(_column(target_type) == target_id, Report.resolved_at.is_(None)))
    )
    db.session.execute(
        db.update(Report)
        .where(Report.id.in_(ids))
        .values(resolved_at=utcnow(), resolved_by_id=moderator.id, decision=decision)
        .execution_options(synchronize_session=False)
    )
    return ids


def _moderated(target_type: str, target_id: int, moderator: User):
    require_role(moderator, Role.MODERATOR, "Seuls les modérateurs peuvent traiter les signalements.")
    target = _target(target_type, target_id)
    if _open_count(target_type, target_id) == 0:
        raise Conflict("Aucun signalement en cours sur cet élément : il a peut-être déjà été traité.")
    return target


def _record_decision(action: str, target, decision: ReportDecision, moderator: User, before: dict) -> int:
    target_type = action.split(":")[1]
    closed = _close_reports(target_type, target.id, decision, moderator)
    audit.record(
        action,
        actor=moderator,
        target_type=target_type,
        target_id=target.id,
        before=before,
        after={**_state(target), "reports_closed": len(closed), "report_ids": closed},
    )
    return len(closed)


def restore(target_type: str, target_id: int, *, moderator: User) -> int:
    """Make the reported target visible again and close its open reports as "restaurée".

    Only a hiding done by reports is undone: content hidden for another reason (an undone import…)
    stays hidden and the restore is refused. Returns the number of reports closed.
    """
    with transaction():
        target = _moderated(target_type, target_id, moderator)
        if target.is_hidden and target.hidden_reason not in (AUTO_HIDDEN_REASON, MODERATOR_HIDDEN_REASON):
            raise NotAllowed(
                f"Cet élément est masqué pour une autre raison ({target.hidden_reason}) : "
                "il ne peut pas être rétabli depuis les signalements."
            )
        before = _state(target)
        _apply_state(target, {"hidden": False})
        return _record_decision(f"reports:{target_type}:restore", target, ReportDecision.RESTORED, moderator, before)


def keep_hidden(target_type: str, target_id: int, *, moderator: User) -> int:
    """Keep the reported target hidden (hiding it if it was still visible) and close its open reports."""
    pending = None
    with transaction():
        target = _moderated(target_type, target_id, moderator)
        before = _state(target)
        if not target.is_hidden:
            _apply_state(
                target, {"hidden": True, "hidden_reason": MODERATOR_HIDDEN_REASON, "hidden_by_id": moderator.id}
            )
            pending = _notify_hidden(
                target_type,
                target,
                f"{_your(target_type, target)} a été masqué{_e(target_type)} par la modération après signalement.",
            )
        closed = _record_decision(
            f"reports:{target_type}:keep_hidden", target, ReportDecision.KEPT_HIDDEN, moderator, before
        )
    notifications.deliver([pending])
    return closed


def _decision_of(entry: AuditEntry) -> ReportDecision:
    return ReportDecision.RESTORED if entry.action.endswith(":restore") else ReportDecision.KEPT_HIDDEN


def _decided_report_ids(entry: AuditEntry) -> list[int]:
    if "report_ids" in entry.after:
        return entry.after["report_ids"]
    # Decisions recorded before the ids were kept: the reports this moderator closed so, made before it.
    return list(
        db.session.scalars(
            db.select(Report.id).where(
                _column(entry.target_type) == entry.target_id,
                Report.decision == _decision_of(entry),
                Report.resolved_by_id == entry.actor_id,
                Report.created_at <= entry.created_at,
            )
        )
    )


def _check_still(entry: AuditEntry, target, expected: dict) -> None:
    """Undo and redo act only on the state the decision left (or found): anything else says what changed."""
    blocking = undo.later_acts(entry, [(entry.target_type, entry.target_id)])
    if blocking:
        raise undo.Blocked(blocking)
    if target.is_hidden != expected["hidden"]:
        raise Conflict("La visibilité de cet élément a changé depuis cette décision : rien n'a été modifié.")


def _undo_decision(entry: AuditEntry, actor: User) -> None:
    """Put the target back as it was and re-open the reports the decision closed."""
    target = _target(entry.target_type, entry.target_id)
    _check_still(entry, target, entry.after)
    if _open_count(entry.target_type, entry.target_id):
        raise Conflict(
            "De nouveaux signalements sont arrivés depuis cette décision : traitez-les d'abord, "
            "puis annulez-la si besoin."
        )
    _apply_state(target, entry.before)
    db.session.execute(
        db.update(Report)
        .where(Report.id.in_(_decided_report_ids(entry)))
        .values(resolved_at=None, resolved_by_id=None, decision=None)
        .execution_options(synchronize_session=False)
    )


def _redo_decision(entry: AuditEntry, actor: User) -> None:
    """Take the decision again: the target as it left it, the same reports closed."""
    target = _target(entry.target_type, entry.target_id)
    _check_still(entry, target, entry.before)
    ids = _decided_report_ids(entry)
    _apply_state(target, entry.after)
    db.session.execute(
        db.update(Report)
        .where(Report.id.in_(ids), Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id, decision=_decision_of(entry))
        .execution_options(synchronize_session=False)
    )


_DECISIONS = {
    "reports:contribution:restore": "Signalement traité : contribution rétablie",
    "reports:contribution:keep_hidden": "Signalement traité : contribution gardée masquée",
    "reports:comment:restore": "Signalement traité : commentaire rétabli",
    "reports:comment:keep_hidden": "Signalement traité : commentaire gardé masqué",
}


def register_undo() -> None:
    """Tell the undo registry how to reverse (and label) this module's acts; called by create_app."""
    for action, label in _DECISIONS.items():
        undo.handler(action, label=label, redo=_redo_decision)(_undo_decision)


def open_reports_count() -> int:
    return db.session.execute(db.select(db.func.count(Report.id)).where(Report.resolved_at.is_(None))).scalar()
