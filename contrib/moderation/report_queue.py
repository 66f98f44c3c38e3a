"""The moderators' side of reports: the queue of reported content, and their decisions on it (restore, keep
hidden), audited and undoable. Nothing is deleted: a decision closes the reports and sets or clears ``hidden_at``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import joinedload

from contrib.core import audit, undo
from contrib.core.errors import Conflict, NotAllowed
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, Report, ReportDecision, Role, User
from contrib.models.base import utcnow
from contrib.moderation.reports import (
    AUTO_HIDDEN_REASON,
    MODERATOR_HIDDEN_REASON,
    TARGET_TYPES,
    feminine_ending,
    get_target,
    notify_hidden,
    open_count,
    report_column,
    your_label,
)
from contrib.notifications import services as notifications


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


def moderation_queue(*, limit: int = 200) -> list[QueueItem]:
    """Targets with open reports, most reported first (then most recently reported), with their reasons."""
    items: list[QueueItem] = []
    for target_type in TARGET_TYPES:
        column = report_column(target_type)
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
                .where(report_column(item.target_type) == item.target.id, Report.resolved_at.is_(None))
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
        db.session.scalars(
            db.select(Report.id).where(report_column(target_type) == target_id, Report.resolved_at.is_(None))
        )
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
    target = get_target(target_type, target_id)
    if open_count(target_type, target_id) == 0:
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
            pending = notify_hidden(
                target_type,
                target,
                f"{your_label(target_type, target)} a été masqué{feminine_ending(target_type)} "
                "par la modération après signalement.",
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
                report_column(entry.target_type) == entry.target_id,
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
    target = get_target(entry.target_type, entry.target_id)
    _check_still(entry, target, entry.after)
    if open_count(entry.target_type, entry.target_id):
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
    target = get_target(entry.target_type, entry.target_id)
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
